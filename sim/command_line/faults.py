"""`slpsim fault`: add, list and clear the faults in a running lab."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.table import Table

from sim.command_line.control import ControlUrl, call_lab, key_values
from sim.command_line.output import console

fault_app = typer.Typer(
    rich_markup_mode=None, help="Break and mend things in a running lab.", no_args_is_help=True
)

# What `-p` looks like for each fault parameter, for the line that says one is missing.
_FAULT_PARAM_EXAMPLES = {"seconds": "seconds=90", "duration": "duration=1h", "offset": "offset=2h"}
_NEEDS = re.compile(r"needs ([a-z_, ]+)$")


def _fault_hint(message: str) -> str:
    needs = _NEEDS.search(message)
    if needs is not None:
        names = [n.strip() for n in needs.group(1).split(",")]
        shown = " ".join(f"-p {_FAULT_PARAM_EXAMPLES.get(n, n + '=...')}" for n in names)
        return f"; give it with {shown}"
    if "unknown parameter" in message:
        return " (drop that -p)"
    return ""


@fault_app.command("add")
def fault_add(
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help="cssm, cslu, onprem, dns, ntp or a switch.")
    ],
    kind: Annotated[
        str, typer.Argument(metavar="KIND", help="unreachable, dns, http-404, slow, ...")
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", metavar="KEY=VALUE", help="key=value, e.g. seconds=90 or offset=-2h"
        ),
    ] = None,
    control: ControlUrl = None,
) -> None:
    """Add a fault; prints its id."""
    params = key_values(param)
    fault_id = call_lab(control, lambda c: c.add_fault(target, kind, params), _fault_hint)
    console().print(str(fault_id), markup=False)


@fault_app.command("list")
def fault_list(control: ControlUrl = None) -> None:
    """List the faults in effect."""
    faults = call_lab(control, lambda c: c.faults())
    assert isinstance(faults, list)
    table = Table("id", "target", "kind", "params", box=None, header_style="bold")
    for f in faults:
        params = " ".join(f"{k}={v}" for k, v in f.get("params", {}).items())
        table.add_row(str(f["id"]), f["target"], f["kind"], params)
    console().print(table)


@fault_app.command("clear")
def fault_clear(
    fault_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="One fault's id; none: all.")
    ] = None,
    control: ControlUrl = None,
) -> None:
    """Remove one fault, or all of them."""
    if fault_id is None:
        removed = call_lab(control, lambda c: c.clear_faults())
        console().print(f"removed {removed} fault(s)", markup=False)
    else:
        call_lab(control, lambda c: c.remove_fault(fault_id))
        console().print(f"removed fault {fault_id}", markup=False)
