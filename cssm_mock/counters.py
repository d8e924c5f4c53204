"""What CSSM has seen, counted for reports and tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Counters:
    trust_requests: int = 0
    usage_reports: int = 0
    polls: int = 0
    trust_syncs: int = 0
    trust_codes_issued: int = 0
    reports_received: int = 0
    duplicates_received: int = 0
    acks_issued: int = 0
    usage_uploads: int = 0
    api_usage_reports: int = 0
    api_polls: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
