"""The config management feature: show / copy / checkpoint / rollback / replace / sessions.

The running configuration is assembled from every feature's section (sim/switch/features.py
lists them in NX-OS order). A checkpoint is a snapshot of those lines; a rollback, a
`configure replace` and a configuration session's commit apply the patch between the running
configuration and the target (sim/switch/config_mgmt/patch.py) through the command engine, as
if typed, and then check that the running configuration is the target.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sim.switch.bootflash import BootflashError, file_name
from sim.switch.cli import CliSession, CommandError, Mode
from sim.switch.config_mgmt import patch
from sim.switch.config_mgmt.state import MAX_CHECKPOINTS, Checkpoint
from sim.switch.feature import Ctx, Feature, Grammar, Record, switch_of
from sim.switch.formats import config_text, config_time

if TYPE_CHECKING:
    from sim.switch.switch import Switch

CONFIG_SESSION = Mode.submode("config-s")
HELP = {
    "running-config": "Current operating configuration",
    "startup-config": "Contents of startup configuration",
    "copy": "Copy from one file to another",
    "configure": "Enter configuration mode",
    "checkpoint": "Create configuration rollback checkpoint",
    "rollback": "Rollback configuration",
    "diff": "Show the difference",
    "rollback-patch": "Rollback patch",
    "delete": "Delete a file",
    "write": "Write current configuration",
    "erase": "Erase startup configuration",
    "replace": "Replace the running configuration",
    "commit-timeout": "Roll back unless committed within this many seconds",
    "session": "Configure a configuration session",
    "verify": "Verify the session's configuration",
    "commit": "Commit the session's configuration",
    "abort": "Discard the session's configuration",
    "md5sum": "Show the MD5 checksum of the file",
}
PROGRESS = "[########################################] 100%\nCopy complete.\n"
ROLLBACK_DONE = (
    "Note: Applying config parallelly may fail Rollback verification\n"
    "Collecting Running-Config\n"
    "#Generating Rollback Patch\n"
    "Executing Rollback Patch\n"
    "Generating Running-config for verification\n"
    "Generating Patch for verification\n"
)


# ------------------------------------------------------------------ show / copy


def _show(ctx: Ctx, lines: list[str], title: str) -> str:
    switch = switch_of(ctx)
    changed_at = switch.config_changed_at or switch.booted_at or switch.now()
    return config_text(lines, title=title, changed_at=changed_at, now=switch.now())


def _show_running(ctx: Ctx) -> str:
    if "all" not in ctx.args:
        return _show(ctx, switch_of(ctx).running_config_lines(), "show running-config")
    # The features' list, imported here: it imports this feature.
    from sim.switch.features import running_config_lines

    lines = running_config_lines(switch_of(ctx), defaults=True)
    return _show(ctx, lines, "show running-config all")


def _show_startup(ctx: Ctx) -> str:
    startup = switch_of(ctx).startup_config
    if startup is None:
        raise CommandError("No startup-config exists.")
    return _show(ctx, startup, "show startup-config")


def _copy_run_start(ctx: Ctx) -> str:
    switch_of(ctx).save_startup_config()
    return PROGRESS


def _file_text(switch: Switch, path: str) -> str:
    try:
        return switch.read_bootflash(path)
    except BootflashError as exc:
        raise CommandError(str(exc)) from None
    except FileNotFoundError:
        raise CommandError(f"% No such file or directory: {path}") from None


def _config_file(switch: Switch, path: str) -> list[str]:
    lines = _file_text(switch, path).splitlines()
    if len(lines) > patch.MAX_CONFIG_LINES:
        raise CommandError(f"% File {path} is too large to be a configuration")
    return lines


def _write_file(ctx: Ctx, path: str, text: str, done: str) -> str:
    switch = switch_of(ctx)
    try:
        name = file_name(path)
    except BootflashError as exc:
        raise CommandError(str(exc)) from None

    def write() -> str:
        switch.write_bootflash(name, text)
        return done

    if name in switch.bootflash_files():
        return ctx.confirm(
            "Warning: There is already a file existing with this name. "
            "Do you want to overwrite (y/n)?[n] ",
            write,
            default=False,
        )
    return write()


def _running_text(switch: Switch, title: str) -> str:
    changed_at = switch.config_changed_at or switch.booted_at or switch.now()
    return config_text(
        switch.running_config_lines(), title=title, changed_at=changed_at, now=switch.now()
    )


def _copy_running_to(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    return _write_file(
        ctx, str(ctx.args["dest"]), _running_text(switch, "show running-config"), PROGRESS
    )


def _copy_startup_to(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    if switch.startup_config is None:
        raise CommandError("No startup-config exists.")
    text = config_text(
        switch.startup_config,
        title="show startup-config",
        changed_at=switch.now(),
        now=switch.now(),
    )
    return _write_file(ctx, str(ctx.args["dest"]), text, PROGRESS)


def _copy_file_to_config(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    lines = _config_file(switch, str(ctx.args["source"]))
    if ctx.args.get("target") == "startup-config":
        switch.startup_config = [line for line in lines if not line.startswith("!")]
        return PROGRESS
    # Copying a file onto the running configuration merges it, line by line.
    failures = _apply(switch, [line for line in lines if line.strip()], blocks=False)
    return PROGRESS if not failures else "".join(failures)


def _copy_file_to_file(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    text = _file_text(switch, str(ctx.args["source"]))
    return _write_file(ctx, str(ctx.args["dest"]), text, PROGRESS)


def _delete(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    path = str(ctx.args["path"])
    try:
        name = file_name(path)
    except BootflashError as exc:
        raise CommandError(str(exc)) from None
    if name not in switch.bootflash_files():
        # NX-OS answers a missing file as `dir` does: a plain line, not a `%` error.
        return "No such file or directory\n"
    if "no-prompt" in ctx.args:
        switch.delete_bootflash(name)
        return ""
    return ctx.confirm(
        f'Do you want to delete "/{name}" ? (yes/no/abort)   [y] ',
        lambda: switch.delete_bootflash(name),
        default=True,
    )


def _show_file(ctx: Ctx) -> str:
    text = _file_text(switch_of(ctx), str(ctx.args["path"]))
    if "md5sum" in ctx.args:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest() + "\n"
    return text if text.endswith("\n") or not text else text + "\n"


def _write_erase(ctx: Ctx) -> str:
    switch = switch_of(ctx)

    def erase() -> str:
        switch.startup_config = None
        return ""

    return ctx.confirm(
        "Warning: This command will erase the startup-configuration.\n"
        "Do you wish to proceed anyway? (y/n)  [n] ",
        erase,
        default=False,
    )


# ------------------------------------------------------------------ applying a target


def _as_commands(lines: list[str]) -> list[str]:
    return patch.canonical(lines)


def _apply(switch: Switch, commands: list[str], *, blocks: bool = True) -> list[str]:
    """Type `commands` in a configuration session of their own.

    With `blocks`, sub-mode lines are indented under their block header and every other line
    is typed at `(config)#`; without, the lines are typed as they come, as a person would.
    Returns the error output of the lines that failed, each after the line itself.
    """
    session: CliSession[Switch] = switch.new_session()
    session.enter(Mode.CONFIG)
    failures: list[str] = []
    for command in commands:
        if blocks and not command[:1].isspace():
            # A top-level command is typed at `(config)#`, whatever block came before.
            session.end()
            session.enter(Mode.CONFIG)
        result = session.execute(command.strip(), prompt_len=0)
        if result.error:
            failures.append(f"{command.strip()}\n{result.output}")
    session.end()
    return failures


def replace_running(switch: Switch, target: list[str]) -> tuple[bool, list[str]]:
    """Make the running configuration `target`; says whether it now is, and the failures."""
    commands = patch.rollback_patch(switch.running_config_lines(), target)
    failures = _apply(switch, commands) if commands else []
    if commands:
        switch.touch_config()
    return patch.same(switch.running_config_lines(), target), failures


def _rollback_text(ok: bool, failures: list[str], what: str) -> str:
    if ok:
        return ROLLBACK_DONE + "Verification is Successful.\n\nRollback completed successfully.\n"
    detail = "".join(failures) or "The running configuration differs from the target.\n"
    raise CommandError(f"{ROLLBACK_DONE}{detail}Rollback failed.\n% Rollback to {what} failed")


def _target_lines(ctx: Ctx, prefix: str = "") -> tuple[list[str], str]:
    """The configuration a `checkpoint <name>` / `file <f>` / `running-config` item names."""
    switch = switch_of(ctx)
    args = ctx.args
    which = args.get(f"{prefix}source")
    if which == "checkpoint":
        name = str(args[f"{prefix}name"])
        found = switch.checkpoints.get(name)
        if found is None:
            raise CommandError(f"% Checkpoint {name} does not exist")
        return found.lines, f"checkpoint {name}"
    if which == "file":
        path = str(args[f"{prefix}path"])
        return _config_file(switch, path), f"file {path}"
    if which == "startup-config":
        if switch.startup_config is None:
            raise CommandError("No startup-config exists.")
        return switch.startup_config, "startup-config"
    return switch.running_config_lines(), "running-config"


def _rollback(ctx: Ctx) -> str:
    target, what = _target_lines(ctx)
    ok, failures = replace_running(switch_of(ctx), target)
    return _rollback_text(ok, failures, what)


def _show_diff_rollback_patch(ctx: Ctx) -> str:
    current, _ = _target_lines(ctx, "a_")
    target, _ = _target_lines(ctx, "b_")
    commands = patch.rollback_patch(current, target)
    head = "Collecting Running-Config\n#Generating Rollback Patch\n"
    if not commands:
        return head + "Rollback Patch is Empty\n"
    return head + "!!\n" + "".join(f"{command}\n" for command in commands)


# ------------------------------------------------------------------ checkpoints


def _checkpoint_file(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    text = _running_text(switch, "Checkpoint cmd vdc 1")
    try:
        switch.write_bootflash(str(ctx.args["path"]), text)
    except BootflashError as exc:
        raise CommandError(str(exc)) from None
    return "Done\n"


def _checkpoint(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    lines = switch.running_config_lines()
    name = str(ctx.args.get("name") or _next_checkpoint_name(switch))
    if name in switch.checkpoints:
        raise CommandError(f"% Checkpoint {name} exists already")
    switch.checkpoints[name] = Checkpoint(
        name, switch.now(), lines, str(ctx.args.get("description") or "")
    )
    while len(switch.checkpoints) > MAX_CHECKPOINTS:
        del switch.checkpoints[next(iter(switch.checkpoints))]
    return "Done\n"


def _next_checkpoint_name(switch: Switch) -> str:
    number = 1
    while f"user-checkpoint-{number}" in switch.checkpoints:
        number += 1
    return f"user-checkpoint-{number}"


def _no_checkpoint(ctx: Ctx) -> str:
    name = str(ctx.args["name"])
    if switch_of(ctx).checkpoints.pop(name, None) is None:
        raise CommandError(f"% Checkpoint {name} does not exist")
    return ""


def _clear_checkpoints(ctx: Ctx) -> str:
    switch_of(ctx).checkpoints.clear()
    return ""


def _show_checkpoint(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    name = ctx.args.get("name")
    chosen = [c for c in switch.checkpoints.values() if name is None or c.name == name]
    if name is not None and not chosen:
        raise CommandError(f"% Checkpoint {name} does not exist")
    rule = "-" * 80
    out: list[str] = []
    if "summary" in ctx.args:
        out += ["User Checkpoint Summary", rule]
        for number, checkpoint in enumerate(chosen, 1):
            size = len("\n".join(checkpoint.lines).encode())
            out += [
                f"{number}) {checkpoint.name}:",
                "Created by admin",
                f"Created at {config_time(checkpoint.created_at)}",
                f"Size is {size:,} bytes",
                f"Description: {checkpoint.description or 'None'}",
                "",
            ]
        return "\n".join(out) + "\n"
    for checkpoint in chosen:
        out += [rule, f"Name: {checkpoint.name}"]
        out.append(
            config_text(
                checkpoint.lines,
                title="Checkpoint cmd vdc 1",
                changed_at=checkpoint.created_at,
                now=checkpoint.created_at,
            ).rstrip("\n")
        )
    return "\n".join(out) + "\n" if out else ""


# ------------------------------------------------------------------ configure replace


def _configure_replace(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    path = str(ctx.args["path"])
    target = _config_file(switch, path)
    before = switch.running_config_lines()
    ok, failures = replace_running(switch, target)
    if not ok:
        replace_running(switch, before)
        detail = "".join(failures)
        raise CommandError(f"{detail}Configure replace failed. Rolled back to the previous config.")
    seconds = ctx.args.get("seconds")
    if seconds is not None:
        switch.arm_config_replace_timer(timedelta(seconds=int(seconds)), before)
    return (
        "Progress: 100%\n"
        "Configure replace completed successfully. Please run 'show config-replace log exec' "
        "to see if there is any configuration that requires reload to take effect.\n"
    )


def _configure_replace_commit(ctx: Ctx) -> str:
    if not switch_of(ctx).commit_config_replace():
        raise CommandError("% No configure replace is waiting for a commit")
    return ""


# ------------------------------------------------------------------ configuration sessions


def _session(ctx: Ctx) -> str:
    name = str(ctx.args["name"])
    ctx.session.editing[CONFIG_SESSION] = name
    switch_of(ctx).config_sessions.setdefault(name, [])
    return (
        "Config Session started, Session ID is 1\n"
        "Enter configuration commands, one per line.  End with CNTL/Z.\n"
    )


def _session_pending(ctx: Ctx) -> list[str]:
    name = ctx.session.editing.get(CONFIG_SESSION, "")
    return switch_of(ctx).config_sessions.setdefault(name, [])


def _session_line(ctx: Ctx) -> str:
    line = str(ctx.args["command"])
    error = _session_check(ctx, line)
    if error is not None:
        raise CommandError(error)
    _session_pending(ctx).append(line)
    return ""


def _session_check(ctx: Ctx, line: str) -> str | None:
    """The error a configuration line would give, found without running it."""
    return ctx.session.check(line, Mode.CONFIG)


def _session_verify(ctx: Ctx) -> str:
    return "Verification Successful\n"


def _session_commit(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    name = ctx.session.editing.pop(CONFIG_SESSION, "")
    lines = switch.config_sessions.pop(name, [])
    failures = _apply(switch, lines, blocks=False)
    ctx.session.end()
    if failures:
        raise CommandError("".join(failures) + "Commit Failed")
    if lines:
        switch.touch_config()
    return "Commit Successful\n"


def _session_abort(ctx: Ctx) -> str:
    name = ctx.session.editing.pop(CONFIG_SESSION, "")
    switch_of(ctx).config_sessions.pop(name, None)
    ctx.session.end()
    return ""


def _acting(handler: Callable[[Ctx], str]) -> Callable[[Ctx], Record]:
    """The structured form of an action (NX-API `cli`): it runs, and its body is empty."""

    def record(ctx: Ctx) -> Record:
        handler(ctx)
        return {}

    return record


def register(grammar: Grammar) -> None:
    exec_ = Mode.EXEC

    def act(pattern: str, handler: Callable[[Ctx], str], **options: Any) -> None:
        grammar.add(exec_, pattern, handler, json=_acting(handler), **options)

    grammar.add(
        exec_,
        "show running-config [all]",
        _show_running,
        help={"all": "Show the configuration with defaults"},
    )
    grammar.add(exec_, "show startup-config", _show_startup)
    act("copy running-config startup-config", _copy_run_start)
    act("copy running-config <dest:word>", _copy_running_to)
    act("copy startup-config <dest:word>", _copy_startup_to)
    act("copy <source:word> {target= running-config | startup-config}", _copy_file_to_config)
    act("copy <source:word> <dest:word>", _copy_file_to_file)
    act("delete <path:word> [no-prompt]", _delete)
    grammar.add(exec_, "show file <path:word> [md5sum]", _show_file)
    act("write erase", _write_erase)
    act("checkpoint file <path:word>", _checkpoint_file)
    act("checkpoint [<name:word>] [description <description:line>]", _checkpoint)
    act("no checkpoint <name:word>", _no_checkpoint)
    act("clear checkpoint database", _clear_checkpoints)
    grammar.add(
        exec_,
        "show checkpoint [<name:word>] [summary]",
        _show_checkpoint,
        help={"summary": "Show a summary of the checkpoints"},
    )
    target = "{source= checkpoint <name:word> | file <path:word>}"
    act(
        f"rollback running-config {target} [atomic | best-effort | stop-at-first-failure] "
        "[verbose]",
        _rollback,
    )
    side = (
        "{{{p}source= checkpoint <{p}name:word> | file <{p}path:word> "
        "| running-config | startup-config}}"
    )
    grammar.add(
        exec_,
        f"show diff rollback-patch {side.format(p='a_')} {side.format(p='b_')}",
        _show_diff_rollback_patch,
    )
    # `config replace` is the same command: `config` abbreviates `configure`.
    act(
        "configure replace <path:word> [verbose] [commit-timeout <seconds:int(30-3600)>]",
        _configure_replace,
    )
    act("configure replace commit", _configure_replace_commit)
    grammar.add(exec_, "configure session <name:word>", _session, enters=CONFIG_SESSION)
    grammar.add(CONFIG_SESSION, "verify", _session_verify, negatable=False)
    grammar.add(CONFIG_SESSION, "commit", _session_commit, negatable=False)
    grammar.add(CONFIG_SESSION, "abort", _session_abort, negatable=False)
    grammar.add(CONFIG_SESSION, "<command:line>", _session_line, negatable=False)


FEATURE = Feature("config_mgmt", register, HELP)
