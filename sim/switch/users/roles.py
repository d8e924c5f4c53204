"""What each NX-OS user role may run, and the refusal NX-OS prints for the rest.

Cisco's NX-OS security configuration guide (RBAC chapter): network-admin (and vdc-admin, the
same on a one-VDC Nexus 9000) has complete read-and-write access; network-operator (and
vdc-operator) has complete read access; "user accounts without an administrator role can
access only the show, exit, end, and configure terminal commands". priv-14 and priv-15 are
the administrator's privilege roles; the lower privilege roles read only, as their default
rules permit show commands. If a user has several roles, a command any of them permits runs.

So a read-only role may look (`show`, `dir`, `ping`, `terminal ...`) and enter configuration
mode, where every command but `end` and `exit` answers `% Permission denied for the role`,
the refusal NX-OS prints (client libraries such as netmiko and gnetcli match that line). It
may not `copy`, `write erase`, `reload`, `delete`, `clear`, `install`, `checkpoint`,
`rollback`, `configure replace|session`, nor change licensing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sim.switch.cli import Command, Mode
from sim.switch.users.state import ADMIN, User

PERMISSION_DENIED = "% Permission denied for the role"
ADMIN_ROLES = frozenset(("network-admin", "vdc-admin", "priv-15", "priv-14"))

# EXEC commands that read, or only set up the user's own terminal, by their first keyword.
_READ_ONLY_EXEC = frozenset(("show", "dir", "ping", "traceroute", "terminal", "end", "exit"))
_READ_ONLY_PATTERNS = frozenset(
    (
        "configure [terminal]",
        "{no} terminal {setting= monitor | dont-ask}",
    )
)
# Configuration modes: only leaving them.
_READ_ONLY_CONFIG = frozenset(("end", "exit", "do"))


def permits(roles: Sequence[str], command: Command[Any]) -> bool:
    """Whether a user with `roles` may run `command` (any role permitting it is enough)."""
    if any(role in ADMIN_ROLES for role in roles):
        return True
    first = command.pattern.split(maxsplit=1)[0]
    if command.mode == Mode.EXEC:
        if command.pattern in _READ_ONLY_PATTERNS:
            return True
        return first in _READ_ONLY_EXEC
    return first in _READ_ONLY_CONFIG


def roles_of(users: Sequence[User], name: str) -> list[str]:
    """The roles configured for `name`; none (read only) once the account is deleted."""
    if name == ADMIN:
        return ["network-admin"]
    return next((list(user.roles) for user in users if user.name == name), [])


def authorizer(
    users: Callable[[], Sequence[User]], name: str
) -> Callable[[Command[Any]], str | None]:
    """The check a CLI session of user `name` runs before each command: the refusal, or None.

    Roles are read at each command, so `username <u> role <r>` applies to open sessions too.
    """

    def authorize(command: Command[Any]) -> str | None:
        return None if permits(roles_of(users(), name), command) else PERMISSION_DENIED

    return authorize
