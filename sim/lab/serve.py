"""Running a lab in the foreground: start, print the endpoint table, stop cleanly on Ctrl-C
(or when a commit fails: then one line says why, and the exit status is 1)."""

from __future__ import annotations

import asyncio
import signal

from rich.console import Console
from rich.table import Table

from sim.lab.lab import DEFAULT_PASSWORD, Lab, LabEndpoints
from sim.lab.persistence import CommitFailed


def endpoint_table(lab: Lab, endpoints: LabEndpoints) -> Table:
    opts = lab.options
    host = opts.host
    table = Table(
        "what",
        "endpoint",
        "credentials",
        title=f"slpsim lab: {opts.topology}, {len(endpoints.switches)} switch(es), "
        f"time x{lab.clock.rate:g} from {lab.now():%Y-%m-%d %H:%M:%S} UTC",
        box=None,
        header_style="bold",
        title_justify="left",
    )
    # Secrets the operator gave are not echoed to a terminal that may be logged or shared;
    # only the well-known default password is spelled out.
    token = "Bearer <the control token given>" if opts.control_token else "-"
    # The base URL (what --control and $SLPSIM_CONTROL take); routes are /sim/..., docs /docs.
    table.add_row("control API", f"http://{host}:{endpoints.control_port}", token)
    table.add_row("  its Swagger page", f"http://{host}:{endpoints.control_port}/docs", token)
    # A browser signs in once with the token in the address (sim/lab/console/session.py).
    signin = "/?token=<the control token given>, once" if opts.control_token else "-"
    table.add_row("  the web console", f"http://{host}:{endpoints.control_port}/", signin)
    for name, port in sorted(endpoints.backends.items()):
        table.add_row(f"{name} (back end)", f"http://{host}:{port}", "-")
    shown = opts.password if opts.password == DEFAULT_PASSWORD else "<the password given>"
    creds = f"{opts.username} / {shown}"
    for entry in endpoints.switches:
        ssh = f"ssh {opts.username}@{entry.host} -p {entry.ssh_port}"
        table.add_row(f"{entry.name} ssh", ssh, creds)
        table.add_row(f"{entry.name} nx-api", f"http://{entry.host}:{entry.nxapi_port}/ins", creds)
    if lab.ssh_config_path is not None:
        # `ssh -F <file> leaf1`; netmiko and NAPALM take it as ssh_config_file.
        table.add_row("ssh client config", str(lab.ssh_config_path), "-")
    return table


async def _run(lab: Lab, console: Console) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lab.request_stop)
    try:
        endpoints = await lab.start()
        console.print(endpoint_table(lab, endpoints))
        console.print(
            f"Move time: slpsim clock advance 4h --control http://{lab.options.host}:"
            f"{endpoints.control_port}   Stop: Ctrl-C",
            markup=False,
        )
        await lab.run_until_stopped()
    except CommitFailed:
        pass  # lab.failure holds it; reported below, after an orderly stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await lab.stop()
        if lab.failure is None:
            console.print("slpsim lab stopped.", markup=False)


def serve_lab(lab: Lab, console: Console) -> None:
    """Serve until Ctrl-C / SIGTERM; a failed commit exits with status 1 after one line."""
    asyncio.run(_run(lab, console))
    if lab.failure is not None:
        committed = lab.persistence.committed_at if lab.persistence is not None else None
        resumes = f"{committed:%Y-%m-%d %H:%M:%S} UTC" if committed else "the last commit"
        Console(stderr=True).print(
            f"slpsim lab: stopped: {lab.failure}. A restart resumes from {resumes}.",
            style="red",
            markup=False,
            soft_wrap=True,
        )
        raise SystemExit(1)
