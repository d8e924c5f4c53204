"""The `slpsim` command: scenarios (`run`, `list`, `timing`), the lab (`lab`), and thin
clients of a running lab's control API (`clock`, `fault`, `token`, `switches`, `syslog`,
`action`, `file`, `incidents`).
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperArgument

from sim.scenario.model import TOPOLOGIES, load_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.report import (
    ReportError,
    prepare_junit,
    print_result,
    print_summary,
    results_to_json,
    write_junit,
)
from sim.scenario.result import ScenarioResult
from sim.scenario.runner import scenario_files
from sim.scenario.selection import SelectionError, compile_expression
from sim.scenario.shipped import copy_shipped, shipped_folder
from sim.scenario.suite import MAX_JOBS, Entry, load_suite, run_suite, select
from sim.timing import DEFAULT_TIMING, TIMING_NOTES, format_duration, parse_duration

if TYPE_CHECKING:
    from sim.lab.control_client import ControlClient
    from sim.lab.lab import Lab
    from sim.lab.recorder import LabRecorder

DEFAULT_SCENARIOS = Path("scenarios")


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

Paths = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="PATH",
        help="Scenario files or folders (every *.yaml inside). Default: ./scenarios if it "
        "exists, else the scenarios shipped with slpsim.",
        show_default=False,
    ),
]


def _console(*, stderr: bool = False) -> Console:
    # Created per command, so it writes to whatever sys.stdout is then (CliRunner swaps it).
    return Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    _console(stderr=True).print(f"slpsim: {message}", style="red", markup=False)
    return typer.Exit(code)


def _default_paths() -> list[Path]:
    # The repository (and `slpsim scenarios copy scenarios`) has ./scenarios; anywhere else
    # the shipped set is what a newcomer means.
    return [DEFAULT_SCENARIOS] if DEFAULT_SCENARIOS.is_dir() else [shipped_folder()]


def _files(paths: list[Path] | None, console: Console) -> list[Path]:
    chosen = paths or _default_paths()
    try:
        files = scenario_files(chosen)
    except FileNotFoundError as exc:
        console.print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    if not files:
        shown = ", ".join(str(p) for p in chosen)
        console.print(f"slpsim: no scenario files (*.yaml) in {shown}", style="red", markup=False)
        raise typer.Exit(1)
    return files


@app.command()
def run(
    paths: Paths = None,
    keyword: Annotated[
        str | None,
        typer.Option(
            "-k",
            metavar="EXPR",
            help="Only scenarios whose name contains a word, or whose topology or a tag is "
            "it: -k direct, -k 'trust and not ntp', -k 'cslu or onprem'. Files that do not "
            "load are always reported.",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            max=MAX_JOBS,
            metavar="N",
            help="Run N scenarios at once, each in its own process; results and reports "
            "are the same as with 1, in the same order.",
        ),
    ] = 1,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate", help="Only load every file and print every problem; run nothing."
        ),
    ] = False,
    fail_fast: Annotated[
        bool, typer.Option("--fail-fast", "-x", help="Stop at the first scenario that fails.")
    ] = False,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            help="Also write JUnit XML to this file (missing folders are created).",
            dir_okay=False,
        ),
    ] = None,
    narrate: Annotated[
        bool,
        typer.Option("--narrate", help="Tell each scenario's story as it runs (for trainers)."),
    ] = False,
    step: Annotated[
        bool,
        typer.Option(
            "--step",
            help="With --narrate at a terminal: wait for Enter before each step (one job).",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document with every result.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write one self-contained HTML page: a summary, then per scenario a "
            "timeline, every check, the transcript and the syslog.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Run scenario files; exit status 0 only if every scenario passes."""
    out = _console()
    # Only someone at a terminal can press Enter; piped or in CI, --step changes nothing.
    pausing = step and narrate and sys.stdin.isatty()
    if pausing:
        jobs = 1
    # With --json, stdout carries the document alone; the story goes to stderr.
    story = _console(stderr=True) if as_json else out
    try:
        predicate = None if keyword is None else compile_expression(keyword)
    except SelectionError as exc:
        raise _fail(str(exc)) from None
    files = _files(paths, _console(stderr=True))
    entries = select(load_suite(files), predicate)
    if validate:
        _report_validation(out, entries)
    if not entries:
        raise _fail(f"-k {keyword!r} picks none of the {len(files)} scenario files", 1)
    if junit is not None:
        try:
            prepare_junit(junit)
        except ReportError as exc:
            raise _fail(str(exc)) from None

    def tell(line: str) -> None:
        # A syslog line is coloured by its severity, as `slpsim syslog` prints it.
        style = _severity_style(_line_severity(line)) if "📜" in line else ""
        nonlocal pausing
        if pausing and _STEP_LINE.match(line):
            try:
                input()  # the Enter a trainer presses when the class is ready for the next step
            except EOFError:
                pausing = False  # Ctrl-D: play the rest without stopping
        story.print(line, style=style, markup=False)

    def show(result: ScenarioResult, lines: list[str]) -> None:
        for line in lines:
            tell(line)
        if not as_json:
            print_result(out, result)
            if narrate:
                out.print()

    results = run_suite(
        entries,
        jobs=jobs,
        fail_fast=fail_fast,
        narrate=tell if narrate else None,
        on_result=show,
    )
    if as_json:
        out.print(results_to_json(results), markup=False)
    else:
        print_summary(out, results)
        if len(results) < len(entries):
            out.print(
                f"--fail-fast: stopped after the first failure; "
                f"{len(entries) - len(results)} scenario(s) not run",
                markup=False,
            )
    if junit is not None:
        try:
            write_junit(results, junit)
        except ReportError as exc:
            raise _fail(str(exc)) from None
    if html is not None:
        from sim.scenario.html_report import write_html

        try:
            write_html(results, html)
        except OSError as exc:
            raise _fail(f"cannot write {html}: {exc.strerror or exc}") from None
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


