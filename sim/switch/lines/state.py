"""What `line console` and `line vty` configure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LineSettings:
    """Minutes of idleness before a session on the line ends; 0 never (the NX-OS default)."""

    console_exec_timeout: int = 0
    vty_exec_timeout: int = 0
