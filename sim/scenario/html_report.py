"""`slpsim run --html FILE`: one self-contained page for a run, for CI artefacts and hand-outs.

The page has no external asset (inline CSS and SVG, no script), so it opens anywhere, from
a CI artefact store or an e-mail. A summary comes first; then one section per scenario with
its story, a timeline over virtual time (steps above the axis, syslog lines below, coloured
by severity), every check with its result, the transcript, and the syslog.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sim.scenario.result import ScenarioResult
from sim.scenario.values import format_span
from sim.syslog import SyslogRecord

_WIDTH = 960  # SVG user units; the picture scales with the page
_LANE = 26
_SYSLOG_SHOWN = 2000  # lines per switch in the page; older ones are counted, not shown
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
_SEVERITY_CLASS = {0: "sev3", 1: "sev3", 2: "sev3", 3: "sev3", 4: "sev4", 5: "sev5"}

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2.5em; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; padding: .25em .5em; border-bottom: 1px solid #ddd; }
td { vertical-align: top; } td.time { white-space: nowrap; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: .85em; }
.pass { color: #176c2c; font-weight: bold; } .fail { color: #b3141b; font-weight: bold; }
section.scenario { border-top: 3px solid #ccc; } section.failed { border-top-color: #b3141b; }
.failure { background: #fdecec; border-left: 4px solid #b3141b; padding: .5em 1em; }
.note { color: #555; font-style: italic; } .muted { color: #777; }
.sev3 { color: #b3141b; } .sev4 { color: #9a6700; } .sev5 { color: #0b6e79; }
svg .axis { stroke: #999; } svg text { font-size: 11px; fill: #444; }
svg .step { fill: #3465a4; } svg .failed-step { fill: #b3141b; }
svg .sev3 { fill: #b3141b; } svg .sev4 { fill: #c48a00; } svg .sev5 { fill: #0b6e79; }
svg .sev6 { fill: #888; }
"""


def write_html(results: Sequence[ScenarioResult], path: str | Path, *, title: str = "") -> None:
    """Write the page; folders on the way are made. Raises OSError if it cannot be written."""
    target = Path(path)
    if target.parent != Path():
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(results, title=title), encoding="utf-8")


def render_html(results: Sequence[ScenarioResult], *, title: str = "") -> str:
    passed = sum(1 for r in results if r.passed)
    failed = len(results) - passed
    heading = title or "slpsim scenario run"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(heading)}</h1>",
        _summary(results, passed, failed),
    ]
    slugs: set[str] = set()
    for result in results:
        parts.append(_section(result, _slug(result.name, slugs)))
    parts.append("</body></html>\n")
    return "\n".join(parts)


# ---------------------------------------------------------------------------- summary


