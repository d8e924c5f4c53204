"""A whole direct topology: switch CLI -> agent -> network -> CSSM app over ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from ntc_templates.parse import parse_output

from sim.simulation import Simulation, SwitchSpec


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build(
        "direct",
        switches=[
            SwitchSpec("leaf1", licenses={"NXOS_ADVANTAGE_XF": 1, "LAN_ENTERPRISE_SERVICES_PKG": 1})
        ],
    )
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def bodies(sim: Simulation) -> list[str]:
    return [record.body for record in sim.syslog("leaf1")]


def test_trust_report_and_ack_over_http(sim: Simulation) -> None:
    token = sim.issue_token()
    assert run(sim.exec("leaf1", f"license smart trust idtoken {token} all")) == ""
    run(sim.advance(timedelta(hours=1, minutes=16)))
    udi = "PID:N9K-C93180YC-FX,SN:FDO2434107N"
    assert bodies(sim) == [
        "%LICMGR-6-LOG_SMART_LIC_REPORTING_REQUIRED: "
        "A Usage report acknowledgement will be required in 90 days.",
        "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS: "
        f"A new licensing trust code was successfully installed on {udi}.",
        "%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS: "
        "A new licensing policy was successfully installed.",
    ]
    pi = sim.cssm.product_instance(sim.switch("leaf1").sudi)
    assert pi is not None
    assert sim.cssm.usage_of(sim.switch("leaf1").sudi) == {
        "NXOS_ADVANTAGE_XF": 1,
        "LAN_ENTERPRISE_SERVICES_PKG": 1,
    }


def test_logfile_lines_use_switch_clock_and_hostname(sim: Simulation) -> None:
    run(sim.config("leaf1", ["hostname spine7"]))
    run(sim.exec("leaf1", "clock set 08:30:00 6 February 2026"))
    run(sim.config("leaf1", ["no ip name-server 10.10.10.53 use-vrf management"]))
    run(sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all"))
    last = run(sim.exec("leaf1", "show logging last 1"))
    assert last == (
        "2026 Feb  6 08:30:00 spine7 %LICMGR-3-LOG_SMART_LIC_TRUST_CODE_INSTALL_FAILED: "
        "The install of a new licensing trust code has failed on "
        "PID:N9K-C93180YC-FX,SN:FDO2434107N: Unable to resolve server hostname/domain name.\n"
    )


def test_show_license_usage_parses_with_ntc_templates(sim: Simulation) -> None:
    output = run(sim.exec("leaf1", "show license usage"))
    assert isinstance(output, str)
    parsed = parse_output(platform="cisco_nxos", command="show license usage", data=output)
    assert parsed == [
        {
            "feature": "LAN_ENTERPRISE_SERVICES_PKG",
            "installed": "",
            "license_count": "1",
            "status": "IN USE",
            "expiry_date": "",
            "comments": "LAN license for Nexus 9300-XF",
        },
        {
            "feature": "NXOS_ADVANTAGE_XF",
            "installed": "",
            "license_count": "1",
            "status": "IN USE",
            "expiry_date": "",
            "comments": "Advantage license for Nexus 9300-XF",
        },
    ]


def test_cli_errors_are_nxos_shaped(sim: Simulation) -> None:
    assert run(sim.exec("leaf1", "show licence status")) == (
        "            ^\n% Invalid command at '^' marker.\n"
    )
    out = run(sim.exec("leaf1", "ping nowhere.example vrf management"))
    assert out == "% Invalid host/interface nowhere.example\n"
    out = run(sim.config("leaf1", ["license smart usage interval 0"]))
    assert "% Invalid parameter detected at '^' marker." in str(out)


def test_usage_interval_and_url_show_in_status_and_running_config(sim: Simulation) -> None:
    run(
        sim.config(
            "leaf1",
            [
                "license smart usage interval 7",
                "license smart url smart https://smartreceiver.cisco.com/licservice/license2",
            ],
        )
    )
    status = str(run(sim.exec("leaf1", "sh lic st")))
    assert "URL: https://smartreceiver.cisco.com/licservice/license2" in status
    assert "Reporting push interval: 7  days" in status
    running = str(run(sim.exec("leaf1", "show running-config")))
    assert "license smart usage interval 7" in running
    run(sim.config("leaf1", ["no license smart usage interval"]))
    assert "Reporting push interval: 30  days" in str(run(sim.exec("leaf1", "sh lic st")))


def test_ntp_corrects_a_skewed_clock(sim: Simulation) -> None:
    sim.add_fault("leaf1", "clock-skew", {"offset": "3h"})
    assert "12:00:00" in str(run(sim.exec("leaf1", "show clock")))
    run(sim.config("leaf1", ["ntp server 10.28.13.90 prefer"]))
    clock = str(run(sim.exec("leaf1", "show clock")))
    assert clock.startswith("09:00:00.000 UTC Mon Jan 05 2026")
    assert "Time source is NTP" in clock
    peers = str(run(sim.exec("leaf1", "show ntp peer-status")))
    assert "*10.28.13.90" in peers


def test_unknown_fault_target_and_kind_are_clear_errors(sim: Simulation) -> None:
    with pytest.raises(ValueError, match="unknown fault target 'moon'"):
        sim.add_fault("moon", "unreachable", {})
    with pytest.raises(ValueError, match="unknown fault kind 'meteor'"):
        sim.add_fault("cssm", "meteor", {})


def test_copy_run_start_then_reload_keeps_config_and_licensing(sim: Simulation) -> None:
    run(sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all"))
    run(sim.config("leaf1", ["license smart usage interval 10", "hostname leafX"]))
    run(sim.exec("leaf1", "copy running-config startup-config"))
    run(sim.config("leaf1", ["license smart usage interval 20"]))
    run(sim.exec("leafX" if False else "leaf1", "reload"))
    status = str(run(sim.exec("leaf1", "show license status")))
    assert "Reporting push interval: 10  days" in status
    assert "Trust Code installed: Jan 05 09:00:00 2026 UTC" in status
    assert sim.switch("leaf1").hostname == "leafX"


def test_show_version_json_has_the_keys_facts_gathering_reads(sim: Simulation) -> None:
    run(sim.advance(timedelta(days=2, hours=3, minutes=4, seconds=5)))
    session = sim.switch("leaf1").new_session()
    data = session.execute("show version", structured=True).structured
    assert data is not None
    assert data["nxos_ver_str"] == data["kickstart_ver_str"] == "10.4(3)"
    assert data["proc_board_id"] == "FDO2434107N"
    assert (data["kern_uptm_days"], data["kern_uptm_hrs"], data["kern_uptm_mins"]) == (2, 3, 4)
    assert data["kern_uptm_secs"] == 5
    assert data["nxos_file_name"].startswith("bootflash:///nxos64-cs.")
    assert data["manufacturer"] == "Cisco Systems, Inc."
