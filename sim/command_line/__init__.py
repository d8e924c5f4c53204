"""The `slpsim` command: scenarios (`run`, `list`, `timing`), the lab (`lab`), and thin
clients of a running lab's control API (`clock`, `fault`, `token`, `switches`, `syslog`,
`action`, `file`, `incidents`).

Each group of commands lives in its own module; this one builds `app` from them, in the
order `slpsim --help` lists them.
"""

from __future__ import annotations

import typer
from typer.core import TyperArgument

from sim.command_line import clock, control, faults, files, fleet, lab, scenarios, syslog

# Imported from here by code written before the commands had modules of their own.
from sim.command_line.lab import _secret as _secret


def _no_type(self: object, ctx: object) -> str:
    return ""


# typer prints each positional argument's Python type beside its name (`PATH <list[Path]>`,
# `TARGET <str>`) and has no setting to turn it off; our arguments name their choices in
# their help, so the type is noise. An empty type is what typer itself skips.
setattr(TyperArgument, "display_type", _no_type)  # noqa: B010

app = typer.Typer(
    rich_markup_mode=None,
    name="slpsim",
    help="Simulated Cisco Nexus switches running Smart Licensing Using Policy, "
    "with CSSM, CSLU and SSM On-Prem.",
    no_args_is_help=True,
    add_completion=False,
)

app.command()(scenarios.run)
app.command("list")(scenarios.list_)
app.command()(scenarios.timing)
app.command()(fleet.fleet)
app.command()(lab.lab)
app.command()(control.token)
app.command("switches")(control.switches_)
app.command()(control.action)
app.command()(syslog.syslog)
app.command()(control.incidents)
app.add_typer(scenarios.scenarios_app, name="scenarios")
app.add_typer(clock.clock_app, name="clock")
app.add_typer(faults.fault_app, name="fault")
app.add_typer(files.file_app, name="file")


def main() -> None:
    app()
