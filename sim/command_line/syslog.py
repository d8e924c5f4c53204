"""`slpsim syslog`: the lab's syslog lines, coloured by severity, once or followed."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.console import Console

from sim.command_line.control import ControlUrl, call_lab
from sim.command_line.output import console


def syslog(
    switch: Annotated[
        str | None, typer.Option(metavar="NAME", help="One switch; default: all.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="TIME", help="ISO-8601 time, e.g. 2026-01-05T09:00Z; no zone means UTC."
        ),
    ] = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow", "-f", help="Then print new lines as they are logged, until Ctrl-C."
        ),
    ] = False,
    control: ControlUrl = None,
) -> None:
    """Print the lab's syslog lines, coloured by severity."""
    out = console()
    if follow:
        _follow_syslog(out, control, switch, since)
        return
    lines = call_lab(control, lambda c: c.syslog(switch, since))
    assert isinstance(lines, list)
    for line in lines:
        out.print(line, style=severity_style(line_severity(line)), markup=False)


# NX-OS severities, 0 the most severe; informational (6) and below print plain.
_SEVERITY_STYLES = {0: "bold red", 1: "bold red", 2: "bold red", 3: "red", 4: "yellow", 5: "cyan"}
_SEVERITY_TAG = re.compile(r" %[A-Z0-9_]+-([0-7])-")


def line_severity(line: str) -> int:
    tag = _SEVERITY_TAG.search(line)
    return int(tag.group(1)) if tag else 6


def severity_style(severity: int) -> str:
    return _SEVERITY_STYLES.get(severity, "dim" if severity >= 7 else "")


def _follow_syslog(out: Console, url: str | None, switch: str | None, since: str | None) -> None:
    from sim.lab.control_client import ControlClient, ControlError

    client = ControlClient(url)
    try:
        # The cursor first, so no line logged while the history prints is lost.
        cursor = int(client.follow(None, switch, wait=0)["cursor"])
        if since:
            for line in client.syslog(switch, since):
                out.print(line, style=severity_style(line_severity(line)), markup=False)
        while True:
            batch = client.follow(cursor, switch)
            cursor = int(batch["cursor"])
            if batch["missed"]:
                out.print(f"... {batch['missed']} lines missed", style="dim", markup=False)
            for entry in batch["lines"]:
                out.print(entry["line"], style=severity_style(entry["severity"]), markup=False)
            # Piped into grep or a file, each line is still there as soon as it is logged.
            out.file.flush()
    except ControlError as exc:
        console(stderr=True).print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        return  # Ctrl-C is how a follow ends
    finally:
        client.close()
