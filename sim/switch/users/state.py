"""The local user accounts of a switch, as data. `admin` (network-admin) always exists.

Passwords are kept only as type-5 hashes, as NX-OS keeps them: the running configuration
prints the hash, never the clear text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
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


def signs_in(users: Sequence[User], name: str, password: str, *, reserved: str = ADMIN) -> bool:
    """Whether `name` is a configured account whose password is `password`.

    `admin` and `reserved` (the lab's own account) are never signed in this way: their
    password is the lab's, whatever a configuration says."""
    if name in (ADMIN, reserved):
        return False
    for user in users:
        if user.name == name and user.password_hash:
            given = hash_password(name, password)
            return hmac.compare_digest(given.encode(), user.password_hash.encode())
    return False
