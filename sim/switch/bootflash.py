"""The switch's `bootflash:` file system: the files people carry by hand, and its path rules.

Files are text (usage files, ACK and policy files) kept by name. A path may be written
`bootflash:name`, `bootflash:///name` or plain `name`; any other file system is refused the
way NX-OS refuses it. Every message shown to a person about a path is here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FILE_SYSTEM = "bootflash:"
_NAME = re.compile(r"[A-Za-z0-9._-][A-Za-z0-9._/-]{0,254}")
# What `dir bootflash:` reports besides our files (a 64 GB bootflash with an NX-OS image).
IMAGE_BYTES = 4_270_018_560
TOTAL_BYTES = 54_076_207_104


class BootflashError(ValueError):
    """A path or file problem; the message is what the CLI prints."""


def invalid_file_system(path: str) -> BootflashError:
    return BootflashError(f"% Invalid file system: {path.split(':', 1)[0]}:")


def file_name(path: str) -> str:
    """The file name inside bootflash that `path` designates."""
    if ":" in path:
        system, _, rest = path.partition(":")
        if f"{system.lower()}:" != FILE_SYSTEM:
            raise invalid_file_system(path)
        path = rest
    name = path.lstrip("/")
    if not _NAME.fullmatch(name) or ".." in name.split("/"):
        raise BootflashError(f"% Invalid file name: {FILE_SYSTEM}{name}")
    return name


@dataclass
class Bootflash:
    files: dict[str, str] = field(default_factory=dict)

    def read(self, path: str) -> str:
        name = file_name(path)
        try:
            return self.files[name]
        except KeyError:
            raise FileNotFoundError(f"{FILE_SYSTEM}{name}: No such file or directory") from None

    def write(self, path: str, text: str) -> str:
        name = file_name(path)
        self.files[name] = text
        return name

    def names(self) -> list[str]:
        return sorted(self.files)

    @property
    def used_bytes(self) -> int:
        return sum(len(text.encode()) for text in self.files.values())
