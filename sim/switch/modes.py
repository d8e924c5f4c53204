"""CLI modes: EXEC and CONFIG at the roots, every other mode a config sub-mode.

Sub-modes are plain `Mode` values (``Mode.submode("config-if")``) entered by a command
registered with ``enters=``; a session keeps a stack of them (sim/switch/cli.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Mode:
    """A CLI mode. EXEC and CONFIG are the roots; every other mode is a config sub-mode."""

    name: str
    prompt_suffix: str
    own_prompt: str | None = None
    """The whole prompt, without the hostname (NX-OS tclsh's `>` while a command goes on)."""

    EXEC: ClassVar[Mode]
    CONFIG: ClassVar[Mode]
    CONFIG_VRF: ClassVar[Mode]
    CONFIG_CALLHOME: ClassVar[Mode]

    @classmethod
    def submode(cls, name: str) -> Mode:
        return cls(name, f"({name})")


Mode.EXEC = Mode("exec", "")
Mode.CONFIG = Mode("config", "(config)")
Mode.CONFIG_VRF = Mode.submode("config-vrf")
Mode.CONFIG_CALLHOME = Mode.submode("config-callhome")
