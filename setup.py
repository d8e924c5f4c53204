"""Everything is in pyproject.toml, except one build step it cannot say.

The wheel ships the repository's `scenarios/` folder as package data of
`sim.scenario.shipped`, copied at build time so that the folder stays where the docs and
tests expect it and a new scenario file is shipped without being listed anywhere.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SHIPPED = ("sim", "scenario", "shipped")


class BuildWithScenarios(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads scenarios/ in place
            return
        target = Path(self.build_lib, *SHIPPED)
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob("*.yaml"):  # a file removed from scenarios/ since the last build
            stale.unlink()
        for source in [*sorted(SCENARIOS.glob("*.yaml")), SCENARIOS / "README.md"]:
            if source.is_file():
                shutil.copyfile(source, target / source.name)


setup(cmdclass={"build_py": BuildWithScenarios})
