"""Every parser and pattern match on user input is linear, and every size is bounded.

Pathological inputs run in a child process with a generous time limit, so that a regression
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import multiprocessing
import tarfile
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cslu_mock import CsluModel
from cslu_mock import create_app as cslu_app
from cssm_mock import CssmModel, UsageFileError
from cssm_mock import create_app as cssm_app
from onprem_mock import OnPremModel
from onprem_mock import create_app as onprem_app
from sim.clock import VirtualClock
from sim.operator import ActionError
from sim.protocol.files import (
    MAX_BUNDLE_MEMBERS,
    MAX_FILE_BYTES,
    MAX_GZIP_MEMBERS,
    MAX_REPORTS_PER_FILE,
    BundleInfo,
    FileFormatError,
    SystemInfo,
    read_ack_bundle,
    read_import_file,
    read_usage_bundle,
    read_usage_file,
    write_ack_bundle,
    write_ack_file,
    write_policy_file,
    write_usage_bundle,
    write_usage_file,
)
from sim.protocol.messages import RumReportWire, RumSignature, Sudi
from sim.protocol.rum import RumMeasurement, sign_report
from sim.simulation import Simulation, SwitchSpec
from sim.switch.cli import (
    INVALID_COMMAND,
    INVALID_PARAMETER,
    MAX_LINE_CHARS,
    CliResult,
    CliSession,
    CommandSet,
    Mode,
)

T = TypeVar("T")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LEAF1 = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2434107N")
LIMIT_S = 10.0  # far above what the linear code needs (milliseconds), far below the old minutes
HALF_MB = 512 * 1024


def finishes(work: Callable[[], T], seconds: float = LIMIT_S) -> T:
    """`work()` run in a forked child, or a test failure when it runs longer than `seconds`.

    A child process rather than a thread: a backtracking regular expression holds the GIL
    until it is done, so a thread could not be given up on.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        try:
            sender.send(("value", work()))
        except BaseException as exc:  # handed to the test process below
            sender.send(("error", exc))

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            pytest.fail(f"still running after {seconds} s")
        kind, payload = receiver.recv()
    finally:
        process.kill()
        process.join()
    if kind == "error":
        raise payload
    return payload  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- CLI


def session(output: str) -> CliSession[None]:
    commands: CommandSet[None] = CommandSet()
    commands.add(Mode.EXEC, "show text", lambda ctx: output)
    return CliSession(commands, lambda: "sw", None)


def caret(column: int, message: str) -> str:
    return " " * column + "^\n" + message + "\n"


def test_a_filter_with_nested_repetition_answers_at_once() -> None:
    s = session("=" * 40 + "\n" + "==x\n")
    result = finishes(lambda: s.execute("show text | include (={1,20})+x"))
    assert result == CliResult("==x\n")
    assert finishes(lambda: s.execute("show text | begin (=+=+)+x")) == CliResult("==x\n")
    assert finishes(lambda: s.execute("show text | exclude (=*)*y")).output == "=" * 40 + "\n==x\n"


@pytest.mark.parametrize("expression", [r"(a)\1", "a(?=b)", "(?<!a)b", "a{1,2000}", "(", "x**"])
def test_a_filter_that_cannot_run_in_linear_time_is_refused_like_a_bad_one(
    expression: str,
) -> None:
    line = f"show text | include {expression}"
    result = session("abb\n").execute(line, prompt_len=0)
    assert result == CliResult(caret(line.index(expression), INVALID_PARAMETER), error=True)


@pytest.mark.parametrize(
    ("pipe", "expected"),
    [
        ("| i 'bytes free'", "  1024 bytes free\n"),
        ('| include "bytes free"', "  1024 bytes free\n"),
        ("| exclude 'bytes free'", "  2 files\n"),
        ("| include '^  2'", "  2 files\n"),
        ("| include 'bytes free' | count", "1\n"),
        ("| include ''", "  1024 bytes free\n  2 files\n"),
        ("| include '", ""),  # a lone quote is the expression itself
    ],
)
def test_quotes_around_a_filter_expression_are_dropped(pipe: str, expected: str) -> None:
    s = session("  1024 bytes free\n  2 files\n")
    assert s.execute(f"show text {pipe}") == CliResult(expected)


