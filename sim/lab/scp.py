"""SCP (and SFTP) onto a lab switch's bootflash, as NAPALM and netmiko copy files to NX-OS.

Paths name bootflash files the way the CLI does (`bootflash:/candidate_config.txt`,
`bootflash:name`, `name`); the bootflash is a flat folder. Files are text: what arrives is
decoded as UTF-8 (bad bytes replaced) when it is closed, and a file larger than
`MAX_FILE_BYTES` is refused as it arrives.

A read-only role (network-operator, vdc-operator, the lower privilege roles) has "complete
read access" and no more, so its account may list and fetch files but every change (a put,
remove, rename, mkdir) is refused with SFTP's permission-denied status, which an SCP client
prints as `<path>: Permission denied`. Roles are read at each request, so `username <u> role
<r>` applies to an open session too. Nothing here reaches the machine's own file system: what
the bootflash cannot do (folders, links) is refused as unsupported.
"""

from __future__ import annotations

import errno
import io
import os
import posixpath
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncssh
from asyncssh.constants import (
    ACE4_APPEND_DATA,
    ACE4_WRITE_DATA,
    FILEXFER_TYPE_DIRECTORY,
    FILEXFER_TYPE_REGULAR,
    FXF_ACCESS_DISPOSITION,
    FXF_APPEND,
    FXF_CREAT,
    FXF_OPEN_EXISTING,
    FXF_TRUNC,
    FXF_WRITE,
)
from asyncssh.sftp import SFTPAttrs, SFTPName, SFTPVFSAttrs

from sim.lab.access import SwitchAccess
from sim.switch.bootflash import BootflashError, file_name
from sim.switch.users.roles import ADMIN_ROLES, roles_of

MAX_FILE_BYTES = 16 * 1024 * 1024
"""The largest file a client may copy onto a lab switch."""

_ROOTS = {b"", b".", b"bootflash:"}
_WRITE_FLAGS = FXF_WRITE | FXF_CREAT | FXF_TRUNC | FXF_APPEND


@dataclass
class _Upload:
    name: str
    data: io.BytesIO = field(default_factory=io.BytesIO)


@dataclass
class _Download:
    data: bytes

    def seek(self, offset: int, whence: int) -> int:
        """Where data and the end lie, as asyncssh's server asks to answer an SFTP client's
        request for a file's ranges (asyncssh's own client asks before each download)."""
        if whence == os.SEEK_DATA and offset < len(self.data):
            return offset
        if whence == os.SEEK_HOLE:
            return len(self.data)
        raise OSError(errno.ENXIO, "no data past the end")


def _name(path: bytes) -> str:
    try:
        return file_name(path.decode("utf-8"))
    except (BootflashError, UnicodeDecodeError) as exc:
        raise asyncssh.SFTPNoSuchFile(str(exc)) from None


class BootflashSftp(asyncssh.SFTPServer):
    """The switch's bootflash as the one folder an SCP or SFTP client sees."""

    def __init__(
        self,
        chan: asyncssh.SSHServerChannel[bytes],
        access: SwitchAccess,
        *,
        lab_account: str,
    ) -> None:
        """`lab_account` is the lab's own login, an administrator; any other login is one of
        the switch's accounts and writes only if a role of it may."""
        super().__init__(chan)
        self._access = access
        login = chan.get_extra_info("username")
        self._user = None if login == lab_account else str(login)

    def _may_write(self, what: str) -> None:
        """Refuse a change to `what` (a bootflash path) unless the user's roles allow it."""
        if self._user is None:
            return
        if any(role in ADMIN_ROLES for role in roles_of(self._access.switch.users, self._user)):
            return
        raise asyncssh.SFTPPermissionDenied(f"{what}: Permission denied")

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

    def fstat(self, file_obj: object) -> SFTPAttrs:
        if isinstance(file_obj, _Upload):
            size = len(file_obj.data.getbuffer())
        else:
            assert isinstance(file_obj, _Download)
            size = len(file_obj.data)
        return SFTPAttrs(type=FILEXFER_TYPE_REGULAR, size=size, permissions=0o100644)

    def setstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        return None  # times and modes are not kept

    lsetstat = setstat

    def fsetstat(self, file_obj: object, attrs: SFTPAttrs) -> None:
        return None

    def fsync(self, file_obj: object) -> None:
        return None  # a file reaches the bootflash whole, when it is closed

    def scandir(self, path: bytes) -> AsyncIterator[SFTPName]:
        async def names() -> AsyncIterator[SFTPName]:
            for name in self._access.switch.bootflash_files():
                yield SFTPName(name.encode(), attrs=self.stat(name.encode()))

        return names()

    def open(self, path: bytes, pflags: int, attrs: SFTPAttrs) -> object:
        return self._open(path, writes=bool(pflags & _WRITE_FLAGS))

    def open56(self, path: bytes, desired_access: int, flags: int, attrs: SFTPAttrs) -> object:
        writes = desired_access & (ACE4_WRITE_DATA | ACE4_APPEND_DATA)
        creates = flags & FXF_ACCESS_DISPOSITION != FXF_OPEN_EXISTING
        return self._open(path, writes=bool(writes) or creates)

    def _open(self, path: bytes, *, writes: bool) -> object:
        name = _name(path)
        if writes:
            self._may_write(f"bootflash:{name}")
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
        name = _name(path)
        self._may_write(f"bootflash:{name}")
        if name not in self._access.switch.bootflash_files():
            raise asyncssh.SFTPNoSuchFile(f"bootflash:{name}: No such file")
        self._access.switch.delete_bootflash(name)

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        if _name(newpath) in self._access.switch.bootflash_files():
            raise asyncssh.SFTPFileAlreadyExists(f"bootflash:{_name(newpath)}: File exists")
        self.posix_rename(oldpath, newpath)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        old, new = _name(oldpath), _name(newpath)
        self._may_write(f"bootflash:{old}")
        switch = self._access.switch
        try:
            text = switch.read_bootflash(old)
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile(f"bootflash:{old}: No such file") from None
        if old != new:
            switch.write_bootflash(new, text)
            switch.delete_bootflash(old)

    def mkdir(self, path: bytes, attrs: SFTPAttrs) -> None:
        self._may_write(path.decode("utf-8", "replace"))
        raise asyncssh.SFTPOpUnsupported("bootflash: holds files only")

    def rmdir(self, path: bytes) -> None:
        self._may_write(path.decode("utf-8", "replace"))
        raise asyncssh.SFTPOpUnsupported("bootflash: holds files only")

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        self._may_write(newpath.decode("utf-8", "replace"))
        raise asyncssh.SFTPOpUnsupported("bootflash: holds no links")

    link = symlink

    def readlink(self, path: bytes) -> bytes:
        raise asyncssh.SFTPNoSuchFile("bootflash: holds no links")

    def statvfs(self, path: bytes) -> SFTPVFSAttrs:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")

    def fstatvfs(self, file_obj: object) -> SFTPVFSAttrs:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")

    def realpath(self, path: bytes) -> bytes:
        return posixpath.normpath(b"/" + path) if not path.startswith(b"bootflash:") else path
