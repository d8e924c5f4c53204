"""`install all nxos <image>`: the installer's compatibility report and its question.

The layout follows NX-OS's installer as Cisco's upgrade guides print it (checks, then the
compatibility and impact tables); the version lines are the switch's own image. Only
disruptive upgrades are modelled: the switch reloads on the image, and licensing data (trust
code, policy, ACKs, usage) persists through it (seed FAQ 28).
"""

from __future__ import annotations

from sim.switch.platform import NXOS_VERSION

QUESTION = "Do you want to continue with the installation (y/n)?  [n] "


def compatibility_report(image: str) -> str:
    """What the installer prints before it asks whether to go on."""
    name = image.removeprefix("bootflash:").lstrip("/")
    return (
        "Installer will perform compatibility check first. Please wait.\n"
        "Installer is forced disruptive\n"
        "\n"
        f'Verifying image bootflash:/{name} for boot variable "nxos".\n'
        "[####################] 100% -- SUCCESS\n"
        "\n"
        "Performing module support checks.\n"
        "[####################] 100% -- SUCCESS\n"
        "\n"
        "Compatibility check is done:\n"
        "Module  bootable          Impact  Install-type  Reason\n"
        "------  --------  --------------  ------------  ------\n"
        "     1       yes      disruptive         reset  default upgrade is not hitless\n"
        "\n"
        "Images will be upgraded according to following table:\n"
        "Module       Image                  Running-Version(pri:alt)           New-Version"
        "  Upg-Required\n"
        "------  ----------  ----------------------------------------  --------------------"
        "  ------------\n"
        f"     1       nxos  {NXOS_VERSION:>40}  {NXOS_VERSION:>20}            no\n"
        "\n"
        "Switch will be reloaded for disruptive upgrade.\n"
    )