def test_lone_surrogates_are_searched_or_refused_never_raised() -> None:
    s = session("bad \ud800 byte\nplain\n")
    assert s.execute("show text | include byte") == CliResult("bad \ud800 byte\n")
    assert s.execute("show text | exclude byte") == CliResult("plain\n")
    line = "show text | include \udc80"
    assert s.execute(line, prompt_len=0) == CliResult(caret(20, INVALID_PARAMETER), error=True)


def test_a_line_longer_than_the_bound_is_refused_before_parsing() -> None:
    s = session("aaa\n")
    head = "show text | include "
    fits = head + "a" * (MAX_LINE_CHARS - len(head))
    assert s.execute(fits) == CliResult("")
    assert s.execute(fits + "\r\n") == CliResult("")
    too_long = fits + "a"
    assert s.execute(too_long, prompt_len=3) == CliResult(
        caret(3 + MAX_LINE_CHARS, INVALID_COMMAND), error=True
    )
    assert s.execute(too_long + "?", prompt_len=0).error


@pytest.mark.parametrize(
    "line",
    [
        "show " * 200_000,
        "show text | include " + "a" * 1_000_000,
        "show text" + " | no-more" * 100_000,
        '"' + "x " * 500_000,
        "show text " * 100_000 + "?",
    ],
    ids=["many-words", "long-filter", "many-pipes", "open-quote", "help"],
)
def test_a_one_megabyte_line_is_answered_quickly_with_an_error(line: str) -> None:
    s = session("aaa\n")
    result = finishes(lambda: s.execute(line, prompt_len=0), seconds=5)
    assert result.error and result.output.endswith(INVALID_COMMAND + "\n")
    assert len(result.output) < MAX_LINE_CHARS + 100
    assert s.execute("show text") == CliResult("aaa\n")


# --------------------------------------------------------------------------- files


def usage_text(*report_ids: int) -> str:
    reports = [
        sign_report(LEAF1, RumMeasurement(n, "NXOS_ESSENTIALS_XF", 1, START, START), None)
        for n in report_ids
    ]
    system = SystemInfo(sudi=LEAF1, hostname="leaf1", timestamp=1, nonce="n1")
    return write_usage_file(system, reports)


