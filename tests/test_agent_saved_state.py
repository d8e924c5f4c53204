"""An agent saved in a lab's state dir opens again after its classes moved module."""

from __future__ import annotations

from datetime import timedelta

from agent_loop import AgentLoop

from sim.agent.config import CALLHOME_URL, CallhomeDestination, LicensingConfig
from sim.agent.states import Transport
from sim.lab.state_codec import dump_text
from sim.lab.state_decoding import load_text
from sim.protocol.files import ImportFile

# Where each class the agent keeps was defined before sim/agent/machine.py was split.
BEFORE_THE_SPLIT = {
    "sim.agent.config:LicensingConfig": "sim.agent.machine:LicensingConfig",
    "sim.agent.config:CallhomeDestination": "sim.agent.machine:CallhomeDestination",
    "sim.agent.records:RumReport": "sim.agent.machine:RumReport",
    "sim.agent.records:TrustCode": "sim.agent.machine:TrustCode",
    "sim.agent.records:HistoryEntry": "sim.agent.machine:HistoryEntry",
    "sim.agent.records:ImportEntry": "sim.agent.machine:ImportEntry",
    "sim.agent.records:Pending": "sim.agent.machine:_Pending",
}


def _agent_keeping_every_record() -> AgentLoop:
    loop = AgentLoop()
    loop.trust()
    loop.advance(timedelta(hours=1, minutes=20))  # a push, its ACK: reports, history
    loop.agent.import_file(loop.now, ImportFile([], [loop.cssm.signer.sign({"not": "policy"})]))
    callhome = CallhomeDestination(enabled=True, url=CALLHOME_URL, vrf="management")
    loop.agent.configure(loop.now, LicensingConfig(Transport.CALLHOME, callhome=callhome))
    loop.agent.sync(loop.now)  # left in flight, as a save before a send finds it
    return loop


def test_an_agent_saved_before_the_split_still_loads() -> None:
    agent = _agent_keeping_every_record().agent
    # As a lab saves a switch: what the whole simulation shares is saved by name.
    live = {"timing": agent.timing, "trust_store": agent.trust_store}
    text = dump_text(agent, live)
    old = text
    for now, before in BEFORE_THE_SPLIT.items():
        assert f'"{now}"' in text
        old = old.replace(f'"{now}"', f'"{before}"')
    loaded = load_text(old, live)
    assert type(loaded) is type(agent)
    assert dump_text(loaded, live) == text
    assert loaded.trust == agent.trust and loaded.reports == agent.reports
    assert loaded.config == agent.config and loaded.imports == agent.imports
