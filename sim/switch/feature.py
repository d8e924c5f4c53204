"""What an NX-OS feature area of the switch gives the command engine.

Each feature package under sim/switch/ (licensing, system, ntp_dns, ...) owns its slice of
the switch's state, its grammar and its renderers, and describes itself with one `Feature`:
the commands it registers, the `?` help of its keywords, and its section of the running
configuration. sim/switch/features.py lists them in NX-OS running-config order;
sim/switch/commands.py loads them into the one command set. A feature never imports another
feature's package.

A `show` is registered with `Grammar.show`: one function builds the structured record (the
NX-OS JSON keys, `TABLE_x` / `ROW_x` included) and the text is rendered from that record, so
``| json``, NX-API `cli_show` and the text never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.scheduler import Halt
from sim.switch.cli import CommandContext, CommandError, CommandSet, Mode

if TYPE_CHECKING:
    from sim.switch.switch import Switch

Ctx = CommandContext["Switch"]
Record = dict[str, Any]
INTERNAL_ERROR = "% Internal error while executing command; see slpsim incidents"


def switch_of(ctx: Ctx) -> Switch:
    return ctx.context


def changed(ctx: Ctx) -> None:
    """The running configuration changed (its header shows when)."""
    switch_of(ctx).touch_config()


def contained(handler: Callable[[Ctx], Any]) -> Callable[[Ctx], Any]:
    """`handler`, with an unexpected exception recorded as an incident and answered in NX-OS
    form: a bug in one command must not reach SSH / NX-API as a crash."""

    def run(ctx: Ctx) -> Any:
        try:
            return handler(ctx)
        except (CommandError, Halt):
            raise
        except Exception as exc:  # contained: recorded, and the session goes on
            switch_of(ctx).record_incident(exc)
            raise CommandError(INTERNAL_ERROR) from None

    return run


class Grammar:
    """The one command set, as a feature registers into it: every handler contained."""

    def __init__(self, commands: CommandSet[Switch]) -> None:
        self.commands = commands

    def add(
        self,
        mode: Mode,
        pattern: str,
        handler: Callable[[Ctx], Any],
        *,
        json: Callable[[Ctx], Record] | None = None,
        **options: Any,
    ) -> None:
        self.commands.add(
            mode,
            pattern,
            contained(handler),
            json=contained(json) if json is not None else None,
            **options,
        )

    def show(
        self,
        pattern: str,
        record: Callable[[Ctx], Record],
        text: Callable[[Record], str],
        **options: Any,
    ) -> None:
        """An exec `show`: `record` builds the structured form, `text` prints it."""
        self.add(Mode.EXEC, pattern, lambda ctx: text(record(ctx)), json=record, **options)

    def show_text(
        self,
        pattern: str,
        text: Callable[[Switch], str],
        record: Callable[[Switch], Record] | None = None,
        **options: Any,
    ) -> None:
        """An exec `show` whose text is still rendered apart from its record (or has none)."""
        json = (lambda ctx: record(switch_of(ctx))) if record is not None else None
        self.add(Mode.EXEC, pattern, lambda ctx: text(switch_of(ctx)), json=json, **options)


@dataclass(frozen=True)
class Feature:
    name: str
    register: Callable[[Grammar], None]
    help: Mapping[str, str] = field(default_factory=dict)
    """Default `?` help for keywords whose grammar node gives none."""
    running_config: Callable[[Switch], list[str]] | None = None
    """This feature's lines of `show running-config`, in NX-OS order within the section."""
    running_config_all: Callable[[Switch], list[str]] | None = None
    """Its section of `show running-config all`, with the defaults NX-OS prints there;
    the plain section when None."""
