"""Where the switch's time formats used to live; each feature now renders its own output."""

from __future__ import annotations

from sim.switch.formats import NONE, config_time, license_time

__all__ = ["NONE", "config_time", "license_time"]
