"""`slpsim file`: move files between here and the lab's operator workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.command_line.control import ControlUrl, call_lab
from sim.command_line.output import console

file_app = typer.Typer(
    rich_markup_mode=None, help="Files in the lab's operator workspace.", no_args_is_help=True
)


@file_app.command("put")
def file_put(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name in the workspace.")],
    path: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Local file to send.", exists=True, dir_okay=False),
    ],
    control: ControlUrl = None,
) -> None:
    """Put a local file into the workspace (e.g. an ACK downloaded from the real CSSM)."""
    data = path.read_bytes()
    call_lab(control, lambda c: c.put_file(name, data))
    console().print(f"put {name} ({len(data)} bytes)", markup=False)


@file_app.command("get")
def file_get(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name in the workspace.")],
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="Where to write it.", dir_okay=False)
    ],
    control: ControlUrl = None,
) -> None:
    """Copy a workspace file to a local file."""
    data = call_lab(control, lambda c: c.get_file(name))
    assert isinstance(data, bytes)
    path.write_bytes(data)
    console().print(f"wrote {path} ({len(data)} bytes)", markup=False)
