"""The trainer's console in a real headless Chromium (Playwright driving Debian's chromium).

Without chromium or Playwright these tests skip and say why, unless `SLPSIM_REQUIRE_BROWSER=1`
(`.ci/run` sets it after installing chromium): then they fail, so CI never passes by skipping.

    python tests/test_console_browser.py docs/    # retake docs/console.png, console-fault.png
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from wire_lab import lab_options

from sim.lab.background import BackgroundLab

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
TOKEN = "browser-test-token"
WAIT_MS = 30_000  # a safety net against a page that never updates, never a measured duration


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[browser]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("SLPSIM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SLPSIM_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1250})
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"the page's script failed: {errors}"


def lab_url(lab: BackgroundLab) -> str:
    return f"http://127.0.0.1:{lab.endpoints.control_port}"


def run_command(page: Page, line: str) -> None:
    page.fill("#cli-input", line)
    page.press("#cli-input", "Enter")


def stage_trust_and_fault(page: Page) -> None:
    """From a fresh page: a trust code on leaf1 typed in the console's CLI, then a DNS fault
    before its first push (an hour in) and five hours of failing pushes, all through the
    page's buttons."""
    page.wait_for_selector("#switch-table tr[data-switch=leaf1]")
    page.click("#token-issue")
    page.wait_for_function("document.getElementById('token-out').value.length > 20")
    token = page.input_value("#token-out")
    page.select_option("#cli-switch", "leaf1")
    page.click("#cli-connect")
    page.wait_for_selector("#cli-input:not([disabled])")
    run_command(page, f"license smart trust idtoken {token} all")
    page.wait_for_selector("#switch-table tr[data-switch=leaf1] td.trust .pill.ok")
    page.select_option("#fault-catalogue [data-kind=unreachable] select", "dns")
    page.click("#fault-catalogue [data-kind=unreachable] button")
    page.wait_for_selector("#topology [data-node=dns].broken")
    page.click("button[data-advance='14400']")
    page.wait_for_selector("button[data-advance='3600']:not([disabled])")
    page.click("button[data-advance='3600']")
    page.wait_for_selector("button[data-advance='3600']:not([disabled])")


def test_console_shows_a_dns_fault_and_the_recovery_live(page: Page) -> None:
    with BackgroundLab(lab_options(None, start=START, switches=2)) as lab:
        page.goto(lab_url(lab) + "/")
        page.wait_for_selector("#switch-table tr[data-switch=leaf2]")
        assert page.text_content("#topology-name") == "topology: direct"
        for node in ("cssm", "dns", "ntp", "leaf1", "leaf2"):
            assert page.locator(f"#topology [data-node={node}]").count() == 1
        leaf1 = page.locator("#switch-table tr[data-switch=leaf1]")
        assert "none" in leaf1.locator("td.trust").inner_text()
        assert "90 days left" in leaf1.locator("td.deadline").inner_text()
        assert "Cisco default" in leaf1.inner_text()

        stage_trust_and_fault(page)
        # Five hours after DNS broke: the storm arrived without a reload.
        failed = page.locator("#syslog div.sev-3", has_text="COMM_FAILED")
        assert failed.count() > 10
        assert "Unable to resolve server hostname/domain name" in failed.last.inner_text()
        assert page.locator("#timeline circle[data-kind=comm_failed]").count() > 10
        assert page.locator("#timeline circle[data-kind=retry]").count() > 0
        assert page.locator("#timeline rect[data-kind=fault_on]").count() == 1
        schedule = leaf1.locator("td.schedule").inner_text()
        assert "4-hour retry window" in schedule or "15-minute fallback" in schedule
        assert "COMM_FAILED" in schedule
        assert "unreachable on dns" in page.inner_text("#active-faults")
        assert "unreachable" in (page.text_content("#topology [data-node=dns] .fault-label") or "")
        # The syslog filters by switch and by text.
        page.select_option("#syslog-switch", "leaf2")
        assert page.locator("#syslog div", has_text="leaf1 %LICMGR").count() == 0
        page.select_option("#syslog-switch", "")
        page.fill("#syslog-filter", "REPORTING_REQUIRED")
        assert page.locator("#syslog div", has_text="COMM_FAILED").count() == 0
        page.fill("#syslog-filter", "")

        page.click("#active-faults button[aria-label^='clear fault']")
        page.wait_for_selector("#topology [data-node=dns]:not(.broken)")
        page.click("button[data-advance='3600']")
        page.wait_for_selector("#syslog div.sev-3:has-text('COMM_RESTORED')")
        page.wait_for_selector("#timeline circle[data-kind=comm_restored]")
        page.wait_for_selector("#timeline circle[data-kind=push]")
        assert page.locator("#timeline rect[data-kind=fault_off]").count() == 1
        page.wait_for_function(
            "!document.querySelector('#switch-table tr[data-switch=leaf1] td.schedule')"
            ".innerText.includes('COMM_FAILED')"
        )

        run_command(page, "show license status")
        page.wait_for_function(
            "document.getElementById('cli-screen').textContent"
            ".includes('leaf1# show license status')"
        )
        screen = page.text_content("#cli-screen") or ""
        assert "Trust Code installed:" in screen and "Usage reporting:" in screen


