"""The local user accounts of a switch, as data. `admin` (network-admin) always exists.

Passwords are kept only as type-5 hashes, as NX-OS keeps them: the running configuration
prints the hash, never the clear text.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

ADMIN = "admin"
ROLES = ("network-admin", "network-operator", "vdc-admin", "vdc-operator", "priv-15", "priv-1")
DEFAULT_ROLE = "network-operator"


@dataclass
class User:
    name: str
    password_hash: str = ""
    """`$5$...`, as `username <u> password 5 <hash>` shows it; empty: no password."""
    roles: list[str] = field(default_factory=lambda: [DEFAULT_ROLE])


def hash_password(name: str, clear: str) -> str:
    """A stable type-5 style hash: the same user and password always hash the same, so that a
    saved configuration replays to an identical one."""
    salt = base64.b64encode(hashlib.sha256(name.encode()).digest(), b"./")[:8].decode()
    digest = hashlib.sha256(f"{salt}${clear}".encode()).digest()
    return f"$5${salt}${base64.b64encode(digest, b'./').decode().rstrip('=')}"


def default_users() -> list[User]:
    return [User(ADMIN, hash_password(ADMIN, "admin"), ["network-admin"])]
