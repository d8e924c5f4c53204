"""slpsim inside users' own tests: the Sandbox context manager and the pytest plugin."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from sim.sandbox import Sandbox

pytest_plugins = ["pytester"]

TRUST_OK = "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS"


def test_sandbox_runs_a_trust_install_in_virtual_time() -> None:
    with Sandbox(switches=["leaf1"]) as lab:
        start = lab.now()
        assert lab.exec(f"license smart trust idtoken {lab.token()} all") == ""
        assert lab.syslog(contains=TRUST_OK)
        lab.advance("1h16m")
        assert lab.now() - start == timedelta(hours=1, minutes=16)
        assert "Last report push: <none>" not in lab.exec("show license status")


def test_sandbox_faults_and_clear() -> None:
    with Sandbox(timing={"retry_every": "10m"}) as lab:
        lab.exec(f"license smart trust idtoken {lab.token()} all")
        fault = lab.fault("cssm", "unreachable")
        lab.exec("license smart sync all")
        assert lab.syslog(contains="COMM_FAILED")
        lab.clear(fault)
        lab.exec("license smart sync all")
        assert lab.syslog(contains="COMM_RESTORED")


def test_sandbox_as_async_context_manager() -> None:
    async def scenario() -> str:
        async with Sandbox() as lab:
            await lab.aconfig("hostname spine1")
            await lab.aadvance(timedelta(minutes=5))
            return await lab.aexec("show clock")

    assert "2026" in asyncio.run(scenario())


def test_sandbox_rejects_unknown_topology() -> None:
    with pytest.raises(ValueError, match="unknown topology"):
        Sandbox("mesh")


@pytest.mark.slpsim(switches=2)
def test_fixture_follows_the_marker(slpsim_sandbox: Sandbox) -> None:
    assert slpsim_sandbox.simulation.switch_names == ["leaf1", "leaf2"]
    assert "leaf2" in slpsim_sandbox.exec("show running-config | include hostname", "leaf2")


def test_plugin_is_registered_for_users(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.slpsim(switches=1)

        def test_licensing(slpsim_sandbox):
            slpsim_sandbox.exec("license smart trust idtoken " + slpsim_sandbox.token() + " all")
            assert slpsim_sandbox.syslog(contains="TRUST_CODE_INSTALL_SUCCESS")

        def test_wire_lab(slpsim_lab):
            import httpx
            port = slpsim_lab.endpoints.control_port
            assert httpx.get(f"http://127.0.0.1:{port}/sim/clock").json()["rate"] == 0
        """
    )
    # A subprocess, as a user runs it: an in-process run would re-import httpx and friends.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_readme_example_test_passes(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## In your own tests", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_readme_example=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