def test_clock_buttons_pause_resume_and_set_the_rate(page: Page) -> None:
    with BackgroundLab(lab_options(None, start=START, switches=1, rate=1.0)) as lab:
        page.goto(lab_url(lab) + "/")
        page.wait_for_selector("#clock-rate:has-text('×1')")
        page.click("#pause")
        page.wait_for_selector("#clock-rate:has-text('paused')")
        assert lab.lab.clock.rate == 0
        page.click("#resume")
        page.wait_for_selector("#clock-rate:has-text('×1')")
        page.fill("#rate", "600")
        page.click("#set-rate")
        page.wait_for_selector("#clock-rate:has-text('×600')")
        assert lab.lab.clock.rate == 600
        page.fill("#rate", "-5")
        page.click("#set-rate")
        page.wait_for_selector("#message:not([hidden])")
        assert "rate" in page.inner_text("#message")


def test_the_token_page_then_the_console(page: Page) -> None:
    options = lab_options(None, start=START, switches=1, control_token=TOKEN)
    with BackgroundLab(options) as lab:
        refused = page.goto(lab_url(lab) + "/")
        assert refused is not None and refused.status == 401
        assert "control token" in page.inner_text("body")
        page.fill("input[name=token]", "wrong")
        page.click("button[type=submit]")
        assert "not accepted" in page.inner_text("body")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_selector("#switch-table tr[data-switch=leaf1]")
        assert "token" not in page.url
        # Live: the stream and the /sim routes answer the signed-in page.
        page.click("button[data-advance='86400']")
        page.wait_for_selector("#clock-now:has-text('2026-03-03 08:00:00')")
        page.select_option("#cli-switch", "leaf1")
        page.click("#cli-connect")
        page.wait_for_selector("#cli-input:not([disabled])")
        run_command(page, "show clock")
        page.wait_for_function("document.getElementById('cli-screen').textContent.includes('2026')")


def take_screenshots(folder: Path) -> None:
    """docs/console.png (a lab in a COMM_FAILED storm) and docs/console-fault.png (the
    topology with the fault drawn), from a real lab driven through the page."""
    from playwright.sync_api import sync_playwright

    with (
        BackgroundLab(lab_options(None, start=START, switches=4)) as lab,
        sync_playwright() as playwright,
    ):
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = launched.new_context(viewport={"width": 1400, "height": 900})
        shown: Any = context.new_page()
        shown.set_default_timeout(WAIT_MS)
        shown.goto(lab_url(lab) + "/")
        stage_trust_and_fault(shown)
        run_command(shown, "show license status | include Last|Next|interval")
        shown.wait_for_timeout(500)
        shown.screenshot(path=str(folder / "console.png"), full_page=True)
        shown.locator("section.topology").screenshot(path=str(folder / "console-fault.png"))
        launched.close()


if __name__ == "__main__":
    take_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
