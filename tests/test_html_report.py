"""`slpsim run --html FILE`: one self-contained page, a summary and a section per scenario."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from sim.command_line import app

PASSING = """\
name: dns-breaks-the-push
title: A push without DNS fails and is retried
source: "Issue: COMM_FAILED"
narrative: |
  The class watches a push fail while DNS is down.
topology: direct
switches:
  - {name: leaf1}
steps:
  - token: {save_as: tok}
  - exec: license smart trust idtoken ${tok} all
    note: Trust first, so the switch has something to report to.
  - fault: {target: dns, kind: unreachable}
  - exec: license smart sync all
  - advance: 1h
  - expect_syslog: {text: "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *", count: {min: 2}, since: start}
  - exec: show license status
    expect: {contains: "Smart Licensing Using Policy"}
"""

FAILING = """\
name: expects-too-much
title: A check that cannot pass
source: "Issue: none"
topology: direct
steps:
  - exec: show clock
  - expect_syslog: {text: "%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS: *", count: 3}
  - exec: show version
"""


class _Page(HTMLParser):
    """What a reader of the page sees: sections, their checks, their text, external assets."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}  # id -> data-result
        self.checks: dict[str, list[str]] = {}
        self.text: dict[str, list[str]] = {"": []}
        self.external: list[str] = []
        self.svgs: dict[str, int] = {}
        self.summary_rows = 0
        self._section = ""
        self._in_summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "section" and "scenario" in classes:
            self._section = values["id"] or ""
            self.sections[self._section] = values.get("data-result") or ""
            self.checks[self._section] = []
            self.text[self._section] = []
        if tag == "section" and values.get("id") == "summary":
            self._in_summary = True
        if tag == "tr" and self._in_summary and not self._section:
            self.summary_rows += 1
        if tag == "tr" and "check" in classes:
            self.checks[self._section].append(values.get("data-result") or "")
        if tag == "svg":
            self.svgs[self._section] = self.svgs.get(self._section, 0) + 1
        if tag in ("script", "link", "img", "iframe") or any(
            (v or "").startswith(("http:", "https:", "//"))
            for k, v in attrs
            if k in ("src", "href")
        ):
            self.external.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = ""
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        self.text[self._section].append(data)

    def joined(self, section: str) -> str:
        return "".join(self.text[section])


def test_one_page_for_a_run_with_a_passing_and_a_failing_scenario(tmp_path: Path) -> None:
    (tmp_path / "dns-breaks-the-push.yaml").write_text(PASSING)
    (tmp_path / "expects-too-much.yaml").write_text(FAILING)
    page = tmp_path / "reports" / "run.html"

    result = CliRunner().invoke(app, ["run", str(tmp_path), "--html", str(page)])
    assert result.exit_code == 1, result.output  # one scenario failed

    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert parsed.external == []  # inline CSS and SVG only: it opens offline, anywhere
    summary = parsed.joined("")
    assert "1 passed, 1 failed of 2 scenario(s)" in summary
    assert parsed.summary_rows == 3  # the header and one row per scenario
    assert parsed.sections == {
        "scenario-dns-breaks-the-push": "passed",
        "scenario-expects-too-much": "failed",
    }

    good = parsed.joined("scenario-dns-breaks-the-push")
    assert "The class watches a push fail while DNS is down." in good  # the narrative
    assert "Trust first, so the switch has something to report to." in good  # a step's note
    # Every check with its result: the syslog count and the output check both passed.
    assert parsed.checks["scenario-dns-breaks-the-push"] == ["passed", "passed"]
    assert (
        "at least 2 lines matching '%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *' on leaf1 "
        "since the start" in good
    )
    # The transcript (commands and their output) and the syslog, with the lines logged.
    assert "leaf1# license smart sync all" in good
    assert "Smart Licensing Using Policy" in good
    assert "leaf1 %LICMGR-3-LOG_SMART_LIC_COMM_FAILED: Communications failure" in good
    assert parsed.svgs["scenario-dns-breaks-the-push"] == 1  # the timeline

    bad = parsed.joined("scenario-expects-too-much")
    assert parsed.checks["scenario-expects-too-much"] == ["failed"]
    assert "exactly 3 lines matching '%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS: *'" in bad
    assert "found 0" in bad
    # The failure is spelt out, and the step after it never ran.
    assert "expected: exactly 3 lines" in bad
    assert "switch# show clock" in bad
    assert "show version" not in bad


def test_a_page_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "expects-too-much.yaml").write_text(FAILING)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(
        app, ["run", str(tmp_path / "expects-too-much.yaml"), "--html", str(blocker / "x.html")]
    )
    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_every_shipped_scenario_tells_a_class_what_it_is_seeing() -> None:
    """--narrate and the HTML page show a scenario's narrative and its steps' notes: every
    shipped scenario has both, so a trainer never shows a bare list of commands."""
    from sim.scenario.model import load_scenario
    from sim.scenario.shipped import shipped_folder

    files = sorted(shipped_folder().glob("*.yaml"))
    assert files
    silent = []
    for path in files:
        scenario = load_scenario(path)
        if not (scenario.narrative or "").strip() or not any(s.note for s in scenario.steps):
            silent.append(scenario.name)
    assert silent == []


def test_a_file_that_does_not_load_is_a_failed_section_with_the_loader_s_message(
    tmp_path: Path,
) -> None:
    (tmp_path / "broken.yaml").write_text(FAILING.replace("name: expects-too-much", "name: x"))
    page = tmp_path / "run.html"
    result = CliRunner().invoke(app, ["run", str(tmp_path), "--html", str(page)])
    assert result.exit_code == 1
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert parsed.sections == {"scenario-broken": "failed"}
    shown = parsed.joined("scenario-broken")
    assert "expected the file's stem 'broken', got 'x'" in shown
    assert "invalid scenario file" in shown
