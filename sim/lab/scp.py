"""SCP (and SFTP) onto a lab switch's bootflash, as NAPALM and netmiko copy files to NX-OS.

Paths name bootflash files the way the CLI does (`bootflash:/candidate_config.txt`,
`bootflash:name`, `name`); the bootflash is a flat folder. Files are text: what arrives is
decoded as UTF-8 (bad bytes replaced) when it is closed, and a file larger than
`MAX_FILE_BYTES` is refused as it arrives.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncssh
from asyncssh.constants import (
    FILEXFER_TYPE_DIRECTORY,
    FILEXFER_TYPE_REGULAR,
    FXF_CREAT,
    FXF_WRITE,
)
from asyncssh.sftp import SFTPAttrs, SFTPName

from sim.lab.access import SwitchAccess
from sim.switch.bootflash import BootflashError, file_name

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest file a client may copy onto a lab switch."""

_ROOTS = {b"", b".", b"bootflash:"}


@dataclass
class _Upload:
    name: str
    data: io.BytesIO = field(default_factory=io.BytesIO)


@dataclass
class _Download:
    data: bytes


def _name(path: bytes) -> str:
    try:
        return file_name(path.decode("utf-8"))
    except (BootflashError, UnicodeDecodeError) as exc:
        raise asyncssh.SFTPNoSuchFile(str(exc)) from None


class BootflashSftp(asyncssh.SFTPServer):
    """The switch's bootflash as the one folder an SCP or SFTP client sees."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], access: SwitchAccess) -> None:
        super().__init__(chan)
        self._access = access

    def _is_root(self, path: bytes) -> bool:
        return path.rstrip(b"/") in _ROOTS

    def stat(self, path: bytes) -> SFTPAttrs:
        if self._is_root(path):
            return SFTPAttrs(type=FILEXFER_TYPE_DIRECTORY, permissions=0o40755)
        name = _name(path)
        try:
            text = self._access.switch.read_bootflash(name)
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile(f"bootflash:{name}: No such file") from None
        return SFTPAttrs(type=FILEXFER_TYPE_REGULAR, size=len(text.encode()), permissions=0o100644)

    lstat = stat

    def setstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        return None  # times and modes are not kept

    def scandir(self, path: bytes) -> AsyncIterator[SFTPName]:
        async def names() -> AsyncIterator[SFTPName]:
            for name in self._access.switch.bootflash_files():
                yield SFTPName(name.encode(), attrs=self.stat(name.encode()))

        return names()

    def open(self, path: bytes, pflags: int, attrs: SFTPAttrs) -> object:
        name = _name(path)
        if pflags & (FXF_WRITE | FXF_CREAT):
            return _Upload(name)
        try:
            return _Download(self._access.switch.read_bootflash(name).encode())
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile(f"bootflash:{name}: No such file") from None

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        assert isinstance(file_obj, _Download)
        return file_obj.data[offset : offset + size]

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        assert isinstance(file_obj, _Upload)
        if offset + len(data) > MAX_FILE_BYTES:
            raise asyncssh.SFTPFailure(f"a file may hold at most {MAX_FILE_BYTES} bytes")
        file_obj.data.seek(offset)
        file_obj.data.write(data)
        return len(data)

    def close(self, file_obj: object) -> None:
        if isinstance(file_obj, _Upload):
            text = file_obj.data.getvalue().decode("utf-8", "replace")
            self._access.switch.write_bootflash(file_obj.name, text)

    def remove(self, path: bytes) -> None:
        self._access.switch.delete_bootflash(_name(path))

    def realpath(self, path: bytes) -> bytes:
        return posixpath.normpath(b"/" + path) if not path.startswith(b"bootflash:") else path
