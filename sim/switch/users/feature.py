"""The users feature: `username <u> [password [0|5] <p>] [role <r>]`, `no username <u>`,
`show user-account [<u>]`, `show users`, and the `username` lines of the running config."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sim.switch.cli import ArgType, CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, Record, changed, switch_of
from sim.switch.users.state import ADMIN, DEFAULT_ROLE, ROLES, User, hash_password

if TYPE_CHECKING:
    from sim.switch.switch import Switch

_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,27}")
_HASH = re.compile(r"\$5\$[A-Za-z0-9./]{1,16}\$[A-Za-z0-9./]{1,86}")
_CLEAR = re.compile(r"[\x21-\x7e]{1,64}")
MAX_USERS = 256

HELP = {
    "username": "Configure user information.",
    "password": "Password for the user",
    "role": "Role which the user is to be assigned to",
    "user-account": "Show the user account information",
    "users": "Show the current users logged in the system",
    "0": "Indicates that the password that follows should be in clear text",
    "5": "Indicates that the password that follows should be encrypted",
}


def _parse(pattern: re.Pattern[str]) -> Any:
    def parse(token: str) -> str:
        if not pattern.fullmatch(token):
            raise ValueError(token)
        return token

    return parse


def _parse_role(token: str) -> str:
    if token not in ROLES:
        raise ValueError(token)
    return token


USER_TYPE = ArgType("WORD", "User name (Max Size 28)", _parse(_USER))
SECRET_TYPE = ArgType("WORD", "Password for the user (Max Size 64)", _parse(_CLEAR))
ROLE_TYPE = ArgType("WORD", "User role", _parse_role, choices=ROLES)


def _find(users: Sequence[User], name: str) -> User | None:
    return next((user for user in users if user.name == name), None)


def _username(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    name = str(ctx.args["user"])
    user = _find(switch.users, name)
    if ctx.negated:
        if name == ADMIN:
            raise CommandError("ERROR: Cannot delete user admin")
        switch.users = [u for u in switch.users if u.name != name]
        changed(ctx)
        return ""
    if user is None:
        if len(switch.users) >= MAX_USERS:
            raise CommandError("ERROR: Maximum number of users reached")
        user = User(name)
        switch.users.append(user)
    if "secret" in ctx.args:
        secret = str(ctx.args["secret"])
        if ctx.args.get("5"):
            if not _HASH.fullmatch(secret):
                raise CommandError("ERROR: Invalid encrypted password")
            user.password_hash = secret
        else:
            user.password_hash = hash_password(name, secret)
    if "role" in ctx.args:
        role = str(ctx.args["role"])
        if role not in user.roles:
            user.roles = [r for r in user.roles if r != DEFAULT_ROLE or user.name == ADMIN]
            user.roles.append(role)
    changed(ctx)
    return ""


def user_account_record(users: Sequence[User]) -> Record:
    rows = [
        {
            "usr_name": user.name,
            "expire_date": "this user account has no expiry date",
            "TABLE_role": {"ROW_role": [{"role": role} for role in user.roles]},
        }
        for user in users
    ]
    return {"TABLE_template": {"ROW_template": rows}}


def user_account_text(record: Record) -> str:
    lines: list[str] = []
    for row in record["TABLE_template"]["ROW_template"]:
        roles = " ".join(role["role"] for role in row["TABLE_role"]["ROW_role"])
        lines += [
            f"user:{row['usr_name']}",
            f"        {row['expire_date']}",
            f"        roles:{roles} ",
            "",
        ]
    return "".join(f"{line}\n" for line in lines)


def _user_account(ctx: Ctx) -> Record:
    users = switch_of(ctx).users
    name = ctx.args.get("user")
    if name is not None:
        users = [user for user in users if user.name == name]
    return user_account_record(users)


def users_record(switch: Switch) -> Record:
    """Who is logged in: the switch knows its sessions only as `admin` on the console
    session scenarios and NX-API drive, so it lists that one login."""
    booted = switch.booted_at or switch.now()
    row = {
        "u_name": ADMIN,
        "tty": "pts/0",
        "login_time": f"{booted:%b} {booted.day:>2} {booted:%H:%M}",
        "idle": ".",
        "pid": 1,
        "comment": "session=ssh *",
    }
    return {"TABLE_sessions": {"ROW_sessions": [row]}}


def users_text(record: Record) -> str:
    lines = [f"{'NAME':<9}{'LINE':<13}{'TIME':<17}{'IDLE':<14}{'PID':>3} COMMENT"]
    for row in record["TABLE_sessions"]["ROW_sessions"]:
        lines.append(
            f"{row['u_name']:<9}{row['tty']:<13}{row['login_time']:<17}{row['idle']:<14}"
            f"{row['pid']:>3} {row['comment']}"
        )
    return "".join(f"{line}\n" for line in lines)


def register(grammar: Grammar) -> None:
    grammar.commands.define_type("username", USER_TYPE)
    grammar.commands.define_type("secret", SECRET_TYPE)
    grammar.commands.define_type("role", ROLE_TYPE)
    grammar.show("show user-account [<user:username>]", _user_account, user_account_text, help=HELP)
    grammar.show("show users", lambda ctx: users_record(switch_of(ctx)), users_text, help=HELP)
    grammar.add(
        Mode.CONFIG,
        "username <user:username> [password [0 | 5] <secret:secret>] [role <role:role>]",
        _username,
        no_pattern="username <user:username> [password [0 | 5] <secret:secret>] [role <role:role>]",
        help=HELP,
    )


def running_config(switch: Switch) -> list[str]:
    lines: list[str] = []
    for user in switch.users:
        # NX-OS prints two spaces before the role after a password.
        password = f" password 5 {user.password_hash} " if user.password_hash else ""
        lines.append(f"username {user.name}{password} role {user.roles[0]}")
        lines += [f"username {user.name} role {role}" for role in user.roles[1:]]
    return lines


FEATURE = Feature("users", register, running_config=running_config)
