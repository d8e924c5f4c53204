"""Scenario results for people (console), programs (JSON) and CI (JUnit XML)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from sim.scenario.result import Failure, ScenarioResult
from sim.scenario.values import format_span

SUITE_NAME = "slpsim"

# XML 1.0 cannot carry most control characters, even escaped, nor lone surrogates (nor can
# UTF-8); a CLI output or a scenario's text might hold one.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ---------------------------------------------------------------------------- console


def result_line(result: ScenarioResult) -> Text:
    """`PASS  name  (title)  0.04s  sim 4h15m`."""
    line = Text()
    if result.passed:
        line.append("PASS", style="bold green")
    else:
        line.append("FAIL", style="bold red")
    line.append(f"  {result.name}", style="bold")
    line.append(f"  ({result.title or 'invalid scenario file'})", style="dim")
    line.append(f"  {result.duration:.2f}s  sim {format_span(result.sim_span)}")
    return line


def failure_block(failure: Failure, indent: str = "      ") -> Text:
    """The expected-versus-seen block printed under a failed scenario."""
    block = Text()
    if not failure.expected:
        for line in failure.message.splitlines():
            block.append(f"{indent}{line}\n", style="red")
    else:
        block.append(f"{indent}{failure.where}\n", style="red")
        block.append(f"{indent}  expected: ", style="bold")
        block.append(f"{failure.expected}\n", style="yellow")
        block.append(f"{indent}  seen:     ", style="bold")
        block.append(f"{failure.seen}\n")
        for line in failure.seen_lines:
            block.append(f"{indent}    {line}\n", style="dim")
    block.rstrip()
    return block


def print_result(console: Console, result: ScenarioResult) -> None:
    console.print(result_line(result), soft_wrap=True)
    if result.failure is not None:
        console.print(failure_block(result.failure), soft_wrap=True)


def print_summary(console: Console, results: Sequence[ScenarioResult]) -> None:
    failed = sum(not r.passed for r in results)
    passed = len(results) - failed
    elapsed = sum(r.duration for r in results)
    simulated = sum((r.sim_span for r in results), timedelta(0))
    summary = Text()
    summary.append(f"{passed} passed", style="bold green" if passed else "")
    if failed:
        summary.append(", ")
        summary.append(f"{failed} failed", style="bold red")
    summary.append(f" in {elapsed:.2f}s (simulated {format_span(simulated)})")
    console.print(summary, soft_wrap=True)


# ---------------------------------------------------------------------------- JSON


def failure_to_dict(failure: Failure) -> dict[str, Any]:
    return {
        "message": failure.message,
        "file": failure.file,
        "line": failure.line,
        "step": failure.step,
        "kind": failure.kind,
        "expected": failure.expected,
        "seen": failure.seen,
        "seen_lines": list(failure.seen_lines),
        "traceback": failure.traceback,
    }


def result_to_dict(result: ScenarioResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "title": result.title,
        "file": result.file,
        "topology": result.topology,
        "source": result.source,
        "tags": list(result.tags),
        "loaded": result.loaded,
        "passed": result.passed,
        "duration_seconds": round(result.duration, 6),
        "sim_span": format_span(result.sim_span),
        "sim_span_seconds": result.sim_span.total_seconds(),
        "steps_run": result.steps_run,
        "steps_total": result.steps_total,
        "failure": failure_to_dict(result.failure) if result.failure else None,
        "syslog": {
            switch: [r.logfile_line() for r in records] for switch, records in result.syslog.items()
        },
        "transcript": [
            {
                "step": e.step,
                "at": e.at.isoformat(),
                "switch": e.switch,
                "command": e.command,
                "output": e.output,
            }
            for e in result.transcript
        ],
    }


def results_to_json(results: Sequence[ScenarioResult]) -> str:
    """One JSON document with every result."""
    failed = sum(not r.passed for r in results)
    document = {
        "tool": SUITE_NAME,
        "passed": failed == 0,
        "total": len(results),
        "failed": failed,
        "duration_seconds": round(sum(r.duration for r in results), 6),
        "scenarios": [result_to_dict(r) for r in results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------------- JUnit XML


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("\N{REPLACEMENT CHARACTER}", text)


def junit_xml(results: Sequence[ScenarioResult]) -> ET.ElementTree[ET.Element]:
    """`<testsuites><testsuite name="slpsim">` with one `<testcase>` per scenario.

    A file that did not load, or a simulation that crashed, is an `<error>` (the suite itself
    is broken); an expectation that did not hold is a `<failure>`. The classname is
    `<folder>.<topology>`, so CI tools group scenarios by folder and topology.
    """
    errors = sum(_is_error(r) for r in results)
    failures = sum(not r.passed for r in results) - errors
    total_time = f"{sum(r.duration for r in results):.3f}"
    counts = {"tests": str(len(results)), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts, "time": total_time})
    suite = ET.SubElement(
        root, "testsuite", {"name": SUITE_NAME, **counts, "skipped": "0", "time": total_time}
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _classname(result),
                "name": result.name,
                "time": f"{result.duration:.3f}",
            },
        )
        if result.file is not None:
            case.set("file", result.file)
        properties = _properties(result)
        if properties:
            holder = ET.SubElement(case, "properties")
            for name, value in properties:
                ET.SubElement(holder, "property", {"name": name, "value": _xml_text(value)})
        if result.failure is not None:
            failure = ET.SubElement(
                case,
                "error" if _is_error(result) else "failure",
                {
                    "message": _xml_text(result.failure.message.splitlines()[0]),
                    "type": _failure_type(result.failure),
                },
            )
            text = result.failure.details()
            if result.failure.traceback:
                text += "\n\n" + result.failure.traceback
            failure.text = _xml_text(text)
        output = _system_out(result)
        if output:
            ET.SubElement(case, "system-out").text = _xml_text(output)
    ET.indent(root)
    return ET.ElementTree(root)


def _is_error(result: ScenarioResult) -> bool:
    failure = result.failure
    return failure is not None and (not result.loaded or failure.traceback is not None)


def _classname(result: ScenarioResult) -> str:
    folder = Path(result.file).parent.name if result.file else ""
    parts = [folder or SUITE_NAME]
    if result.topology:
        parts.append(result.topology)
    return ".".join(parts)


def _properties(result: ScenarioResult) -> list[tuple[str, str]]:
    properties = []
    if result.source:
        properties.append(("source", result.source))  # the seed section it reproduces
    if result.topology:
        properties.append(("topology", result.topology))
    if result.tags:
        properties.append(("tags", " ".join(result.tags)))
    return properties


def _failure_type(failure: Failure) -> str:
    if not failure.expected:
        return "ScenarioError"
    return "SimulationError" if failure.traceback else "ExpectationFailed"


def _system_out(result: ScenarioResult) -> str:
    parts = []
    if result.transcript:
        parts.append("== transcript")
        for entry in result.transcript:
            parts.append(f"[{entry.at:%Y-%m-%d %H:%M:%S}] {entry.switch}# {entry.command}")
            parts.extend(f"    {line}" for line in entry.output.rstrip().splitlines())
    for switch, records in result.syslog.items():
        parts.append(f"== syslog {switch}")
        parts.extend(r.logfile_line() for r in records)
    return "\n".join(parts)


class ReportError(Exception):
    """A report file that cannot be written; `str()` is one line naming the file and why."""


def prepare_junit(path: str | Path) -> None:
    """Make sure the JUnit file can be written, before any scenario runs.

    Creates the missing folders; a CI run that cannot keep its report should say so in one
    line at the start, not after every scenario ran.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        existed = target.exists()
        with target.open("a", encoding="utf-8"):
            pass
        if not existed:
            target.unlink()  # only a check: no empty report is left if the run is cut short
    except OSError as exc:
        raise ReportError(_cannot_write(target, exc)) from None


def write_junit(results: Sequence[ScenarioResult], path: str | Path) -> None:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        junit_xml(results).write(target, encoding="utf-8", xml_declaration=True)
    except OSError as exc:
        raise ReportError(_cannot_write(target, exc)) from None


def _cannot_write(path: Path, exc: OSError) -> str:
    return f"cannot write the JUnit report {str(path)!r}: {exc.strerror or exc}"
