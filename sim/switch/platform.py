"""What every lab switch runs and is: the NX-OS release, BIOS and chassis naming."""

from __future__ import annotations

NXOS_VERSION = "10.4(3)"
BIOS_VERSION = "05.45"


def image_version() -> str:
    """`10.4.3`, as in the image file name."""
    return NXOS_VERSION.replace("(", ".").replace(")", "")


def image_file() -> str:
    return f"bootflash:///nxos64-cs.{image_version()}.F.bin"


def chassis_model(pid: str) -> str:
    """`C93180YC-FX` for `N9K-C93180YC-FX`: the model as `show version` prints it."""
    return pid.removeprefix("N9K-")