def _report_validation(out: Console, entries: list[Entry]) -> None:
    broken = [e for e in entries if e.error is not None]
    for entry in broken:
        out.print(Text(str(entry.error), style="red"))
    valid = len(entries) - len(broken)
    summary = f"{valid} valid"
    if broken:
        problems = sum(len(e.error.problems) for e in broken if e.error is not None)
        summary += f", {len(broken)} invalid ({problems} problem(s))"
    out.print(summary, markup=False)
    raise typer.Exit(1 if broken else 0)


@app.command("list")
def list_(paths: Paths = None) -> None:
    """List scenario files: name, topology, steps, and the title below."""
    out = _console()
    rows: list[tuple[str, str, str, str]] = []
    broken: list[ScenarioError] = []
    for path in _files(paths, _console(stderr=True)):
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            broken.append(exc)
            rows.append((path.stem, "-", "-", "✘ invalid (see below)"))
            continue
        tags = f"  [{', '.join(scenario.tags)}]" if scenario.tags else ""
        rows.append(
            (scenario.name, scenario.topology, str(len(scenario.steps)), scenario.title + tags)
        )
    # Names are what people type: always whole, on their own line; the title wraps below.
    name_width = max(len("name"), *(len(r[0]) for r in rows))
    topology_width = max(len("topology"), *(len(r[1]) for r in rows))
    out.print(
        Text(f"{'name'.ljust(name_width)}  {'topology'.ljust(topology_width)}  steps"),
        style="bold",
    )
    for name, topology, steps, title in rows:
        out.print(
            f"{name.ljust(name_width)}  {topology.ljust(topology_width)}  {steps}".rstrip(),
            markup=False,
            soft_wrap=True,
        )
        style = "red" if topology == "-" else "dim"
        width = max(out.width, 40)
        wrapped = textwrap.fill(title, width, initial_indent="    ", subsequent_indent="    ")
        out.print(Text(wrapped, style=style), soft_wrap=True)
    for error in broken:
        out.print(Text(str(error), style="red"))
    raise typer.Exit(1 if broken else 0)


scenarios_app = typer.Typer(
    rich_markup_mode=None, help="The scenario files shipped with slpsim.", no_args_is_help=True
)
app.add_typer(scenarios_app, name="scenarios")


@scenarios_app.command("copy")
def scenarios_copy(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER", help="Where to put them (created if missing; nothing is overwritten)."
        ),
    ],
) -> None:
    """Copy the shipped scenario files and their README into FOLDER, to start your own."""
    try:
        copied = copy_shipped(folder)
    except (FileExistsError, OSError) as exc:
        raise _fail(str(exc)) from None
    _console().print(
        f"copied {len(copied)} files into {folder}; run them with `slpsim run {folder}`",
        markup=False,
    )


@scenarios_app.command("path")
def scenarios_path() -> None:
    """Print the folder holding the shipped scenario files."""
    _console().print(str(shipped_folder()), markup=False)


@app.command()
def timing() -> None:
    """Show the timing profile: defaults, and which are Cisco's and which are assumptions."""
    out = _console()
    table = Table("setting", "default", "from", "meaning", box=None, header_style="bold")
    for name, value in DEFAULT_TIMING.model_dump().items():
        source, _, meaning = TIMING_NOTES.get(name, "").partition(": ")
        style = "yellow" if source == "assumption" else "green" if source == "seed" else ""
        shown = str(value) if isinstance(value, int) else format_duration(value)
        table.add_row(name, shown, Text(source, style=style), Text(meaning))
    out.print(table)
    out.print(
        "seed: stated by Cisco's documentation; assumption: chosen by slpsim. "
        "Override per scenario with `timing:`.",
        markup=False,
    )


@app.command()
def fleet(
    switches: Annotated[str, typer.Option(metavar="N", help="How many switches.")] = "1000",
    period: Annotated[
        str, typer.Option(metavar="DURATION", help="Virtual time to run: 30d, 365d, 4w.")
    ] = "365d",
    topology: Annotated[
        str,
        typer.Option(
            metavar="TOPOLOGY",
            help="direct, cslu or onprem (sharded); cslu-disconnected, onprem-disconnected or "
            "offline (one process).",
        ),
    ] = "direct",
    processes: Annotated[
        str,
        typer.Option(
            metavar="N|auto",
            help="Shards, one process each; auto: one per core, 250 switches or more each.",
        ),
    ] = "auto",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON document.")
    ] = False,
) -> None:
    """Run N switches for a period across every core and summarise what they reported.

    Each shard is its own simulation with its own back ends; back-end totals are summed.
    """
    import json

    from sim.fleet import BarWatcher, FleetError, LineWatcher, plan_fleet, run_fleet

    try:
        span = parse_duration(period)
    except ValueError as exc:
        raise _fail(f"--period: {exc}") from None
    try:
        size = int(switches)
    except ValueError:
        raise _fail(f"--switches is a whole number, got {switches!r}") from None
    count: int | None = None
    if processes != "auto":
        try:
            count = int(processes)
        except ValueError:
            raise _fail(f"--processes is auto or a number, got {processes!r}") from None
    try:
        plan = plan_fleet(switches=size, period=span, topology=topology, processes=count)
    except FleetError as exc:
        raise _fail(str(exc)) from None
    err = _console(stderr=True)
    try:
        if err.is_terminal:
            with BarWatcher(plan, err) as bars:
                summary = run_fleet(plan, watcher=bars)
        else:
            summary = run_fleet(plan, watcher=LineWatcher(plan, err.out))
    except FleetError as exc:
        raise _fail(str(exc), 1) from None
    except KeyboardInterrupt:
        raise _fail("fleet stopped before its shards reported", 130) from None
    if json_output:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        out = _console()
        for line in summary.lines():
            out.print(line, markup=False)
    raise typer.Exit(130 if summary.cancelled else 0)


# ---------------------------------------------------------------------- the lab


