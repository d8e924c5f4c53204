"""A suite: scenario files loaded together, picked by `-k`, run serially or in processes.

Results always come back in file order, whatever the number of processes, so a report is
the same for `-j 1` and `-j 8`. A file that does not load is always part of the suite (it
may be one the expression means): it becomes an error result and never runs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sim.scenario.model import Scenario, load_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.result import ScenarioResult
from sim.scenario.runner import Narrate, run_file, run_scenario
from sim.scenario.selection import Keywords, Predicate

MAX_JOBS = 64


@dataclass(frozen=True)
class Entry:
    """One file of the suite: its scenario, or why it did not load."""

    path: Path
    scenario: Scenario | None
    error: ScenarioError | None

    @property
    def keywords(self) -> Keywords:
        if self.scenario is None:
            return Keywords(self.path.stem, None)
        return Keywords(self.scenario.name, self.scenario.topology, self.scenario.tags)


def load_suite(files: Sequence[Path]) -> list[Entry]:
    entries = []
    for path in files:
        try:
            entries.append(Entry(path, load_scenario(path), None))
        except ScenarioError as error:
            entries.append(Entry(path, None, error))
    return entries


def select(entries: Sequence[Entry], predicate: Predicate | None) -> list[Entry]:
    if predicate is None:
        return list(entries)
    return [e for e in entries if e.scenario is None or predicate(e.keywords)]


# Called with each result as soon as it is known in file order, and the narration lines a
# worker process collected for it (empty when narrating live or not at all).
OnResult = Callable[[ScenarioResult, list[str]], None]


def run_suite(
    entries: Sequence[Entry],
    *,
    jobs: int = 1,
    fail_fast: bool = False,
    narrate: Narrate | None = None,
    on_result: OnResult | None = None,
) -> list[ScenarioResult]:
    """Run the entries; with `fail_fast`, stop at the first failure (later ones are not run)."""
    report = on_result or (lambda result, lines: None)
    if jobs <= 1:
        results = []
        for entry in entries:
            result = _run_here(entry, narrate)
            results.append(result)
            report(result, [])
            if fail_fast and not result.passed:
                break
        return results
    return _run_in_processes(entries, min(jobs, MAX_JOBS), fail_fast, narrate is not None, report)


def _run_here(entry: Entry, narrate: Narrate | None) -> ScenarioResult:
    if entry.scenario is None:
        assert entry.error is not None
        return ScenarioResult.from_error(entry.path, entry.error)
    return asyncio.run(run_scenario(entry.scenario, narrate=narrate))


def _run_in_processes(
    entries: Sequence[Entry], jobs: int, fail_fast: bool, narrate: bool, report: OnResult
) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    # spawn, not fork: the parent may hold threads (a pytest run, a lab), and a forked
    # child would inherit their locks.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: list[Future[tuple[ScenarioResult, list[str]]] | None] = [
            None if e.scenario is None else pool.submit(_run_in_worker, str(e.path), narrate)
            for e in entries
        ]
        try:
            for entry, future in zip(entries, futures, strict=True):
                lines: list[str] = []
                if future is None:
                    assert entry.error is not None
                    result = ScenarioResult.from_error(entry.path, entry.error)
                else:
                    result, lines = future.result()
                results.append(result)
                report(result, lines)
                if fail_fast and not result.passed:
                    break
        finally:
            for pending in futures:
                if pending is not None:
                    pending.cancel()
    return results


def _run_in_worker(path: str, narrate: bool) -> tuple[ScenarioResult, list[str]]:
    lines: list[str] = []
    result = run_file(path, narrate=lines.append if narrate else None)
    return result, lines
