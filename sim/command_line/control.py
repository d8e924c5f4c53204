"""Thin clients of a running lab's control API: how each command reaches the lab and says
a refusal, and the small commands that are one call each (`token`, `switches`, `action`,
`incidents`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from sim.command_line.output import console

if TYPE_CHECKING:
    from sim.lab.control_client import ControlClient

ControlUrl = Annotated[
    str | None,
    typer.Option(
        "--control", metavar="URL", help="The lab's control API (default $SLPSIM_CONTROL or :8080)."
    ),
]


def call_lab(
    url: str | None,
    call: Callable[[ControlClient], object],
    hint: Callable[[str], str] | None = None,
) -> object:
    """Call the lab; a refusal is one line saying what to fix (`hint` adds the command's way)."""
    from sim.lab.control_client import ControlClient, ControlError

    client = ControlClient(url)
    try:
        return call(client)
    except ControlError as exc:
        message = str(exc)
        if hint is not None:
            message += hint(message)
        console(stderr=True).print(f"slpsim: {message}", style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        client.close()


def token(
    issuer: Annotated[str, typer.Option(metavar="ISSUER", help="cssm or onprem.")] = "cssm",
    virtual_account: Annotated[
        str | None, typer.Option(metavar="ACCOUNT", help="Default: Default.")
    ] = None,
    control: ControlUrl = None,
) -> None:
    """Ask the lab's CSSM (or On-Prem) for an ID token."""
    text = call_lab(control, lambda c: c.token(issuer, virtual_account))
    console().print(str(text), markup=False)


def switches_(control: ControlUrl = None) -> None:
    """The lab's switches: UDI, SSH and NX-API ports, credentials."""
    rows = call_lab(control, lambda c: c.switches())
    assert isinstance(rows, list)
    # Plain columns, never truncated: people copy the ports and scripts parse the lines.
    lines = [("name", "udi", "ssh", "nx-api", "credentials")]
    for r in rows:
        lines.append(
            (
                r["name"],
                r["udi"],
                f"{r['host']}:{r['ssh_port']}",
                f"http://{r['host']}:{r['nxapi_port']}/ins",
                f"{r['username']} (password as given at lab start)",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    out = console()
    for line in lines:
        out.print(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip(), markup=False
        )


def key_values(items: list[str] | None) -> dict[str, str]:
    params = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            console(stderr=True).print(f"slpsim: expected key=value, got {item!r}", markup=False)
            raise typer.Exit(2)
        params[key] = value
    return params


def action(
    target: Annotated[str, typer.Argument(metavar="TARGET", help="cssm, cslu or onprem.")],
    name: Annotated[
        str,
        typer.Argument(metavar="ACTION", help="e.g. download-all-for-cisco, upload-usage-data."),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", metavar="KEY=VALUE", help="key=value, e.g. file=usage.tar.gz"
        ),
    ] = None,
    control: ControlUrl = None,
) -> None:
    """Do what a person does in a back end's UI (list: scenarios/README.md)."""
    params = key_values(param)
    result = call_lab(control, lambda c: c.action(target, name, params))
    if result is not None:
        console().print(str(result), markup=False)


def incidents(
    since: Annotated[
        int, typer.Option(metavar="ID", min=0, help="Only incidents after this id.")
    ] = 0,
    detail: Annotated[bool, typer.Option("--detail", help="Print each traceback too.")] = False,
    control: ControlUrl = None,
) -> None:
    """Failures the lab contained instead of stopping: id, virtual time, where, what."""
    rows = call_lab(control, lambda c: c.incidents(since))
    assert isinstance(rows, list)
    out = console()
    if not rows:
        out.print("no incidents", markup=False)
    for row in rows:
        out.print(f"{row['id']}  {row['at']}  {row['where']}  {row['summary']}", markup=False)
        if detail:
            out.print(row["detail"], markup=False)