def unclosed(tag: str, inner: str, size: int = HALF_MB) -> str:
    """A `<smartLicense>` document of `size` characters, all of it elements that never close."""
    opener = f"<{tag}>{inner}"
    return "<smartLicense>" + opener * (size // len(opener)) + "</smartLicense>"


USAGE_HEAD = usage_text().removesuffix("</smartLicense>\n")
ADVERSARIAL_USAGE = {
    "unclosed-reports": USAGE_HEAD + "<RUMReport><![CDATA[" * (HALF_MB // 20) + "</smartLicense>",
    "unclosed-system-info": unclosed("smartLicenseSystemInfo", "<data>"),
    "one-closer-at-the-end": USAGE_HEAD
    + "<RUMReport>" * (HALF_MB // 11)
    + "</RUMReport></smartLicense>",
}
ADVERSARIAL_IMPORT = {
    "unclosed-acks": unclosed("smartLicenseRumAck", "<data>"),
    "unclosed-policies": unclosed("smartLicensePolicy", "<data>"),
    "data-without-end": "<smartLicensePolicy>"
    + "<data>" * (HALF_MB // 6)
    + "</smartLicensePolicy>",
}


@pytest.mark.parametrize("text", ADVERSARIAL_USAGE.values(), ids=ADVERSARIAL_USAGE.keys())
def test_a_crafted_usage_file_is_refused_in_linear_time(text: str) -> None:
    with pytest.raises(FileFormatError):
        finishes(lambda: read_usage_file(text))
    with pytest.raises(UsageFileError):
        finishes(
            lambda: CssmModel(VirtualClock(START)).upload_usage_file("u", text.encode(), "Default")
        )


@pytest.mark.parametrize("text", ADVERSARIAL_IMPORT.values(), ids=ADVERSARIAL_IMPORT.keys())
def test_a_crafted_ack_or_policy_file_is_refused_in_linear_time(text: str) -> None:
    with pytest.raises(FileFormatError):
        finishes(lambda: read_import_file(text))
    with pytest.raises(FileFormatError):
        finishes(lambda: CsluModel(VirtualClock(START)).upload_from_cisco(text.encode()))
    with pytest.raises(FileFormatError):
        finishes(lambda: OnPremModel(VirtualClock(START)).import_from_cisco(text.encode()))


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build("direct", switches=[SwitchSpec("leaf1", serial="FDO2434107N")])
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


def test_license_smart_import_of_a_crafted_file_answers_in_linear_time(sim: Simulation) -> None:
    sim.switch("leaf1").write_bootflash("ack.txt", ADVERSARIAL_IMPORT["unclosed-acks"])
    output = finishes(
        lambda: asyncio.run(sim.exec("leaf1", "license smart import bootflash:ack.txt"))
    )
    assert output == (
        "% Import Data Failed: ACK file: <smartLicenseRumAck> number 1 is never closed\n"
    )


def test_files_as_the_writers_write_them_still_read_back() -> None:
    parsed = read_usage_file("\n  " + usage_text(1, 2, 3) + "\n\n")
    assert [report.signature.sudi for report in parsed.reports] == [LEAF1] * 3
    cssm = CssmModel(VirtualClock(START))
    policy = cssm.signed_policy("Default")
    assert read_import_file(write_policy_file(policy)).policies == [policy]
    both = read_import_file(write_ack_file(policy, [policy, policy]))
    assert (len(both.acks), len(both.policies)) == (1, 2)


def test_a_damaged_element_is_an_error_not_skipped() -> None:
    text = usage_text(1, 2).replace("<![CDATA[", "<![CDATA", 1)
    with pytest.raises(FileFormatError, match="<RUMReport> number 1 is malformed"):
        read_usage_file(text)


def test_reports_per_usage_file_are_bounded() -> None:
    sudi = Sudi(udi_pid="P", udi_serial_number="S")
    tiny = RumReportWire(
        payload="", signature=RumSignature(sudi=sudi, signing_type="", key="", value="")
    )
    system = SystemInfo(sudi=sudi, timestamp=0)
    at_limit = write_usage_file(system, [tiny] * MAX_REPORTS_PER_FILE)
    assert len(read_usage_file(at_limit).reports) == MAX_REPORTS_PER_FILE
    over = write_usage_file(system, [tiny] * (MAX_REPORTS_PER_FILE + 1))
    with pytest.raises(FileFormatError, match=f"more than {MAX_REPORTS_PER_FILE} <RUMReport>"):
        read_usage_file(over)


# --------------------------------------------------------------------------- bundles

INFO = BundleInfo(smart_account="Example Corp", virtual_account="Lab", created_by="CSLU")


def tar_gz(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                tar.addfile(info, io.BytesIO(member[1]))
    return buffer.getvalue()


def usage_bundle(inner: bytes) -> bytes:
    return tar_gz([("manifest.mf", b"Smart-Account: Example Corp\n"), ("UD_VA_1.tar.gz", inner)])


def zero_bomb(members: int, member_bytes: int) -> bytes:
    """A tar.gz whose `members` files hold `member_bytes` zeros each, from a few KB of gzip.

    Built as one gzip member per tar header and one shared gzip member of zeros, so the test
    never holds the unpacked size itself.
    """
    zeros = gzip.compress(b"\0" * member_bytes, 1)
    parts = []
    for n in range(1, members + 1):
        info = tarfile.TarInfo(f"dev_{n}_1.txt")
        info.size = member_bytes
        parts += [gzip.compress(info.tobuf(format=tarfile.GNU_FORMAT)), zeros]
    return b"".join([*parts, gzip.compress(b"\0" * 1024)])


def test_a_gzip_bomb_is_refused_within_bounded_memory() -> None:
    bomb = usage_bundle(zero_bomb(members=40, member_bytes=16 * 1024 * 1024))  # 640 MiB
    assert len(bomb) < 2 * 1024 * 1024

    def read_with_peak() -> tuple[str, int]:
        tracemalloc.start()
        try:
            read_usage_bundle(bomb)
        except FileFormatError as exc:
            return str(exc), tracemalloc.get_traced_memory()[1]
        return "parsed", tracemalloc.get_traced_memory()[1]

    message, peak = finishes(read_with_peak)
    assert message == "a usage bundle is larger than 64 MiB uncompressed"
    assert peak < 256 * 1024 * 1024
    with pytest.raises(UsageFileError, match="larger than 64 MiB uncompressed"):
        CssmModel(VirtualClock(START)).upload_usage_file("bomb.tar.gz", bomb, "Default")


def test_a_bomb_in_the_outer_archive_is_refused_too() -> None:
    with pytest.raises(FileFormatError, match="larger than 64 MiB uncompressed"):
        finishes(lambda: read_ack_bundle(zero_bomb(members=5, member_bytes=16 * 1024 * 1024)))


def test_many_tiny_gzip_streams_are_refused_in_linear_time() -> None:
    tiny = gzip.compress(b"", 1)
    data = tiny * (8 * 1024 * 1024 // len(tiny))
    with pytest.raises(FileFormatError, match=f"more than {MAX_GZIP_MEMBERS} gzip streams"):
        finishes(lambda: read_ack_bundle(data))


def odd_member(kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo("dev_2_1.txt")
    info.type = kind
    info.linkname = "/etc/passwd"
    return info


@pytest.mark.parametrize(
    "kind",
    [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE],
    ids=["symlink", "hard-link", "fifo", "char-device", "block-device"],
)
def test_links_and_odd_members_are_refused(kind: bytes) -> None:
    good = ("dev_1_1.txt", usage_text(1).encode())
    assert len(read_usage_bundle(usage_bundle(tar_gz([good])))[1]) == 1
    with pytest.raises(FileFormatError, match=r"'dev_2_1\.txt' is not a regular file"):
        read_usage_bundle(usage_bundle(tar_gz([good, odd_member(kind)])))
    ack_inner = tar_gz([("ACK_dev_1_1.txt", b"x"), odd_member(kind)])
    with pytest.raises(FileFormatError, match="is not a regular file"):
        read_ack_bundle(tar_gz([("ACK_UD_VA_1.tar.gz", ack_inner)]))


def test_members_and_their_names_are_bounded() -> None:
    one = usage_text(1).encode()
    with pytest.raises(FileFormatError, match=f"more than {MAX_BUNDLE_MEMBERS} files"):
        read_usage_bundle(
            usage_bundle(tar_gz([(f"dev_{n}_1.txt", one) for n in range(MAX_BUNDLE_MEMBERS + 1)]))
        )
    # A name past ustar's 255 characters needs an extended header, which is refused.
    with pytest.raises(FileFormatError, match=r"extended \(pax or GNU\) tar headers"):
        read_usage_bundle(usage_bundle(tar_gz([("dev_1_" + "9" * 5000 + ".txt", one)])))


def test_a_crafted_pax_header_is_refused_at_once() -> None:
    digits = b"1" * 1_000_000  # CPython's pax parser backtracks on this for hours
    info = tarfile.TarInfo("././@PaxHeader")
    info.type, info.size = tarfile.XHDTYPE, len(digits)
    raw = info.tobuf(format=tarfile.USTAR_FORMAT) + digits + b"\0" * (-len(digits) % 512 + 1024)
    with pytest.raises(FileFormatError, match=r"extended \(pax or GNU\) tar headers"):
        finishes(lambda: read_ack_bundle(gzip.compress(raw)))


def test_a_cut_or_negative_member_size_is_refused() -> None:
    raw = tarfile_bytes([("dev_1_1.txt", usage_text(1).encode())])
    with pytest.raises(FileFormatError, match="cut short"):
        read_ack_bundle(gzip.compress(raw[:1024]))
    info = tarfile.TarInfo("dev_1_1.txt")
    info.size = -512
    negative = info.tobuf(format=tarfile.GNU_FORMAT) + b"\0" * 1024
    with pytest.raises(FileFormatError):
        finishes(lambda: read_ack_bundle(gzip.compress(negative)))


def test_bundles_as_the_writers_write_them_still_read_back() -> None:
    info, files = read_usage_bundle(write_usage_bundle(INFO, [usage_text(1), usage_text(2)], START))
    assert (info, [f.reports[0].signature.sudi for f in files]) == (INFO, [LEAF1, LEAF1])
    policy = CssmModel(VirtualClock(START)).signed_policy("Default")
    acks = read_ack_bundle(write_ack_bundle([write_ack_file(policy)] * 3, START))
    assert [len(a.acks) for a in acks] == [1, 1, 1]
    # Several gzip members in a row are one stream, as gzip(1) reads them, zero padding too.
    raw = tarfile_bytes([("ACK_dev_1_1.txt", write_ack_file(policy).encode())])
    split = gzip.compress(raw[:700]) + b"\0" * 10 + gzip.compress(raw[700:]) + b"\0" * 3
    assert len(read_ack_bundle(tar_gz([("ACK_UD_VA_1.tar.gz", split)]))) == 1


def tarfile_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --------------------------------------------------------------------------- fuzz

FRAGMENTS = [
    "<smartLicense>", "</smartLicense>", "<smartLicenseSystemInfo>", "</smartLicenseSystemInfo>",
    "<data>", "</data>", "<RUMReport>", "</RUMReport>", "<![CDATA[", "]]>",
    "<smartLicenseRumAck>", "</smartLicenseRumAck>", "<smartLicensePolicy>",
    "</smartLicensePolicy>", "{", "}", "[", "]", '"', ":", ",", " ", "\n", "null", "1e400",
    '{"body":', '"signature":', '"payload":', '"sudi":', "\ud800", "\x00", "[" * 5000,
]  # fmt: skip
VALID_TEXTS = [usage_text(1, 2)]


def _valid_import_texts() -> list[str]:
    policy = CssmModel(VirtualClock(START)).signed_policy("Default")
    return [write_ack_file(policy, [policy]), write_policy_file(policy)]


VALID_TEXTS += _valid_import_texts()


@st.composite
def mutated(draw: st.DrawFn, originals: list[Any]) -> Any:
    """A valid file with a few slices cut, repeated or replaced."""
    data = draw(st.sampled_from(originals))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(data)))
        j = draw(st.integers(i, min(len(data), i + 200)))
        kind = draw(st.sampled_from(["cut", "repeat", "insert"]))
        if kind == "cut":
            data = data[:i] + data[j:]
        elif kind == "repeat":
            data = data[:j] + data[i:j] * draw(st.integers(2, 50)) + data[j:]
        elif isinstance(data, str):
            data = data[:i] + draw(st.sampled_from(FRAGMENTS)) + data[j:]
        else:
            data = data[:i] + draw(st.binary(max_size=64)) + data[j:]
    return data


TEXT_FILES = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=60).map(
    "".join
) | mutated(VALID_TEXTS)


@settings(max_examples=300, deadline=None, database=None)
@given(TEXT_FILES)
def test_any_text_file_parses_or_is_a_file_format_error(text: str) -> None:
    for reader in (read_usage_file, read_import_file):
        with contextlib.suppress(FileFormatError):
            reader(text)


VALID_BUNDLES = [
    write_usage_bundle(INFO, [usage_text(1), usage_text(2, 3)], START),
    write_ack_bundle([_valid_import_texts()[0]], START),
]
MEMBER_NAMES = ["manifest.mf", "UD_VA_1.tar.gz", "ACK_UD_VA_1.tar.gz", "dev_1_1.txt", "./x", ""]


@st.composite
def built_bundles(draw: st.DrawFn) -> bytes:
    """Archives of archives with arbitrary names, contents and member types."""

    def members(depth: int) -> list[tarfile.TarInfo | tuple[str, bytes]]:
        out: list[tarfile.TarInfo | tuple[str, bytes]] = []
        for _ in range(draw(st.integers(0, 4))):
            name = draw(st.sampled_from(MEMBER_NAMES) | st.text(min_size=1, max_size=20))
            choice = draw(st.sampled_from(["text", "archive", "odd"] if depth else ["text", "odd"]))
            if choice == "archive":
                out.append((name, tar_gz(members(depth - 1))))
            elif choice == "odd":
                out.append(odd_member(draw(st.sampled_from([tarfile.SYMTYPE, tarfile.DIRTYPE]))))
            else:
                out.append((name, draw(TEXT_FILES).encode("utf-8", "surrogatepass")))
        return out

    return tar_gz(members(2))


BUNDLES = (
    mutated(VALID_BUNDLES)
    | built_bundles()
    | st.binary(max_size=200).map(lambda b: b"\x1f\x8b" + b)
)


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(BUNDLES)
def test_any_bundle_parses_or_is_a_file_format_error(data: bytes) -> None:
    for reader in (read_usage_bundle, read_ack_bundle):
        with contextlib.suppress(FileFormatError):
            reader(data)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(BUNDLES | TEXT_FILES.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_every_back_end_takes_any_upload_or_refuses_it_cleanly(data: bytes) -> None:
    with contextlib.suppress(UsageFileError):
        CssmModel(VirtualClock(START)).upload_usage_file("u", data, "Default")
    for relay in (CsluModel(VirtualClock(START)).upload_from_cisco,
                  OnPremModel(VirtualClock(START)).import_from_cisco):  # fmt: skip
        with contextlib.suppress(FileFormatError):
            relay(data)


def test_a_binary_file_is_not_copied_to_bootflash() -> None:
    async def scenario() -> None:
        sim = Simulation.build("onprem", switches=[SwitchSpec("leaf1", serial="FDO2434107N")])
        await sim.boot()
        try:
            params = {"file": "AllFiles.zip", "to_switch": "leaf1"}
            with pytest.raises(ActionError, match=r"AllFiles\.zip is not a text file"):
                sim.backend_action("onprem", "download-system-logs", params)
            assert "AllFiles.zip" not in sim.switch("leaf1").bootflash_files()
        finally:
            await sim.close()

    asyncio.run(scenario())


HTTP_UPLOADS = {
    "cssm": ("/_sim/usage-files", {"virtual_account": "Default"}),
    "cslu": ("/_sim/upload-from-cisco", {}),
    "onprem": ("/_sim/import-from-cisco", {}),
}


@pytest.mark.parametrize("backend", HTTP_UPLOADS)
@pytest.mark.parametrize(
    "content",
    [
        usage_bundle(zero_bomb(members=5, member_bytes=16 * 1024 * 1024)),
        ADVERSARIAL_USAGE["unclosed-reports"].encode(),
        ADVERSARIAL_IMPORT["unclosed-acks"].encode(),
        usage_bundle(tar_gz([odd_member(tarfile.SYMTYPE)])),
    ],
    ids=["gzip-bomb", "unclosed-reports", "unclosed-acks", "symlink"],
)
def test_back_end_uploads_answer_400_with_the_reason(backend: str, content: bytes) -> None:
    clock = VirtualClock(START)
    app = {
        "cssm": lambda: cssm_app(CssmModel(clock)),
        "cslu": lambda: cslu_app(CsluModel(clock)),
        "onprem": lambda: onprem_app(OnPremModel(clock)),
    }[backend]()
    path, params = HTTP_UPLOADS[backend]

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as client:
            return await client.post(path, params=params, content=content)

    response = finishes(lambda: asyncio.run(post()))
    assert response.status_code == 400
    assert response.json()["detail"]  # the reader's sentence, e.g. "... is never closed"


REGEX_ALPHABET = "()[]{}|*+?.^$\\-,:=!<>aA1 'P\ud800"


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(REGEX_ALPHABET, max_size=30), st.sampled_from(["include", "exclude", "begin"]))
def test_any_filter_expression_filters_or_is_an_invalid_parameter(expression: str, op: str) -> None:
    s = session("a=1\n(x)\n" + "=" * 40 + "\n")
    result = s.execute(f"show text | {op} {expression}", prompt_len=0)
    if result.help:  # a trailing `?` asks for help instead
        assert expression.endswith("?")
    elif result.error:
        assert result.output.endswith(
            (INVALID_PARAMETER + "\n", "% Incomplete command at '^' marker.\n")
        )
    else:
        assert set(result.output.splitlines()) <= {"a=1", "(x)", "=" * 40}


def test_an_oversized_upload_is_refused_before_it_is_read() -> None:
    big = b"<smartLicense>" + b" " * (MAX_FILE_BYTES + 1)
    with pytest.raises(UsageFileError, match="larger than 16 MiB"):
        CssmModel(VirtualClock(START)).upload_usage_file("u", big, "Default")
    with pytest.raises(FileFormatError, match="larger than 16 MiB"):
        CsluModel(VirtualClock(START)).upload_from_cisco(big)
    with pytest.raises(FileFormatError, match="larger than 16 MiB"):
        OnPremModel(VirtualClock(START)).import_from_cisco(big)
    with pytest.raises(FileFormatError, match="larger than 16 MiB"):
        read_import_file(big.decode())
