"""The lab's OpenSSH client configuration: how `ssh`, netmiko and NAPALM reach each switch.

A lab's switches listen on one address with distinct ports, or (`--switch-addresses`) each on
a loopback address of its own. Clients that take a host but not a port for every connection
they open (NAPALM's `nxos` driver copies a replace candidate over SCP to port 22, whatever
port it was given) find the port in this file instead: netmiko reads `Port` from the `Host`
entry matching the address when its own port is 22. Every switch gets an entry under its
name (`ssh -F FILE leaf1`), and, when it has an address of its own, one under that address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
FILE_NAME = "ssh_config"


class SwitchAddress(Protocol):
    name: str
    host: str
    ssh_port: int


def switch_addresses(first: str, count: int) -> list[str]:
    """`count` consecutive loopback addresses from `first`: switch N listens on the N-th."""
    try:
        start = ipaddress.IPv4Address(first.strip())
    except ValueError:
        raise ValueError(
            f"--switch-addresses: {first!r} is not an IPv4 address (e.g. 127.0.1.1)"
        ) from None
    last = LOOPBACK.broadcast_address - 1
    if start not in LOOPBACK or start == LOOPBACK.network_address:
        raise ValueError(
            f"--switch-addresses: {start} is not a loopback address; switches listen on "
            "127.0.0.1-127.255.255.254 only"
        )
    if int(start) + count - 1 > int(last):
        raise ValueError(
            f"--switch-addresses: {count} switches from {start} go past {last}; start lower"
        )
    return [str(start + n) for n in range(count)]


def render(switches: Sequence[SwitchAddress], username: str) -> str:
    """The file's text: an entry per switch name, and per address where addresses differ."""
    lines = [
        "# The lab's switches, for OpenSSH (`ssh -F <this file> leaf1`), netmiko",
        "# (`ssh_config_file=`) and NAPALM (`optional_args={'ssh_config_file': ...}`).",
        "# Written by `slpsim lab` each time it starts.",
    ]
    for entry in switches:
        lines += [
            "",
            f"Host {entry.name}",
            f"    HostName {entry.host}",
            f"    Port {entry.ssh_port}",
            f"    User {username}",
        ]
    hosts = [entry.host for entry in switches]
    # Several switches behind one address are told apart by name only: an address entry
    # would send every one of them to the first switch's port.
    for entry in switches:
        if hosts.count(entry.host) == 1:
            lines += [
                "",
                f"Host {entry.host}",
                f"    Port {entry.ssh_port}",
                f"    User {username}",
            ]
    return "\n".join(lines) + "\n"


def write(path: Path, switches: Sequence[SwitchAddress], username: str) -> None:
    """Replace `path` in one step, so a client never reads half a file; readable by its owner
    alone, as everything else in a state dir (and as OpenSSH likes its config files)."""
    partial = path.with_name(f".{path.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(render(switches, username))
    os.replace(partial, path)
