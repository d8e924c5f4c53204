"""PAK-to-SLP license conversion (Device Led Conversion) on a switch migrated from PAK files.

Cisco's NX-OS SLP guide: "When migrating from traditional licensing model to SLP, license
conversion takes place automatically. This Device Led Conversion (DLC) process is triggered
when traditional licenses are detected on the device during an upgrade. DLC request is sent to
CSSM as part of the license report and may take up to an hour to complete." The seed (FAQ 9):
with transport off, collect the first RUM report an hour after migration, once `show license
data conversion` is not blank. So the conversion data exists from an hour after migration on,
and every RUM report made after that carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

CONVERSION_DELAY = timedelta(hours=1)


class ConversionStatus(Enum):
    """Where the conversion data stands, as `show license data conversion` prints it."""

    PENDING = "Conversion in progress"  # the first hour: the command prints nothing yet
    READY = "Conversion data ready, not reported"
    REPORTED = "Reported, waiting for acknowledgement"
    ACKNOWLEDGED = "Converted, acknowledged by CSSM"


@dataclass
class Conversion:
    """The PAK licenses a switch had when it moved to SLP, on their way to CSSM."""

    migrated_at: datetime
    licenses: dict[str, int]
    reported_at: datetime | None = None  # first RUM report (push or file) carrying the data
    acknowledged_at: datetime | None = None
    # Reports that carried the data: an ACK for any of them completes the conversion.
    report_ids: set[int] = field(default_factory=set)

    @property
    def ready_at(self) -> datetime:
        return self.migrated_at + CONVERSION_DELAY

    def ready(self, now: datetime) -> bool:
        return now >= self.ready_at

    def status(self, now: datetime) -> ConversionStatus:
        if self.acknowledged_at is not None:
            return ConversionStatus.ACKNOWLEDGED
        if self.reported_at is not None:
            return ConversionStatus.REPORTED
        return ConversionStatus.READY if self.ready(now) else ConversionStatus.PENDING

    def data(self, now: datetime) -> tuple[tuple[str, int], ...]:
        """What a RUM report made at `now` carries: nothing during the first hour."""
        return tuple(sorted(self.licenses.items())) if self.ready(now) else ()

    def carried_by(self, now: datetime, report_ids: list[int]) -> None:
        """Reports carrying the conversion data reached CSSM's way (a push, or a file)."""
        if not report_ids:
            return
        self.report_ids.update(report_ids)
        if self.reported_at is None:
            self.reported_at = now

    def acknowledged(self, now: datetime, report_ids: set[int]) -> None:
        if self.acknowledged_at is None and self.report_ids & report_ids:
            self.acknowledged_at = now
