"""The pure core stays pure: the agent and protocol import no I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE = [
    "sim/agent",
    "sim/protocol",
    "cssm_mock/models.py",
    "cssm_mock/accounts.py",
    "cssm_mock/automation_api.py",
    "cssm_mock/counters.py",
    "cssm_mock/inventory.py",
    "cssm_mock/reports.py",
    "cssm_mock/smart_receiver.py",
    "cssm_mock/timestamps.py",
    "cssm_mock/trust.py",
    "cssm_mock/usage.py",
    "cssm_mock/usage_files.py",
    "cslu_mock/models.py",
    "onprem_mock/models.py",
    "sim/switch/cli.py",
    "sim/switch/modes.py",
    "sim/switch/arg_types.py",
    "sim/switch/line_filter.py",
    "sim/switch/command_patterns.py",
    "sim/switch/matcher.py",
    "sim/switch/command_set.py",
    "sim/switch/terminal.py",
    "sim/switch/questions.py",
    "sim/switch/pipes.py",
    "sim/switch/completion.py",
    "sim/switch/cli_result.py",
]
FORBIDDEN = {"asyncio", "socket", "httpx", "fastapi", "starlette", "uvicorn", "asyncssh", "time"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pure_modules_import_no_io() -> None:
    files = []
    for entry in PURE:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    assert files
    offenders = {str(f.relative_to(ROOT)): _imports(f) & FORBIDDEN for f in files}
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    mocks = [
        *ROOT.glob("cssm_mock/*.py"),
        *ROOT.glob("cslu_mock/*.py"),
        *ROOT.glob("onprem_mock/*.py"),
    ]
    for path in [*ROOT.glob("sim/**/*.py"), *mocks]:
        if path.name == "clock.py":
            continue
        text = path.read_text()
        for call in ("datetime.now(", "time.time(", "time.monotonic(", "utcnow("):
            assert call not in text, f"{path.relative_to(ROOT)} calls {call}"