@app.command()
def lab(
    topology: Annotated[
        str,
        typer.Option(
            metavar="TOPOLOGY", help=f"One of the six topologies: {', '.join(TOPOLOGIES)}."
        ),
    ] = "direct",
    switches: Annotated[
        int, typer.Option(metavar="N", min=1, max=1000, help="How many switches.")
    ] = 2,
    rate: Annotated[
        float | None,
        typer.Option(
            metavar="RATE",
            min=0,
            help="Virtual seconds per real second (0 stops time). Default: the rate the "
            "state dir was last run at, else 1.",
            show_default=False,
        ),
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option(metavar="DIR", help="Keep the lab's state here across restarts.")
    ] = None,
    control_port: Annotated[
        int, typer.Option(metavar="PORT", help="Port of the control API.")
    ] = 8080,
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS", help="Address every listener binds to (loopback unless told)."
        ),
    ] = "127.0.0.1",
    ssh_port_base: Annotated[
        int,
        typer.Option(
            metavar="PORT",
            help="SSH port of the first switch (then +1 each; with --switch-addresses every "
            "switch's); 0: any free.",
        ),
    ] = 2201,
    nxapi_port_base: Annotated[
        int,
        typer.Option(
            metavar="PORT",
            help="NX-API port of the first switch (then +1 each; with --switch-addresses every "
            "switch's); 0: any free.",
        ),
    ] = 8201,
    switch_addresses: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Give each switch a loopback address of its own, from this one (127.0.1.1: "
            "leaf1 on 127.0.1.1, leaf2 on 127.0.1.2, ...), all on the same SSH and NX-API ports.",
        ),
    ] = None,
    ssh_config: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write an OpenSSH client config for the switches here (`ssh -F FILE leaf1`, "
            "netmiko's ssh_config_file). Default: ssh_config in the state dir, if any.",
            dir_okay=False,
        ),
    ] = None,
    backend_port_base: Annotated[
        int,
        typer.Option(
            metavar="PORT", help="Port of the first back end (cslu, cssm, onprem); 0: any free."
        ),
    ] = 0,
    jump_over_http: Annotated[
        bool,
        typer.Option(
            "--jump-over-http",
            help="During clock jumps, switches reach the back ends over HTTP as in real time "
            "(slower; by default a jump hands their messages to the back ends in-process).",
        ),
    ] = False,
    username: Annotated[str, typer.Option(metavar="NAME", help="SSH and NX-API user.")] = "admin",
    password: Annotated[
        str | None,
        typer.Option(
            metavar="PASSWORD",
            help="SSH and NX-API password (default admin). Visible in `ps`: prefer "
            "--password-file or $SLPSIM_PASSWORD.",
            show_default=False,
        ),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Read the SSH and NX-API password from this file's first line."
        ),
    ] = None,
    control_token: Annotated[
        str | None,
        typer.Option(
            metavar="TOKEN",
            help="Require this bearer token on every operator route (control API, back ends' "
            "/_sim). Visible in `ps`: prefer --control-token-file or $SLPSIM_CONTROL_TOKEN.",
        ),
    ] = None,
    control_token_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Read the control token from this file's first line."),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Build the lab from this scenario (topology, switches, start, timing) and "
            "play its steps before handing it over.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            metavar="STEP",
            help="With --scenario: stop after this step, by number (1-based) or by its label "
            "(`advance 4h`, `fault dns unreachable`) or the label's start. Default: all.",
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write what happens in the lab as a scenario file that `slpsim run` replays "
            "(every few seconds, and when the lab stops).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Start a lab: back ends, switches with SSH and NX-API, and the control API, on 127.0.0.1."""
    from sim.lab.lab import Lab, LabOptions
    from sim.lab.recorder import LabRecorder
    from sim.lab.serve import serve_lab
    from sim.lab.staging import StagingError, load_stage, stage_on_start, staged_options
    from sim.lab.state_store import StateError

    err = _console(stderr=True)
    try:
        password_given = _secret(password, password_file, "SLPSIM_PASSWORD", "--password-file")
        control_token = _secret(
            control_token, control_token_file, "SLPSIM_CONTROL_TOKEN", "--control-token-file"
        )
    except ValueError as exc:
        err.print(f"slpsim lab: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    options = LabOptions(
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
        switch_addresses=switch_addresses,
        ssh_config=ssh_config,
        jump_over_http=jump_over_http,
    )
    if ssh_config is not None and not ssh_config.parent.is_dir():
        err.print(
            f"slpsim lab: --ssh-config: {ssh_config.parent} is not a directory",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    stage = None
    try:
        if until is not None and scenario is None:
            raise StagingError("--until needs --scenario FILE")
        if scenario is not None:
            stage = load_stage(scenario, until)
            options = staged_options(stage, options)
        the_lab = Lab(options)
    except (ValueError, StateError) as exc:
        err.print(f"slpsim lab: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    if the_lab.resumed and (stage is not None or record is not None):
        if the_lab.store is not None:
            the_lab.store.close()
        what = "--scenario" if stage is not None else "--record"
        err.print(
            f"slpsim lab: {what} starts from a new lab, but {state_dir} holds one; "
            "give an empty --state-dir",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    if stage is not None:
        stage_on_start(the_lab, stage, lambda line: _console().print(line, markup=False))
    recorder = LabRecorder(the_lab, record) if record is not None else None
    if recorder is not None:
        if stage is not None:
            recorder.continue_from(stage)  # the staged steps open the recording
        recorder.save_while_running()
    # Every port is tried before anything starts: a taken one is one line, not a traceback.
    taken = _taken_port(the_lab)
    if taken is None:
        try:
            serve_lab(the_lab, _console())
        except StateError as exc:
            recorder = None  # the lab never ran: nothing to record
            # Found while restoring (a damaged or hand-edited state dir): one line, no traceback.
            err.print(f"slpsim lab: {exc}", style="red", markup=False)
            raise typer.Exit(2) from None
        except OSError as exc:
            recorder = None
            taken = _port_error(the_lab, exc)
            if taken is None:
                raise
        except SystemExit:
            # A failed commit stopped the lab: what was done until then is still kept.
            if recorder is not None:
                _write_recording(recorder, stopping=True)
            raise
        if recorder is not None:
            _write_recording(recorder)
    if taken is not None:
        if the_lab.store is not None:
            the_lab.store.close()
        err.print(f"slpsim: {taken}", style="red", markup=False)
        raise typer.Exit(2)


def _write_recording(recorder: LabRecorder, *, stopping: bool = False) -> None:
    from sim.lab.recorder import RecordError

    try:
        steps = recorder.write()
    except RecordError as exc:
        _console(stderr=True).print(f"slpsim lab: --record: {exc}", style="red", markup=False)
        if stopping:
            return  # the lab's own exit status says why it stopped
        raise typer.Exit(1) from None
    _console().print(
        f"recorded {steps} step(s) in {recorder.path}; replay: slpsim run {recorder.path}",
        markup=False,
    )


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
    """Every fixed port the lab will listen on (on --host), with the option that chooses it."""
    opts = the_lab.options
    roles = [(opts.control_port, "--control-port")]
    bases = [(opts.backend_port_base, "--backend-port-base", 3)]
    if opts.switch_addresses is None:
        bases += [
            (opts.nxapi_port_base, "--nxapi-port-base", opts.switches),
            (opts.ssh_port_base, "--ssh-port-base", opts.switches),
        ]
    for base, option, count in bases:
        if base:
            roles += [(base + n, option) for n in range(count)]
    return [(port, option) for port, option in roles if port]


def _switch_port_roles(the_lab: Lab) -> list[tuple[str, int, str]]:
    """With --switch-addresses: each switch's fixed ports on its own address."""
    opts = the_lab.options
    if opts.switch_addresses is None:
        return []
    return [
        (host, port, option)
        for host in the_lab.switch_hosts
        for port, option in (
            (opts.nxapi_port_base, "--nxapi-port-base"),
            (opts.ssh_port_base, "--ssh-port-base"),
        )
        if port
    ]


def _in_use_line(host: str, port: int, option: str) -> str:
    return f"port {port} on {host} is already in use; choose another with {option}"


def _taken_port(the_lab: Lab) -> str | None:
    from sim.lab.listeners import taken_port

    roles = _port_roles(the_lab)
    error = taken_port(the_lab.options.host, [port for port, _ in roles])
    option = next((option for port, option in roles if error and port == error.port), "")
    for host, port, switch_option in _switch_port_roles(the_lab):
        if error is not None:
            break
        error, option = taken_port(host, [port]), switch_option
    if error is None:
        return None
    if error.in_use:
        return _in_use_line(error.host, error.port, option)
    return f"cannot listen on {error.host}:{error.port} ({error.reason}); check {option}"


def _port_error(the_lab: Lab, exc: OSError) -> str | None:
    """One line for a port taken after the check (a race), or None if `exc` is another error."""
    import errno

    from sim.lab.listeners import PortInUseError

    if isinstance(exc, PortInUseError):
        roles = [(port, option) for _, port, option in _switch_port_roles(the_lab)]
        option = dict(_port_roles(the_lab) + roles).get(exc.port, "")
        return _in_use_line(exc.host, exc.port, option or "another port option")
    if exc.errno == errno.EADDRINUSE:
        return f"a port of the lab on {the_lab.options.host} is already in use ({exc.strerror})"
    return None


ControlUrl = Annotated[
    str | None,
    typer.Option(
        "--control", metavar="URL", help="The lab's control API (default $SLPSIM_CONTROL or :8080)."
    ),
]


def _control(
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
        _console(stderr=True).print(f"slpsim: {message}", style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        client.close()


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


clock_app = typer.Typer(
    rich_markup_mode=None, help="Show or move the lab's virtual clock.", invoke_without_command=True
)
fault_app = typer.Typer(
    rich_markup_mode=None, help="Break and mend things in a running lab.", no_args_is_help=True
)
app.add_typer(clock_app, name="clock")
app.add_typer(fault_app, name="fault")


@clock_app.callback()
def clock(ctx: typer.Context, control: ControlUrl = None) -> None:
    """Show the lab's virtual time (`slpsim clock advance 4h` moves it)."""
    ctx.obj = control
    if ctx.invoked_subcommand is None:
        view = _control(control, lambda c: c.clock())
        assert isinstance(view, dict)
        jump = view.get("jump")
        if jump:
            shown = f"jumping to {jump['to']}: {jump['fraction']:.0%}, {jump['events']} events"
            _console().print(f"{view['now']}  ({shown})", markup=False)
            return
        _console().print(f"{view['now']}  (rate {view['rate']:g}x)", markup=False)


@clock_app.command("advance")
def clock_advance(
    ctx: typer.Context,
    duration: Annotated[
        str, typer.Argument(metavar="DURATION", help="How far: 90s, 15m, 4h, 30d, 1h30m.")
    ],
) -> None:
    """Jump virtual time forward, running everything due on the way.

    Shows the jump's progress while it runs; Ctrl-C cancels it where it got to."""
    try:
        delta = parse_duration(duration)
    except ValueError as exc:
        _console(stderr=True).print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    view = _control(ctx.obj, lambda c: _follow_jump(c, delta.total_seconds()))
    assert isinstance(view, dict)
    if view.get("cancelled"):
        _console().print(f"{view['now']}  (cancelled: time stopped here)", markup=False)
        raise typer.Exit(130)
    _console().print(f"{view['now']}", markup=False)


# How often `clock advance` asks the lab how far its jump got.
JUMP_POLL_SECONDS = 0.2


def _follow_jump(client: ControlClient, seconds: float) -> dict[str, object]:
    """Start a background jump, draw its progress until it ends; Ctrl-C cancels it."""
    from datetime import datetime

    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from sim.clock import wait_real
    from sim.lab.control_client import ControlError

    columns = (
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[now]}"),
        TextColumn("{task.fields[events]} events"),
    )
    try:
        with Progress(*columns, console=_console(stderr=True), transient=True) as bar:
            started = client.advance(seconds, wait=False)
            jump = started["jump"]
            task = bar.add_task("jump", total=1.0, now=jump["now"], events=0)
            while True:
                view = client.clock()
                now = view.get("jump")
                if now is None or (now["from"], now["to"]) != (jump["from"], jump["to"]):
                    # Ended (or ended and another began): where it stopped, and whether early.
                    reached = datetime.fromisoformat(view["now"])
                    return {**view, "cancelled": reached < datetime.fromisoformat(jump["to"])}
                bar.update(task, completed=now["fraction"], now=now["now"], events=now["events"])
                wait_real(JUMP_POLL_SECONDS)
    except KeyboardInterrupt:
        try:
            return client.cancel_advance()
        except ControlError as exc:
            if exc.status != 404:
                raise
            return {**client.clock(), "cancelled": False}  # it ended before the Ctrl-C


@clock_app.command("pause")
def clock_pause(ctx: typer.Context) -> None:
    """Stop virtual time flowing with real time (`advance` still jumps it)."""
    view = _control(ctx.obj, lambda c: c.pause())
    assert isinstance(view, dict)
    _console().print(f"{view['now']}  (paused)", markup=False)


@clock_app.command("resume")
def clock_resume(ctx: typer.Context) -> None:
    """Let virtual time flow again at the rate it had before the pause."""
    view = _control(ctx.obj, lambda c: c.resume())
    assert isinstance(view, dict)
    _console().print(f"{view['now']}  (rate {view['rate']:g}x)", markup=False)


@clock_app.command("rate")
def clock_rate(
    ctx: typer.Context,
    rate: Annotated[
        float,
        typer.Argument(
            metavar="RATE", help="Virtual seconds per real second, 0 to 1000000 (0 pauses)."
        ),
    ],
) -> None:
    """Set how fast virtual time flows from now on (kept across a restart with a state dir)."""
    if not 0 <= rate <= 1e6:  # also refuses nan
        _console(stderr=True).print(
            f"slpsim: the rate must be a number from 0 to 1000000, got {rate:g}",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    view = _control(ctx.obj, lambda c: c.set_rate(rate))
    assert isinstance(view, dict)
    _console().print(f"{view['now']}  (rate {view['rate']:g}x)", markup=False)


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
    params = _params(param)
    fault_id = _control(control, lambda c: c.add_fault(target, kind, params), _fault_hint)
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
    fault_id: Annotated[
        int | None, typer.Argument(metavar="ID", help="One fault's id; none: all.")
    ] = None,
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
    issuer: Annotated[str, typer.Option(metavar="ISSUER", help="cssm or onprem.")] = "cssm",
    virtual_account: Annotated[
        str | None, typer.Option(metavar="ACCOUNT", help="Default: Default.")
    ] = None,
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
    params = _params(param)
    result = _control(control, lambda c: c.action(target, name, params))
    if result is not None:
        _console().print(str(result), markup=False)


file_app = typer.Typer(
    rich_markup_mode=None, help="Files in the lab's operator workspace.", no_args_is_help=True
)
app.add_typer(file_app, name="file")


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
    _control(control, lambda c: c.put_file(name, data))
    _console().print(f"put {name} ({len(data)} bytes)", markup=False)


@file_app.command("get")
def file_get(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Name in the workspace.")],
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="Where to write it.", dir_okay=False)
    ],
    control: ControlUrl = None,
) -> None:
    """Copy a workspace file to a local file."""
    data = _control(control, lambda c: c.get_file(name))
    assert isinstance(data, bytes)
    path.write_bytes(data)
    _console().print(f"wrote {path} ({len(data)} bytes)", markup=False)


@app.command()
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
    out = _console()
    if follow:
        _follow_syslog(out, control, switch, since)
        return
    lines = _control(control, lambda c: c.syslog(switch, since))
    assert isinstance(lines, list)
    for line in lines:
        out.print(line, style=_severity_style(_line_severity(line)), markup=False)


# Each step of a narrated scenario opens with its virtual time: `[2026-02-04 14:00] ...`.
_STEP_LINE = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d")

# NX-OS severities, 0 the most severe; informational (6) and below print plain.
_SEVERITY_STYLES = {0: "bold red", 1: "bold red", 2: "bold red", 3: "red", 4: "yellow", 5: "cyan"}
_SEVERITY_TAG = re.compile(r" %[A-Z0-9_]+-([0-7])-")


def _line_severity(line: str) -> int:
    tag = _SEVERITY_TAG.search(line)
    return int(tag.group(1)) if tag else 6


def _severity_style(severity: int) -> str:
    return _SEVERITY_STYLES.get(severity, "dim" if severity >= 7 else "")


def _follow_syslog(out: Console, url: str | None, switch: str | None, since: str | None) -> None:
    from sim.lab.control_client import ControlClient, ControlError

    client = ControlClient(url)
    try:
        # The cursor first, so no line logged while the history prints is lost.
        cursor = int(client.follow(None, switch, wait=0)["cursor"])
        if since:
            for line in client.syslog(switch, since):
                out.print(line, style=_severity_style(_line_severity(line)), markup=False)
        while True:
            batch = client.follow(cursor, switch)
            cursor = int(batch["cursor"])
            if batch["missed"]:
                out.print(f"... {batch['missed']} lines missed", style="dim", markup=False)
            for entry in batch["lines"]:
                out.print(entry["line"], style=_severity_style(entry["severity"]), markup=False)
            # Piped into grep or a file, each line is still there as soon as it is logged.
            out.file.flush()
    except ControlError as exc:
        _console(stderr=True).print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        return  # Ctrl-C is how a follow ends
    finally:
        client.close()


@app.command()
def incidents(
    since: Annotated[
        int, typer.Option(metavar="ID", min=0, help="Only incidents after this id.")
    ] = 0,
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
