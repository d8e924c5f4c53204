"""Named checkpoints: snapshots of the running configuration kept by the switch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

MAX_CHECKPOINTS = 10
"""NX-OS keeps at most ten user checkpoints; the oldest goes first."""


@dataclass
class Checkpoint:
    name: str
    created_at: datetime
    lines: list[str] = field(default_factory=list)
    description: str = ""
