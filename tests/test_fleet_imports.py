"""A simulation that reaches its back ends in-process, and a fleet's shards, import only what
they use: no HTTP stack (FastAPI, Starlette, httpx) and not the parent's main module."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

HTTP_STACK = ("fastapi", "starlette", "httpx")


def run_python(code: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_direct_exchange_year_never_imports_the_http_stack(tmp_path: Path) -> None:
    out = run_python(
        f"""
        import asyncio, sys
        from datetime import timedelta
        from sim.simulation import Simulation

        async def main():
            for topology in ("direct", "cslu", "onprem"):
                sim = Simulation.build(topology, exchange="direct")
                await sim.boot()
                token = sim.issue_token()
                sim.switch().trust_idtoken(token, scope="all", force=False)
                await sim.advance(timedelta(days=40))
                assert sim.transport.exchanges > 0
                await sim.close()

        asyncio.run(main())
        print(sorted({{m.split(".")[0] for m in sys.modules}} & set({HTTP_STACK!r})))
        """,
        tmp_path,
    )
    assert out.strip() == "[]"


def test_the_apps_still_import_from_their_packages(tmp_path: Path) -> None:
    out = run_python(
        """
        from cssm_mock import create_app as cssm
        from cslu_mock import create_app as cslu
        from onprem_mock import create_app as onprem
        print(cssm.__module__, cslu.__module__, onprem.__module__)
        """,
        tmp_path,
    )
    assert out.split() == ["cssm_mock.app", "cslu_mock.app", "onprem_mock.app"]


def test_fleet_shards_do_not_rerun_the_parents_main_module(tmp_path: Path) -> None:
    marker = tmp_path / "main-imported"
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from datetime import timedelta
            from pathlib import Path

            from sim.fleet import plan_fleet, run_fleet

            if __name__ == "__mp_main__":  # what a spawned process runs the parent's main as
                Path({str(marker)!r}).write_text("imported")

            if __name__ == "__main__":
                plan = plan_fleet(switches=4, period=timedelta(days=2), processes=2)
                summary = run_fleet(plan)
                print(len(summary.switches))
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4"
    assert not marker.exists()
