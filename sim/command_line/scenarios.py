"""The scenario commands: `run` and `list` scenario files, `scenarios copy|path` for the
shipped ones, and `timing`, the profile a scenario's `timing:` overrides."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.command_line.output import console, fail
from sim.command_line.syslog import line_severity, severity_style
from sim.scenario.model import load_scenario
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
from sim.timing import DEFAULT_TIMING, TIMING_NOTES, format_duration

DEFAULT_SCENARIOS = Path("scenarios")

# Each step of a narrated scenario opens with its virtual time: `[2026-02-04 14:00] ...`.
_STEP_LINE = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d")

Paths = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="PATH",
        help="Scenario files or folders (every *.yaml inside). Default: ./scenarios if it "
        "exists, else the scenarios shipped with slpsim.",
        show_default=False,
    ),
]


def _default_paths() -> list[Path]:
    # The repository (and `slpsim scenarios copy scenarios`) has ./scenarios; anywhere else
    # the shipped set is what a newcomer means.
    return [DEFAULT_SCENARIOS] if DEFAULT_SCENARIOS.is_dir() else [shipped_folder()]


def _files(paths: list[Path] | None, err: Console) -> list[Path]:
    chosen = paths or _default_paths()
    try:
        files = scenario_files(chosen)
    except FileNotFoundError as exc:
        err.print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    if not files:
        shown = ", ".join(str(p) for p in chosen)
        err.print(f"slpsim: no scenario files (*.yaml) in {shown}", style="red", markup=False)
        raise typer.Exit(1)
    return files


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
    out = console()
    # Only someone at a terminal can press Enter; piped or in CI, --step changes nothing.
    pausing = step and narrate and sys.stdin.isatty()
    if pausing:
        jobs = 1
    # With --json, stdout carries the document alone; the story goes to stderr.
    story = console(stderr=True) if as_json else out
    try:
        predicate = None if keyword is None else compile_expression(keyword)
    except SelectionError as exc:
        raise fail(str(exc)) from None
    files = _files(paths, console(stderr=True))
    entries = select(load_suite(files), predicate)
    if validate:
        _report_validation(out, entries)
    if not entries:
        raise fail(f"-k {keyword!r} picks none of the {len(files)} scenario files", 1)
    if junit is not None:
        try:
            prepare_junit(junit)
        except ReportError as exc:
            raise fail(str(exc)) from None

    def tell(line: str) -> None:
        # A syslog line is coloured by its severity, as `slpsim syslog` prints it.
        style = severity_style(line_severity(line)) if "📜" in line else ""
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
            raise fail(str(exc)) from None
    if html is not None:
        from sim.scenario.html_report import write_html

        try:
            write_html(results, html)
        except OSError as exc:
            raise fail(f"cannot write {html}: {exc.strerror or exc}") from None
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


def list_(paths: Paths = None) -> None:
    """List scenario files: name, topology, steps, and the title below."""
    out = console()
    rows: list[tuple[str, str, str, str]] = []
    broken: list[ScenarioError] = []
    for path in _files(paths, console(stderr=True)):
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
        raise fail(str(exc)) from None
    console().print(
        f"copied {len(copied)} files into {folder}; run them with `slpsim run {folder}`",
        markup=False,
    )


@scenarios_app.command("path")
def scenarios_path() -> None:
    """Print the folder holding the shipped scenario files."""
    console().print(str(shipped_folder()), markup=False)


def timing() -> None:
    """Show the timing profile: defaults, and which are Cisco's and which are assumptions."""
    out = console()
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
