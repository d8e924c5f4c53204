"""Everything a lab saves, written the way the state codec writes it: equal text is equal state.

The tests of a restart compare this before and after; it names the same live objects the
lab's own saves refer to, so a component added to those is compared too.
"""

from __future__ import annotations

from sim.lab.lab import Lab
from sim.lab.persistence import SWITCH_STATE
from sim.lab.state_codec import dump_text


def saved_state(lab: Lab) -> dict[str, str]:
    """One text per back end, per switch, and for the faults and the operator's files."""
    persistence = lab.persistence
    assert persistence is not None, "the lab has no state directory"
    sim = lab.simulation
    live = persistence._live()
    state = {name: dump_text(model.__dict__, live) for name, model in sim.models.items()}
    for name, switch in sim.switches.items():
        state[name] = dump_text({attr: getattr(switch, attr) for attr in SWITCH_STATE}, live)
    state["faults"] = dump_text((sim.network.faults, sim.fault_previous), live)
    state["files"] = dump_text(sim.operator.files, live)
    return state
