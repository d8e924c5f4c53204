"""The scenario files shipped with slpsim, so `slpsim list` and `slpsim run` work anywhere.

A built wheel carries a copy of the repository's `scenarios/` folder in this package (the
build copies it: see setup.py); a checkout or an editable install reads `scenarios/` itself,
so a file added there is shipped without another step.
"""

from __future__ import annotations

import shutil
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_CHECKOUT = _HERE.parents[2] / "scenarios"


def shipped_folder() -> Path:
    """The folder holding the shipped scenario files."""
    if any(_HERE.glob("*.yaml")):
        return _HERE
    return _CHECKOUT


def shipped_files() -> list[Path]:
    """What `slpsim scenarios copy` hands out: every scenario and the format's README."""
    folder = shipped_folder()
    files = sorted(folder.glob("*.yaml"))
    readme = folder / "README.md"
    return [*files, readme] if readme.is_file() else files


def copy_shipped(destination: Path) -> list[Path]:
    """Copy the shipped files into `destination` (created if missing); never overwrite.

    Raises FileExistsError naming the first file that is already there, before copying any.
    """
    sources = shipped_files()
    targets = [destination / source.name for source in sources]
    for target in targets:
        if target.exists():
            raise FileExistsError(f"{target} already exists; copy into an empty folder")
    destination.mkdir(parents=True, exist_ok=True)
    for source, target in zip(sources, targets, strict=True):
        shutil.copyfile(source, target)
    return targets