def _summary(results: Sequence[ScenarioResult], passed: int, failed: int) -> str:
    span = sum((r.sim_span for r in results), timedelta(0))
    verdict = "pass" if failed == 0 else "fail"
    rows = []
    slugs: set[str] = set()
    for r in results:
        slug = _slug(r.name, slugs)
        rows.append(
            "<tr>"
            f"<td>{_verdict(r.passed)}</td>"
            f'<td><a href="#{slug}">{_e(r.name)}</a></td>'
            f"<td>{_e(r.title or 'invalid scenario file')}</td>"
            f"<td>{_e(r.topology or '-')}</td>"
            f"<td>{r.steps_run}/{r.steps_total}</td>"
            f"<td>{sum(1 for c in r.checks if c.passed)}/{len(r.checks)}</td>"
            f"<td>{_e(format_span(r.sim_span))}</td>"
            "</tr>"
        )
    return (
        f'<section id="summary"><p class="{verdict}">{passed} passed, {failed} failed '
        f"of {len(results)} scenario(s); {format_span(span)} simulated.</p>"
        "<table><thead><tr><th>result</th><th>scenario</th><th>title</th><th>topology</th>"
        "<th>steps</th><th>checks passed</th><th>virtual time</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


# ---------------------------------------------------------------------------- one scenario


def _section(result: ScenarioResult, slug: str) -> str:
    state = "passed" if result.passed else "failed"
    parts = [
        f'<section class="scenario {state}" id="{slug}" data-result="{state}">',
        f"<h2>{_verdict(result.passed)} {_e(result.name)}</h2>",
        f"<p>{_e(result.title or 'invalid scenario file')}</p>",
    ]
    facts = []
    if result.source:
        facts.append(f"source: {_e(result.source)}")
    if result.topology:
        facts.append(f"topology: {_e(result.topology)}")
    if result.file:
        facts.append(f"file: {_e(result.file)}")
    facts.append(f"virtual time: {_e(format_span(result.sim_span))}")
    parts.append(f'<p class="muted">{" · ".join(facts)}</p>')
    if result.narrative:
        paragraphs = [p.strip() for p in result.narrative.strip().split("\n\n") if p.strip()]
        parts += [f'<p class="narrative">{_e(p)}</p>' for p in paragraphs]
    if result.failure is not None:
        failure = result.failure
        lines = [failure.where or failure.message]
        if failure.expected:
            lines += [f"expected: {failure.expected}", f"seen: {failure.seen}"]
            lines += [f"    {line}" for line in failure.seen_lines]
        parts.append(f'<div class="failure"><pre>{_e(chr(10).join(lines))}</pre></div>')
    if result.loaded:
        parts += [
            _timeline(result),
            _steps(result),
            _checks(result),
            _transcript(result),
            _syslog(result),
        ]
    parts.append("</section>")
    return "\n".join(parts)


def _timeline(result: ScenarioResult) -> str:
    begin = result.start
    if begin is None or not result.timeline:
        return '<h3>Timeline</h3><p class="muted">No step ran.</p>'
    records = [r for lines in result.syslog.values() for r in lines]
    end = max(
        [begin + result.sim_span, *(e.at for e in result.timeline), *(_when(r) for r in records)]
    )
    total = max((end - begin).total_seconds(), 1.0)
    switches = list(result.syslog)
    height = _LANE * (2 + len(switches)) + 20
    margin = 90

    def x(at: datetime) -> float:
        seconds = max((at - begin).total_seconds(), 0.0)
        return margin + (_WIDTH - margin - 10) * seconds / total

    failed_step = result.failure.step if result.failure is not None else None
    marks = [
        f'<line class="axis" x1="{margin}" y1="{_LANE}" x2="{_WIDTH - 10}" y2="{_LANE}"/>',
        f'<text x="0" y="{_LANE + 4}">steps</text>',
    ]
    for entry in result.timeline:
        cls = "failed-step" if entry.step == failed_step else "step"
        label = f"{entry.at:%Y-%m-%d %H:%M:%S} step {entry.step + 1}: {entry.summary}"
        marks.append(
            f'<circle class="{cls}" cx="{x(entry.at):.1f}" cy="{_LANE}" r="5">'
            f"<title>{_e(label)}</title></circle>"
        )
    for lane, switch in enumerate(switches, start=2):
        y = _LANE * lane
        marks.append(f'<line class="axis" x1="{margin}" y1="{y}" x2="{_WIDTH - 10}" y2="{y}"/>')
        marks.append(f'<text x="0" y="{y + 4}">{_e(switch)}</text>')
        for record in result.syslog[switch][-_SYSLOG_SHOWN:]:
            label = record.logfile_line()
            marks.append(
                f'<rect class="sev{min(record.severity, 6)}" x="{x(_when(record)) - 1:.1f}" '
                f'y="{y - 7}" width="2" height="14"><title>{_e(label)}</title></rect>'
            )
    axis_y = _LANE * (2 + len(switches)) - 6
    marks.append(f'<text x="{margin}" y="{axis_y}">{begin:%Y-%m-%d %H:%M}</text>')
    marks.append(
        f'<text x="{_WIDTH - 10}" y="{axis_y}" text-anchor="end">{end:%Y-%m-%d %H:%M} '
        f"(+{_e(format_span(end - begin))})</text>"
    )
    svg = (
        f'<svg class="timeline" viewBox="0 0 {_WIDTH} {height}" width="100%" role="img" '
        f'aria-label="timeline of {_e(result.name)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(marks)
        + "</svg>"
    )
    return f"<h3>Timeline</h3>{svg}"


def _steps(result: ScenarioResult) -> str:
    rows = []
    for entry in result.timeline:
        note = f'<div class="note">{_e(entry.note.strip())}</div>' if entry.note else ""
        rows.append(
            f'<tr class="step"><td>{entry.step + 1}</td>{_time_cell(entry.at)}'
            f"<td>{_e(entry.kind)}</td><td>{_e(entry.summary)}{note}</td></tr>"
        )
    return _table("Steps", ("#", "time", "kind", "what"), rows)


def _checks(result: ScenarioResult) -> str:
    if not result.checks:
        return '<h3>Checks</h3><p class="muted">No check ran.</p>'
    rows = []
    for check in result.checks:
        state = "passed" if check.passed else "failed"
        rows.append(
            f'<tr class="check" data-result="{state}"><td>{_verdict(check.passed)}</td>'
            f"<td>{check.step + 1}</td>{_time_cell(check.at)}"
            f"<td>{_e(check.description)}</td><td>{_e(check.found)}</td></tr>"
        )
    return _table("Checks", ("result", "step", "time", "expected", "found"), rows)


def _table(title: str, headers: tuple[str, ...], rows: list[str]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return (
        f"<h3>{_e(title)}</h3><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _transcript(result: ScenarioResult) -> str:
    if not result.transcript:
        return '<h3>Transcript</h3><p class="muted">No command ran.</p>'
    blocks = []
    kinds = {entry.step: entry.kind for entry in result.timeline}
    for entry in result.transcript:
        prompt = f"{entry.switch}#"
        commands = entry.command.splitlines()
        typed = (
            [f"{prompt} {commands[0]}"]
            if kinds.get(entry.step) != "config"
            else [
                f"{prompt} configure terminal",
                *(f"{entry.switch}(config)# {c}" for c in commands),
            ]
        )
        shown = "\n".join(typed) + ("\n" + entry.output.rstrip() if entry.output.strip() else "")
        blocks.append(
            f'<div class="command"><span class="muted">{_time(entry.at)} · step '
            f"{entry.step + 1}</span><pre>{_e(shown)}</pre></div>"
        )
    return "<h3>Transcript</h3>" + "".join(blocks)


def _syslog(result: ScenarioResult) -> str:
    parts = ["<h3>Syslog</h3>"]
    for switch, records in result.syslog.items():
        hidden = max(len(records) - _SYSLOG_SHOWN, 0)
        lines = []
        if hidden:
            lines.append(f'<span class="muted">… {hidden} earlier lines not shown</span>')
        for record in records[-_SYSLOG_SHOWN:]:
            cls = _SEVERITY_CLASS.get(record.severity, "")
            lines.append(f'<span class="{cls}">{_e(record.logfile_line())}</span>')
        parts.append(
            f"<details open><summary>{_e(switch)}: {len(records)} line(s)</summary>"
            f'<pre class="syslog">{chr(10).join(lines)}</pre></details>'
        )
    return "".join(parts)


# ---------------------------------------------------------------------------- helpers


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _verdict(passed: bool) -> str:
    return '<span class="pass">PASS</span>' if passed else '<span class="fail">FAIL</span>'


def _time(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}"


def _time_cell(at: datetime) -> str:
    return f'<td class="time">{_time(at)}</td>'


def _when(record: SyslogRecord) -> datetime:
    return record.sim_at or record.at


def _slug(name: str, taken: set[str]) -> str:
    base = "scenario-" + (_SLUG.sub("-", name).strip("-") or "unnamed")
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug
