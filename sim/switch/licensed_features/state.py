"""Which NX-OS features are enabled, and the license usage they add to the switch's own.

On NX-OS license usage follows the features in use: enabling a feature of a license tier puts
that tier's license in use, and `show license usage <license>` lists the features using it.
The tier of each feature is the project's assumption (Essentials for routing protocols,
Advantage for VXLAN and segment routing), listed as unverified in docs/fidelity.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TIERS = ("ESSENTIALS", "ADVANTAGE")  # a license of a higher tier covers the lower ones
FEATURE_TIERS: dict[str, str] = {
    "bgp": "ESSENTIALS",
    "ospf": "ESSENTIALS",
    "pim": "ESSENTIALS",
    "nv overlay": "ADVANTAGE",
    "segment-routing": "ADVANTAGE",
}
DEFAULT_FAMILY = "XF"  # Nexus 9300-FX; the switch's own licenses name its family otherwise


@dataclass
class LicensedFeatures:
    enabled: list[str] = field(default_factory=list)
    # The usage the switch had before any feature changed it (its licenses of the image).
    base: dict[str, int] | None = None

    def usage(self, current: dict[str, int]) -> dict[str, int]:
        """License usage with the enabled features: the base plus the highest tier they need."""
        base = dict(self.base if self.base is not None else current)
        needed = self._needed_tier()
        if needed is None:
            return base
        family = _family(base)
        have = max((t for t in range(len(TIERS)) if _name(t, family) in base), default=-1)
        if needed > have:
            base[_name(needed, family)] = 1
        return base

    def features_using(self, license_name: str) -> list[str]:
        """The enabled features a license covers (NX-OS `show license usage <license>`)."""
        for tier in range(len(TIERS)):
            if license_name.upper().startswith(f"NXOS_{TIERS[tier]}_"):
                return sorted(f for f in self.enabled if TIERS.index(FEATURE_TIERS[f]) <= tier)
        return []

    def _needed_tier(self) -> int | None:
        tiers = [TIERS.index(FEATURE_TIERS[name]) for name in self.enabled]
        return max(tiers) if tiers else None


def _name(tier: int, family: str) -> str:
    return f"NXOS_{TIERS[tier]}_{family}"


def _family(licenses: dict[str, int]) -> str:
    for name in licenses:
        parts = name.split("_")
        if len(parts) == 3 and parts[0] == "NXOS" and parts[1] in TIERS:
            return parts[2]
    return DEFAULT_FAMILY
