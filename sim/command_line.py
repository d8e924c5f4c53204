"""The `slpsim` command: run and list scenario files, show the timing profile.

`app` is the typer application; other commands (`lab`, `clock`, `fault`, ...) attach to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.scenario.model import ScenarioError, load_scenario
from sim.scenario.report import print_result, print_summary, results_to_json, write_junit
from sim.scenario.runner import ScenarioResult, run_file, scenario_files
from sim.timing import DEFAULT_TIMING, TIMING_NOTES, format_duration

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
