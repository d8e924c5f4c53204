"""Device replacement (RMA): a new chassis, with a new serial, takes a switch's place.

Seed FAQ 25: "The Smart Licensing Using Policy configuration from the replaced device must be
applied to the replacement device." The replacement arrives factory-fresh: no configuration,
no licensing data (no trust code, policy, reports or ACKs) and an empty bootflash, except the
files the operator carries over from the old device (a saved configuration, say). Its cabling,
and the log the simulation keeps under the switch's name, stay as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.switch.bootflash import file_name

if TYPE_CHECKING:
    from sim.switch.switch import SimContext, Switch


def replacement(old: Switch, serial: str, carry: list[str]) -> Switch:
    """The new chassis for `old`, booted; raises ValueError for a file `old` does not have."""
    from sim.switch.switch import Switch

    if serial == old.sudi.udi_serial_number:
        raise ValueError(f"the replacement needs a new serial number, not {serial}")
    files = {}
    for name in carry:
        try:
            files[file_name(name)] = old.read_bootflash(name)
        except FileNotFoundError:
            raise ValueError(f"{old.name}: bootflash:{file_name(name)} does not exist") from None
    licensed = old.licensed_features.base
    ctx: SimContext = old.ctx
    new = Switch(
        ctx,
        name=old.name,
        pid=old.sudi.udi_pid,
        serial=serial,
        licenses=dict(licensed if licensed is not None else old.licenses_in_use),
    )
    old.retire()
    new.syslog = old.syslog
    new.syslog_listeners = old.syslog_listeners
    new.before_send = old.before_send
    new.links = old.links
    new.plug_links()
    for name, text in files.items():
        new.write_bootflash(name, text)
    new.boot()
    return new
