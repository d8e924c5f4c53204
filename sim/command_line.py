"""The `slpsim` command: scenarios (`run`, `list`, `timing`), the lab (`lab`), and thin
clients of a running lab's control API (`clock`, `fault`, `token`, `switches`, `syslog`,
`action`, `file`, `incidents`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.scenario.model import ScenarioError, load_scenario
from sim.scenario.report import print_result, print_summary, results_to_json, write_junit
from sim.scenario.runner import ScenarioResult, run_file, scenario_files
from sim.timing import DEFAULT_TIMING, TIMING_NOTES, format_duration, parse_duration

if TYPE_CHECKING:
    from sim.lab.control_client import ControlClient
    from sim.lab.lab import Lab

DEFAULT_SCENARIOS = Path("scenarios")

app = typer.Typer(
    name="slpsim",
    help="Simulated Cisco Nexus switches running Smart Licensing Using Policy, "
    "with CSSM, CSLU and SSM On-Prem.",
    no_args_is_help=True,
    add_completion=False,
)

Paths = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Scenario files or folders (every *.yaml inside). Default: scenarios/",
        show_default=False,
    ),
]


def _console(*, stderr: bool = False) -> Console:
    # Created per command, so it writes to whatever sys.stdout is then (CliRunner swaps it).
    return Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=True)


def _files(paths: list[Path] | None, console: Console) -> list[Path]:
    try:
        files = scenario_files(paths or [DEFAULT_SCENARIOS])
    except FileNotFoundError as exc:
        console.print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    if not files:
        shown = ", ".join(str(p) for p in paths or [DEFAULT_SCENARIOS])
        console.print(f"slpsim: no scenario files (*.yaml) in {shown}", style="red", markup=False)
        raise typer.Exit(1)
    return files


@app.command()
def run(
    paths: Paths = None,
    junit: Annotated[
        Path | None,
        typer.Option("--junit", help="Also write JUnit XML to this file.", dir_okay=False),
    ] = None,
    narrate: Annotated[
        bool,
        typer.Option("--narrate", help="Tell each scenario's story as it runs (for trainers)."),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document with every result.")
    ] = False,
) -> None:
    """Run scenario files; exit status 0 only if every scenario passes."""
    out = _console()
    # With --json, stdout carries the document alone; the story goes to stderr.
    story = _console(stderr=True) if as_json else out
    files = _files(paths, _console(stderr=True))

    def tell(line: str) -> None:
        story.print(line, markup=False)

    results: list[ScenarioResult] = []
    for path in files:
        result = run_file(path, narrate=tell if narrate else None)
        results.append(result)
        if not as_json:
            print_result(out, result)
            if narrate:
                out.print()
    if as_json:
        out.print(results_to_json(results), markup=False)
    else:
        print_summary(out, results)
    if junit is not None:
        write_junit(results, junit)
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


@app.command("list")
def list_(paths: Paths = None) -> None:
    """List scenario files: name, title, topology."""
    out = _console()
    table = Table("name", "title", "topology", "steps", box=None, header_style="bold")
    broken: list[ScenarioError] = []
    for path in _files(paths, _console(stderr=True)):
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            broken.append(exc)
            table.add_row(Text(path.stem), Text("✘ invalid (see below)", style="red"))
            continue
        table.add_row(
            Text(scenario.name),
            Text(scenario.title),
            Text(scenario.topology),
            Text(str(len(scenario.steps))),
        )
    out.print(table)
    for error in broken:
        out.print(Text(str(error), style="red"))
    raise typer.Exit(1 if broken else 0)


@app.command()
def timing() -> None:
    """Show the timing profile: defaults, and which are Cisco's and which are assumptions."""
    out = _console()
    table = Table("setting", "default", "from", "meaning", box=None, header_style="bold")
    for name, value in DEFAULT_TIMING.model_dump().items():
        source, _, meaning = TIMING_NOTES.get(name, "").partition(": ")
        style = "yellow" if source == "assumption" else "green" if source == "seed" else ""
        table.add_row(name, format_duration(value), Text(source, style=style), Text(meaning))
    out.print(table)
    out.print(
        "seed: stated by Cisco's documentation; assumption: chosen by slpsim. "
        "Override per scenario with `timing:`.",
        markup=False,
    )


