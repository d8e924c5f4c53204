"""The SSH shell and the login guard under hostile input: long lines, floods, password guessing.

Servers run on the test's event loop and bind to 127.0.0.1. Waits are safety nets against a
hang (a regression fails instead of freezing the suite), never measured durations.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncssh
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.lab.access import SwitchAccess
from sim.lab.login_guard import LoginGuard, LoginPolicy
from sim.lab.nxapi import create_nxapi_app, ins_api_request
from sim.lab.ssh import INTERNAL_ERROR, MAX_LINE, TOO_LONG, start_ssh_server
from sim.simulation import Simulation, SwitchSpec

T = TypeVar("T")
HOSTNAME = "leaf1"
PROMPT = f"{HOSTNAME}# "
SHOW_HOSTNAME = "show running-config | include hostname"
HOSTNAME_SHOWN = f"hostname {HOSTNAME}\r\n{PROMPT}"
WAIT = 30  # seconds: only a safety net against a hang
FAST = LoginPolicy(first_delay=0.001, max_delay=0.004, max_failures=3, window=60, lockout=60)


def with_server(
    body: Callable[[Simulation, int], Awaitable[T]], guard: LoginGuard | None = None
) -> T:
    async def main() -> T:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        server = await start_ssh_server(
            SwitchAccess(sim, HOSTNAME), login_guard=guard or LoginGuard(FAST)
        )
        try:
            return await asyncio.wait_for(body(sim, server.port), WAIT)
        finally:
            await server.close()
            await sim.close()

    return asyncio.run(main())


async def connect(
    port: int, password: str = "admin", username: str = "admin", **options: object
) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1",
        port,
        username=username,
        password=password,
        known_hosts=None,
        preferred_auth="password",
        **options,
    )


async def read_until(process: asyncssh.SSHClientProcess[str], marker: str) -> str:
    seen = ""
    while marker not in seen:
        chunk = await process.stdout.read(65536)
        if not chunk:
            break
        seen += chunk
    return seen


async def shell(conn: asyncssh.SSHClientConnection) -> asyncssh.SSHClientProcess[str]:
    process = await conn.create_process(term_type="vt100")
    await read_until(process, PROMPT)
    return process


# ---------------------------------------------------------------------- long lines


def test_a_megabyte_line_is_refused_quickly_while_other_sessions_are_served() -> None:
    # Before: each typed character copied the whole line so far, and the shell never let go of
    # the event loop; 2 MB took over a minute, during which no other session got an answer.
    async def body(sim: Simulation, port: int) -> tuple[str, str]:
        async with await connect(port) as flooder, await connect(port) as other:
            flood = await shell(flooder)
            quiet = await shell(other)
            flood.stdin.write("x" * 2_000_000 + "\r")
            quiet.stdin.write(f"{SHOW_HOSTNAME}\r")
            answered = await asyncio.wait_for(read_until(quiet, PROMPT), 15)
            refused = await asyncio.wait_for(read_until(flood, "characters.\r\n" + PROMPT), 15)
            return answered, refused

    answered, refused = with_server(body)
    assert f"hostname {HOSTNAME}" in answered
    assert TOO_LONG.strip() in refused
    assert refused.endswith(PROMPT)


def test_a_line_over_the_limit_is_refused_whole_never_run_cut_off() -> None:
    async def body(sim: Simulation, port: int) -> tuple[str, str]:
        async with await connect(port) as conn:
            process = await shell(conn)
            process.stdin.write("configure terminal\r")
            await read_until(process, "(config)# ")
            process.stdin.write("hostname " + "y" * MAX_LINE + "\r")
            refused = await read_until(process, "(config)# ")
            # The next pasted lines are ordinary commands again.
            process.stdin.write(f"end\r{SHOW_HOSTNAME}\r")
            after = await read_until(process, PROMPT)
            return refused, after

    refused, after = with_server(body)
    assert TOO_LONG.strip() in refused
    assert "\a" in refused  # the bell, once, when the buffer filled up
    assert f"hostname {HOSTNAME}\r\n" in after


def test_a_line_at_the_limit_still_runs() -> None:
    async def body(sim: Simulation, port: int) -> str:
        async with await connect(port) as conn:
            process = await shell(conn)
            line = "show clock" + " " * (MAX_LINE - len("show clock"))
            process.stdin.write(line + "\r")
            return await read_until(process, PROMPT)

    output = with_server(body)
    assert TOO_LONG.strip() not in output
    assert "UTC" in output


def test_an_exec_request_over_the_limit_is_refused() -> None:
    async def body(sim: Simulation, port: int) -> asyncssh.SSHCompletedProcess:
        async with await connect(port) as conn:
            return await conn.run("show clock ; hostname " + "z" * (MAX_LINE + 1))

    result = with_server(body)
    assert result.exit_status == 1
    assert "UTC" in str(result.stdout)
    assert TOO_LONG.strip() in str(result.stdout)


# ---------------------------------------------------------------------- login guard (unit)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def guard_with(time: FakeTime, policy: LoginPolicy) -> LoginGuard:
    return LoginGuard(policy, monotonic=time.monotonic, sleep=time.sleep)


def test_failed_logins_wait_longer_each_time_and_then_lock_the_user_out() -> None:
    time = FakeTime()
    guard = guard_with(time, LoginPolicy(first_delay=1, max_delay=8, max_failures=6, lockout=120))

    async def run() -> list[bool]:
        results = []
        for _ in range(6):
            verdict = await guard.attempt("10.0.0.1", "admin", "ssh", lambda: False)
            results.append(verdict.accepted)
        # Locked out: the right password is refused, without being looked at.
        looked: list[bool] = []
        locked = await guard.attempt(
            "10.0.0.1", "admin", "ssh", lambda: looked.append(True) or True
        )
        results.append(locked.accepted)
        assert not looked and "Too many failed logins" in locked.reason
        time.now += 121
        results.append((await guard.attempt("10.0.0.1", "admin", "ssh", lambda: True)).accepted)
        return results

    assert asyncio.run(run()) == [False] * 7 + [True]
    assert time.slept == [1, 2, 4, 8, 8, 8, 8]  # the refusal while locked out waits too


def test_a_lockout_stays_with_its_peer_and_user() -> None:
    time = FakeTime()
    guard = guard_with(time, LoginPolicy(max_failures=2))

    async def run() -> tuple[bool, bool, bool]:
        for _ in range(2):
            await guard.attempt("10.0.0.1", "admin", "nx-api", lambda: False)
        same = await guard.attempt("10.0.0.1", "admin", "ssh", lambda: True)
        other_peer = await guard.attempt("10.0.0.2", "admin", "ssh", lambda: True)
        other_user = await guard.attempt("10.0.0.1", "operator", "ssh", lambda: True)
        return same.accepted, other_peer.accepted, other_user.accepted

    assert asyncio.run(run()) == (False, True, True)


def test_failures_outside_the_window_are_forgotten_and_success_clears_them() -> None:
    time = FakeTime()
    guard = guard_with(time, LoginPolicy(max_failures=3, window=60))

    async def run() -> bool:
        await guard.attempt("p", "admin", "ssh", lambda: False)
        await guard.attempt("p", "admin", "ssh", lambda: False)
        time.now += 61
        await guard.attempt("p", "admin", "ssh", lambda: False)
        await guard.attempt("p", "admin", "ssh", lambda: True)
        await guard.attempt("p", "admin", "ssh", lambda: False)
        await guard.attempt("p", "admin", "ssh", lambda: False)
        return guard.locked_for("p", "admin") == 0

    assert asyncio.run(run())


def test_parallel_guesses_are_taken_one_at_a_time() -> None:
    # 300 guesses sent at once must not all be checked before the lockout starts.
    checked: list[int] = []
    guard = LoginGuard(LoginPolicy(first_delay=0.001, max_delay=0.001, max_failures=5))

    async def run() -> list[bool]:
        def check() -> bool:
            checked.append(1)
            return False

        verdicts = await asyncio.gather(
            *(guard.attempt("p", "admin", "ssh", check) for _ in range(300))
        )
        return [v.accepted for v in verdicts]

    assert not any(asyncio.run(run()))
    assert len(checked) == 5


def test_the_guard_remembers_a_bounded_number_of_names() -> None:
    from sim.lab import login_guard

    time = FakeTime()
    guard = guard_with(time, LoginPolicy(max_failures=100))

    async def run() -> None:
        for n in range(login_guard.MAX_TRACKED + 500):
            await guard.attempt("p", f"user{n}" + "x" * 500, "ssh", lambda: False)

    asyncio.run(run())
    assert len(guard._records) <= login_guard.MAX_TRACKED


def test_every_failed_login_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    time = FakeTime()
    guard = guard_with(time, LoginPolicy(max_failures=2))

    async def run() -> None:
        for _ in range(3):
            await guard.attempt("10.1.1.1", "admin", "leaf1 ssh", lambda: False)

    with caplog.at_level(logging.WARNING, logger="sim.lab.login_guard"):
        asyncio.run(run())
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert all("'admin' from 10.1.1.1 on leaf1 ssh" in line for line in lines)
    assert "locked out" in lines[1] and "locked out" in lines[2]


# ---------------------------------------------------------------------- login guard (wire)


async def login_fails(port: int, password: str, **options: object) -> bool:
    try:
        async with await connect(port, password, **options):
            return False
    except asyncssh.PermissionDenied:
        return True


def test_ssh_guessing_locks_the_user_out_until_the_lockout_expires() -> None:
    policy = LoginPolicy(first_delay=0.001, max_delay=0.004, max_failures=3, lockout=1.0)

    async def body(sim: Simulation, port: int) -> list[bool]:
        results = [await login_fails(port, f"guess{n}") for n in range(3)]
        results.append(await login_fails(port, "admin"))  # locked out: even the right one
        # Another peer (127.0.0.2 is loopback too) is not locked out.
        results.append(await login_fails(port, "admin", local_addr=("127.0.0.2", 0)))
        await asyncio.sleep(1.2)
        results.append(await login_fails(port, "admin"))
        return results

    assert with_server(body, LoginGuard(policy)) == [True, True, True, True, False, False]


def test_nxapi_guessing_locks_the_user_out_until_the_lockout_expires() -> None:
    policy = LoginPolicy(first_delay=0.001, max_delay=0.004, max_failures=3, lockout=1.0)

    async def main() -> list[tuple[int, str]]:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        app = create_nxapi_app(SwitchAccess(sim, HOSTNAME), login_guard=LoginGuard(policy))
        body = ins_api_request("show clock")

        def auth(password: str) -> dict[str, str]:
            token = base64.b64encode(f"admin:{password}".encode()).decode()
            return {"Authorization": f"Basic {token}"}

        seen = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://switch") as client:
            for password in ("a", "b", "c", "admin"):
                reply = await client.post("/ins", json=body, headers=auth(password))
                seen.append((reply.status_code, reply.json().get("msg", "")))
            await asyncio.sleep(1.2)
            reply = await client.post("/ins", json=body, headers=auth("admin"))
            seen.append((reply.status_code, ""))
        await sim.close()
        return seen

    seen = asyncio.run(main())
    assert [status for status, _ in seen] == [401, 401, 401, 401, 200]
    assert "Too many failed logins" in seen[3][1]


# ---------------------------------------------------------------------- fuzz

_KEYS = st.sampled_from(
    [
        "\x03",  # Ctrl-C
        "\x04",  # Ctrl-D on a non-empty line (on an empty exec line it would log out)
        "\x15",
        "\x17",
        "\x1a",
        "\x7f",
        "\x1b[A",
        "\x1b[B",
        "\x1bO",
        "\x1b[9999999999999999999",
        "\x1b",
        "?",
        "\r",
        "\n",
        "\r\n",
        "\r\x00",
        "\t",
        "configure terminal\r",
        "show running-config\r",
        " ",
        "x" * (MAX_LINE + 5),
        "\u2028",
        "\x00",
    ]
)
_INPUT = st.lists(st.one_of(_KEYS, st.text(max_size=40)), max_size=25)


def test_fuzzed_keystrokes_never_kill_the_shell_or_its_neighbours() -> None:
    # One server for all examples; each example gets its own session and must end at a
    # prompt, while a second session stays usable.
    async def body(sim: Simulation, port: int) -> None:
        async with await connect(port) as watcher_conn:
            watcher = await shell(watcher_conn)
            loop = asyncio.get_running_loop()

            async def one(pieces: list[str], width: int) -> None:
                async with await connect(port) as conn:
                    process = await conn.create_process(term_type="vt100", term_size=(80, 24))
                    await read_until(process, PROMPT)
                    # No pager: a key meant for the line could end a page and log out with ^D.
                    process.stdin.write("terminal length 0\r")
                    await read_until(process, "\n" + PROMPT)
                    for piece in pieces:
                        # ^D on an empty line logs out. Two x's keep the line non-empty even
                        # when a pending escape sequence (ESC O, ESC [) takes one as its end.
                        process.stdin.write(piece.replace("\x04", "xx\x04"))
                    process.change_terminal_size(width, 24)
                    # Back to a clean exec prompt: leave any pager, clear the line, end config.
                    process.stdin.write(f"q\x03\x1a\x03\r{SHOW_HOSTNAME}\r")
                    seen = await asyncio.wait_for(read_until(process, HOSTNAME_SHOWN), 20)
                    assert seen.endswith(HOSTNAME_SHOWN), seen[-200:]
                watcher.stdin.write(f"{SHOW_HOSTNAME}\r")
                assert HOSTNAME in await asyncio.wait_for(read_until(watcher, PROMPT), 20)

            @settings(
                max_examples=40,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            )
            @given(pieces=_INPUT, width=st.integers(min_value=0, max_value=100000))
            def example(pieces: list[str], width: int) -> None:
                asyncio.run_coroutine_threadsafe(one(pieces, width), loop).result(60)

            await loop.run_in_executor(None, example)

    async def bounded(sim: Simulation, port: int) -> None:
        await asyncio.wait_for(body(sim, port), 120)

    # The fuzz runs longer than one WAIT; give it its own bound.
    async def main() -> None:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        server = await start_ssh_server(SwitchAccess(sim, HOSTNAME), login_guard=LoginGuard(FAST))
        try:
            await bounded(sim, server.port)
        finally:
            await server.close()
            await sim.close()

    asyncio.run(main())


@given(data=st.binary(max_size=300))
@settings(max_examples=30, deadline=None)
def test_random_bytes_get_a_prompt_back(data: bytes) -> None:
    async def body(sim: Simulation, port: int) -> str:
        async with await connect(port, encoding=None) as conn:
            process = await conn.create_process(term_type="vt100", encoding=None)
            seen = b""
            while PROMPT.encode() not in seen:
                seen += await process.stdout.read(65536)
            process.stdin.write(data.replace(b"\x04", b"x\x04"))
            process.stdin.write(f"q\x03\x1a\x03\rterminal length 0\r{SHOW_HOSTNAME}\r".encode())
            seen = b""
            while not seen.endswith(HOSTNAME_SHOWN.encode()):
                chunk = await process.stdout.read(65536)
                if not chunk:
                    break
                seen += chunk
            return seen.decode("utf-8", "replace")

    assert with_server(body).endswith(HOSTNAME_SHOWN)


def test_a_crash_in_a_command_is_an_incident_and_the_session_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = SwitchAccess.run

    async def run(self: SwitchAccess, session: Any, line: str, **options: Any) -> Any:
        if line == "show crash":
            raise RuntimeError("handler bug")
        return await original(self, session, line, **options)

    monkeypatch.setattr(SwitchAccess, "run", run)

    async def body(sim: Simulation, port: int) -> tuple[str, str, list[str]]:
        async with await connect(port) as conn:
            process = await shell(conn)
            process.stdin.write("show crash\r")
            crashed = await read_until(process, "incidents\r\n" + PROMPT)
            process.stdin.write(f"{SHOW_HOSTNAME}\r")
            after = await read_until(process, HOSTNAME_SHOWN)
            return crashed, after, [i.summary for i in sim.incidents]

    crashed, after, incidents = with_server(body)
    assert INTERNAL_ERROR.strip() in crashed
    assert after.endswith(HOSTNAME_SHOWN)
    assert incidents == ["RuntimeError: handler bug"]


def test_a_paste_of_question_marks_after_a_long_line_does_not_redraw_it_each_time() -> None:
    # Before: every `?` redrew the whole line, 20000 of them after 8000 characters took minutes.
    async def body(sim: Simulation, port: int) -> str:
        async with await connect(port) as conn:
            process = await shell(conn)
            process.stdin.write("x" * 8000 + "?" * 20000 + f"\x03{SHOW_HOSTNAME}\r")
            return await asyncio.wait_for(read_until(process, HOSTNAME_SHOWN), 15)

    output = with_server(body)
    assert output.endswith(HOSTNAME_SHOWN)
    assert len(output) < 100_000


def test_help_still_answers_on_an_ordinary_line() -> None:
    async def body(sim: Simulation, port: int) -> str:
        async with await connect(port) as conn:
            process = await shell(conn)
            process.stdin.write("show lic?")
            return await read_until(process, PROMPT + "show lic")

    assert "license" in with_server(body)


def test_a_lab_counts_nxapi_and_ssh_failures_together() -> None:
    from sim.lab.background import BackgroundLab
    from sim.lab.lab import LabOptions

    options = LabOptions(switches=2, rate=0.0, control_port=0, ssh_port_base=0, nxapi_port_base=0)
    with BackgroundLab(options) as lab:
        lab.lab.login_guard.policy = FAST  # three failures lock out, for a minute
        [leaf1, leaf2] = lab.endpoints.switches
        for guess in ("a", "b", "c"):
            reply = httpx.post(
                f"http://127.0.0.1:{leaf1.nxapi_port}/ins", json={}, auth=("admin", guess)
            )
            assert reply.status_code == 401
        # Locked out on every front end of every switch of the lab, from this peer.
        assert asyncio.run(login_fails(leaf2.ssh_port, "admin"))
        reply = httpx.post(
            f"http://127.0.0.1:{leaf2.nxapi_port}/ins", json={}, auth=("admin", "admin")
        )
        assert reply.status_code == 401
        assert "Too many failed logins" in reply.json()["msg"]
