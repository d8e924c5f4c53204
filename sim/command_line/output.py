"""How the `slpsim` commands write: a console per command, and the one line that ends one."""

from __future__ import annotations

import typer
from rich.console import Console


def console(*, stderr: bool = False) -> Console:
    # Created per command, so it writes to whatever sys.stdout is then (CliRunner swaps it).
    return Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    console(stderr=True).print(f"slpsim: {message}", style="red", markup=False)
    return typer.Exit(code)