# ---------------------------------------------------------------------- the lab


@app.command()
def lab(
    topology: Annotated[str, typer.Option(help="One of the six topologies.")] = "direct",
    switches: Annotated[int, typer.Option(min=1, max=1000, help="How many switches.")] = 2,
    rate: Annotated[
        float, typer.Option(min=0, help="Virtual seconds per real second (0 stops time).")
    ] = 1.0,
    state_dir: Annotated[
        Path | None, typer.Option(help="Keep the lab's state here across restarts.")
    ] = None,
    control_port: Annotated[int, typer.Option(help="Port of the control API.")] = 8080,
    host: Annotated[
        str, typer.Option(help="Address every listener binds to (loopback unless told).")
    ] = "127.0.0.1",
    ssh_port_base: Annotated[
        int, typer.Option(help="SSH port of the first switch (then +1 each); 0: any free.")
    ] = 2201,
    nxapi_port_base: Annotated[
        int, typer.Option(help="NX-API port of the first switch (then +1 each); 0: any free.")
    ] = 8201,
    backend_port_base: Annotated[
        int, typer.Option(help="Port of the first back end (cslu, cssm, onprem); 0: any free.")
    ] = 0,
    username: Annotated[str, typer.Option(help="SSH and NX-API user.")] = "admin",
    password: Annotated[
        str | None,
        typer.Option(
            help="SSH and NX-API password (default admin). Visible in `ps`: prefer "
            "--password-file or $SLPSIM_PASSWORD.",
            show_default=False,
        ),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(help="Read the SSH and NX-API password from this file's first line."),
    ] = None,
    control_token: Annotated[
        str | None,
        typer.Option(
            help="Require this bearer token on every operator route (control API, back ends' "
            "/_sim). Visible in `ps`: prefer --control-token-file or $SLPSIM_CONTROL_TOKEN.",
        ),
    ] = None,
    control_token_file: Annotated[
        Path | None,
        typer.Option(help="Read the control token from this file's first line."),
    ] = None,
) -> None:
    """Start a lab: back ends, switches with SSH and NX-API, and the control API, on 127.0.0.1."""
    from sim.lab.lab import Lab, LabOptions
    from sim.lab.serve import serve_lab

    err = _console(stderr=True)
    try:
        password_given = _secret(password, password_file, "SLPSIM_PASSWORD", "--password-file")
        control_token = _secret(
            control_token, control_token_file, "SLPSIM_CONTROL_TOKEN", "--control-token-file"
        )
    except ValueError as exc:
        err.print(f"slpsim lab: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    try:
        the_lab = Lab(
            LabOptions(
                topology=topology,
                switches=switches,
                rate=rate,
                host=host,
                state_dir=state_dir,
                control_port=control_port,
                ssh_port_base=ssh_port_base,
                nxapi_port_base=nxapi_port_base,
                backend_port_base=backend_port_base,
                username=username,
                password="admin" if password_given is None else password_given,
                control_token=control_token,
            )
        )
    except ValueError as exc:
        err.print(f"slpsim lab: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    # Every port is tried before anything starts: a taken one is one line, not a traceback.
    taken = _taken_port(the_lab)
    if taken is None:
        try:
            serve_lab(the_lab, _console())
        except OSError as exc:
            taken = _port_error(the_lab, exc)
            if taken is None:
                raise
    if taken is not None:
        if the_lab.store is not None:
            the_lab.store.close()
        err.print(f"slpsim: {taken}", style="red", markup=False)
        raise typer.Exit(2)


def _secret(given: str | None, path: Path | None, variable: str, option: str) -> str | None:
    """A secret from the command line, else its file, else its environment variable."""
    if given is not None:
        return given
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{option}: cannot read {path}: {exc}") from None
        lines = text.splitlines()
        if not lines or not lines[0].strip():
            raise ValueError(f"{option}: {path} is empty")
        return lines[0].strip()
    return os.environ.get(variable) or None


def _port_roles(the_lab: Lab) -> list[tuple[int, str]]:
    """Every fixed port the lab will listen on, with the option that chooses it."""
    opts = the_lab.options
    roles = [(opts.control_port, "--control-port")]
    for base, option, count in (
        (opts.backend_port_base, "--backend-port-base", 3),
        (opts.nxapi_port_base, "--nxapi-port-base", opts.switches),
        (opts.ssh_port_base, "--ssh-port-base", opts.switches),
    ):
        if base:
            roles += [(base + n, option) for n in range(count)]
    return [(port, option) for port, option in roles if port]


def _in_use_line(host: str, port: int, option: str) -> str:
    return f"port {port} on {host} is already in use; choose another with {option}"


def _taken_port(the_lab: Lab) -> str | None:
    from sim.lab.listeners import taken_port

    roles = _port_roles(the_lab)
    error = taken_port(the_lab.options.host, [port for port, _ in roles])
    if error is None:
        return None
    option = next(option for port, option in roles if port == error.port)
    if error.in_use:
        return _in_use_line(error.host, error.port, option)
    return f"cannot listen on {error.host}:{error.port} ({error.reason}); check {option}"


def _port_error(the_lab: Lab, exc: OSError) -> str | None:
    """One line for a port taken after the check (a race), or None if `exc` is another error."""
    import errno

    from sim.lab.listeners import PortInUseError

    if isinstance(exc, PortInUseError):
        option = dict(_port_roles(the_lab)).get(exc.port, "")
        return _in_use_line(exc.host, exc.port, option or "another port option")
    if exc.errno == errno.EADDRINUSE:
        return f"a port of the lab on {the_lab.options.host} is already in use ({exc.strerror})"
    return None


ControlUrl = Annotated[
    str | None,
    typer.Option("--control", help="The lab's control API (default $SLPSIM_CONTROL or :8080)."),
]


def _control(url: str | None, call: Callable[[ControlClient], object]) -> object:
    from sim.lab.control_client import ControlClient, ControlError

    client = ControlClient(url)
    try:
        return call(client)
    except ControlError as exc:
        _console(stderr=True).print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        client.close()


clock_app = typer.Typer(help="Show or move the lab's virtual clock.", invoke_without_command=True)
fault_app = typer.Typer(help="Break and mend things in a running lab.", no_args_is_help=True)
app.add_typer(clock_app, name="clock")
app.add_typer(fault_app, name="fault")


@clock_app.callback()
def clock(ctx: typer.Context, control: ControlUrl = None) -> None:
    """Show the lab's virtual time (`slpsim clock advance 4h` moves it)."""
    ctx.obj = control
    if ctx.invoked_subcommand is None:
        view = _control(control, lambda c: c.clock())
        assert isinstance(view, dict)
        _console().print(f"{view['now']}  (rate {view['rate']:g}x)", markup=False)


@clock_app.command("advance")
def clock_advance(
    ctx: typer.Context,
    duration: Annotated[str, typer.Argument(help="How far: 90s, 15m, 4h, 30d, 1h30m.")],
) -> None:
    """Jump virtual time forward, running everything due on the way."""
    try:
        delta = parse_duration(duration)
    except ValueError as exc:
        _console(stderr=True).print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    view = _control(ctx.obj, lambda c: c.advance(delta.total_seconds()))
    assert isinstance(view, dict)
    _console().print(f"{view['now']}", markup=False)


@fault_app.command("add")
def fault_add(
    target: Annotated[str, typer.Argument(help="cssm, cslu, onprem, dns, ntp or a switch.")],
    kind: Annotated[str, typer.Argument(help="unreachable, dns, http-404, slow, ...")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value, e.g. seconds=90 or offset=-2h"),
    ] = None,
    control: ControlUrl = None,
) -> None:
    """Add a fault; prints its id."""
    params = _params(param)
    fault_id = _control(control, lambda c: c.add_fault(target, kind, params))
    _console().print(str(fault_id), markup=False)


@fault_app.command("list")
def fault_list(control: ControlUrl = None) -> None:
    """List the faults in effect."""
    faults = _control(control, lambda c: c.faults())
    assert isinstance(faults, list)
    table = Table("id", "target", "kind", "params", box=None, header_style="bold")
    for f in faults:
        params = " ".join(f"{k}={v}" for k, v in f.get("params", {}).items())
        table.add_row(str(f["id"]), f["target"], f["kind"], params)
    _console().print(table)


@fault_app.command("clear")
def fault_clear(
    fault_id: Annotated[int | None, typer.Argument(help="One fault's id; none: all.")] = None,
    control: ControlUrl = None,
) -> None:
    """Remove one fault, or all of them."""
    if fault_id is None:
        removed = _control(control, lambda c: c.clear_faults())
        _console().print(f"removed {removed} fault(s)", markup=False)
    else:
        _control(control, lambda c: c.remove_fault(fault_id))
        _console().print(f"removed fault {fault_id}", markup=False)


@app.command()
def token(
    issuer: Annotated[str, typer.Option(help="cssm or onprem.")] = "cssm",
    virtual_account: Annotated[str | None, typer.Option(help="Default: Default.")] = None,
    control: ControlUrl = None,
) -> None:
    """Ask the lab's CSSM (or On-Prem) for an ID token."""
    text = _control(control, lambda c: c.token(issuer, virtual_account))
    _console().print(str(text), markup=False)


@app.command("switches")
def switches_(control: ControlUrl = None) -> None:
    """The lab's switches: UDI, SSH and NX-API ports, credentials."""
    rows = _control(control, lambda c: c.switches())
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
    out = _console()
    for line in lines:
        out.print(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip(), markup=False
        )


def _params(items: list[str] | None) -> dict[str, str]:
    params = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _console(stderr=True).print(f"slpsim: expected key=value, got {item!r}", markup=False)
            raise typer.Exit(2)
        params[key] = value
    return params


@app.command()
def action(
    target: Annotated[str, typer.Argument(help="cssm, cslu or onprem.")],
    name: Annotated[str, typer.Argument(help="e.g. download-all-for-cisco, upload-usage-data.")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value, e.g. file=usage.tar.gz"),
    ] = None,
    control: ControlUrl = None,
) -> None:
    """Do what a person does in a back end's UI (list: scenarios/README.md)."""
    params = _params(param)
    result = _control(control, lambda c: c.action(target, name, params))
    if result is not None:
        _console().print(str(result), markup=False)


file_app = typer.Typer(help="Files in the lab's operator workspace.", no_args_is_help=True)
app.add_typer(file_app, name="file")


@file_app.command("put")
def file_put(
    name: Annotated[str, typer.Argument(help="Name in the workspace.")],
    path: Annotated[Path, typer.Argument(help="Local file to send.", exists=True, dir_okay=False)],
    control: ControlUrl = None,
) -> None:
    """Put a local file into the workspace (e.g. an ACK downloaded from the real CSSM)."""
    data = path.read_bytes()
    _control(control, lambda c: c.put_file(name, data))
    _console().print(f"put {name} ({len(data)} bytes)", markup=False)


@file_app.command("get")
def file_get(
    name: Annotated[str, typer.Argument(help="Name in the workspace.")],
    path: Annotated[Path, typer.Argument(help="Where to write it.", dir_okay=False)],
    control: ControlUrl = None,
) -> None:
    """Copy a workspace file to a local file."""
    data = _control(control, lambda c: c.get_file(name))
    assert isinstance(data, bytes)
    path.write_bytes(data)
    _console().print(f"wrote {path} ({len(data)} bytes)", markup=False)


@app.command()
def syslog(
    switch: Annotated[str | None, typer.Option(help="One switch; default: all.")] = None,
    since: Annotated[
        str | None, typer.Option(help="ISO-8601 time, e.g. 2026-01-05T09:00Z.")
    ] = None,
    control: ControlUrl = None,
) -> None:
    """Print the lab's syslog lines."""
    lines = _control(control, lambda c: c.syslog(switch, since))
    assert isinstance(lines, list)
    for line in lines:
        _console().print(line, markup=False)


@app.command()
def incidents(
    since: Annotated[int, typer.Option(min=0, help="Only incidents after this id.")] = 0,
    detail: Annotated[bool, typer.Option("--detail", help="Print each traceback too.")] = False,
    control: ControlUrl = None,
) -> None:
    """Failures the lab contained instead of stopping: id, virtual time, where, what."""
    rows = _control(control, lambda c: c.incidents(since))
    assert isinstance(rows, list)
    out = _console()
    if not rows:
        out.print("no incidents", markup=False)
    for row in rows:
        out.print(f"{row['id']}  {row['at']}  {row['where']}  {row['summary']}", markup=False)
        if detail:
            out.print(row["detail"], markup=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
