"""The SSH front end of a fake switch: an asyncssh server whose shell is the NX-OS CLI engine.

Login lands at ``hostname#``. The shell does its own line discipline instead of asyncssh's
line editor: NX-OS answers ``?`` the moment it is typed, writes CRLF line endings, and echoes a
line only when the shell reads it (so a command sent ahead of the prompt is echoed after the
previous answer, never in the middle of it), and netmiko and scrapli wait for exactly that echo.
Every line goes through `SwitchAccess.run`, so the simulation catches up before the answer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections import deque
from collections.abc import Callable
from functools import cache
from pathlib import Path

import asyncssh

from sim.lab.access import SwitchAccess
from sim.lab.login_guard import LoginGuard
from sim.lab.scp import BootflashSftp
from sim.switch.cli import CliResult, CliSession, Mode
from sim.switch.switch import Switch
from sim.switch.users.state import signs_in
from sim.syslog import SyslogRecord

HOST_KEY_ALGORITHM = "ssh-ed25519"
MORE = " --More-- "
# The longest line the shell takes (characters); beyond it the line is refused whole.
MAX_LINE = 8192
TOO_LONG = f"% Command line too long: at most {MAX_LINE} characters.\n"
MAX_HISTORY = 256
MAX_HELP_LINE = 1024  # `?` help is given on lines up to this long
INTERNAL_ERROR = "% Internal error while executing command; see slpsim incidents\n"
# Log lines held for a monitor session that is busy (a command running, the pager, a question);
# beyond it the oldest go, so a jump of a simulated year cannot fill the server's memory.
MONITOR_BACKLOG = 512
READ_CHUNK = 4096

_log = logging.getLogger(__name__)
_CSI_FINAL = re.compile(r"[\x40-\x7e]")
# Input the line editor just appends: everything but control characters and `?`.
_PLAIN = re.compile(r"[^\x00-\x1f\x7f?]+")
_NO_MORE = re.compile(r"\|\s*n(?:o(?:-(?:m(?:o(?:r(?:e)?)?)?)?)?)?(?:\s|\||$)", re.IGNORECASE)


@cache
def shared_host_key() -> asyncssh.SSHKey:
    """One host key per process, so a lab of many switches pays for key generation once."""
    return asyncssh.generate_private_key(HOST_KEY_ALGORITHM)


def load_host_key(path: Path) -> asyncssh.SSHKey:
    """The key stored at `path`, made and saved there first if missing.

    A lab that keeps its key across restarts keeps clients' known_hosts entries valid.
    """
    if path.exists():
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key(HOST_KEY_ALGORITHM)
    path.parent.mkdir(parents=True, exist_ok=True)
    key.write_private_key(path)
    path.chmod(0o600)
    return key


class SshServer:
    """A listening SSH server for one switch; `close` also drops the open sessions."""

    def __init__(self, acceptor: asyncssh.SSHAcceptor, connections: set[_Login]) -> None:
        self._acceptor = acceptor
        self._connections = connections

    @property
    def port(self) -> int:
        return self._acceptor.get_port()

    async def close(self) -> None:
        self._acceptor.close()
        await self._acceptor.wait_closed()
        for login in list(self._connections):
            await login.close()


class _Login(asyncssh.SSHServer):
    """Password authentication against one account; failed attempts may be retried, slowly."""

    def __init__(
        self,
        username: str,
        password: str,
        connections: set[_Login],
        guard: LoginGuard,
        where: str,
        configured: Callable[[str, str], bool] = lambda _user, _password: False,
    ) -> None:
        self._configured = configured
        self._username = username
        self._password = password
        self._connections = connections
        self._guard = guard
        self._where = where
        self._peer = "unknown"
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self._peer = str(peer[0])
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        def check() -> bool:
            user_ok = hmac.compare_digest(username.encode(), self._username.encode())
            password_ok = hmac.compare_digest(password.encode(), self._password.encode())
            # Accounts made with `username <u> password <p>` on the switch log in too.
            return (user_ok and password_ok) or self._configured(username, password)

        verdict = await self._guard.attempt(self._peer, username, self._where, check)
        return verdict.accepted

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            await self._conn.wait_closed()


async def start_ssh_server(
    access: SwitchAccess,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    username: str = "admin",
    password: str = "admin",
    host_key: asyncssh.SSHKey | None = None,
    login_guard: LoginGuard | None = None,
) -> SshServer:
    """Listen for SSH on `host`:`port` (0 picks a free port) in front of `access`'s switch.

    `login_guard` slows and locks out repeated failed logins; a lab shares one with NX-API.
    """
    connections: set[_Login] = set()
    guard = login_guard if login_guard is not None else LoginGuard()
    where = f"{access.name} ssh"

    async def handle(process: asyncssh.SSHServerProcess[str]) -> None:
        # A switch account runs with its roles; the lab's own account is the administrator.
        login = process.get_extra_info("username")
        user = None if login == username else login
        try:
            if process.command is not None:
                await _run_exec_request(access, process, user)
            else:
                await _Shell(access, process, user).run()
        except (asyncssh.Error, ConnectionError, BrokenPipeError):
            return  # the client went away; nothing is left to answer
        process.exit(0)

    acceptor = await asyncssh.create_server(
        lambda: _Login(
            username,
            password,
            connections,
            guard,
            where,
            lambda user, given: signs_in(access.switch.users, user, given, reserved=username),
        ),
        host,
        port,
        server_host_keys=[host_key or shared_host_key()],
        process_factory=handle,
        # NAPALM and netmiko copy candidate configurations onto bootflash with SCP.
        sftp_factory=lambda chan: BootflashSftp(chan, access, lab_account=username),
        allow_scp=True,
        line_editor=False,
        encoding="utf-8",
        errors="replace",
    )
    return SshServer(acceptor, connections)


async def _run_exec_request(
    access: SwitchAccess, process: asyncssh.SSHServerProcess[str], user: str | None = None
) -> None:
    """``ssh switch "cmd1 ; cmd2"``: run the commands in a fresh session, then exit."""
    newline = "\r\n" if process.get_terminal_type() else "\n"
    session = access.new_session(user)
    failed = False
    for index, line in enumerate(part.strip() for part in (process.command or "").split(";")):
        if not line:
            continue
        if index:
            # A long list of commands must not starve other sessions. Never between a
            # command and its answer: the lab may be stopping because of that command.
            await asyncio.sleep(0)
        if len(line) > MAX_LINE:
            process.stdout.write(TOO_LONG.replace("\n", newline))
            failed = True
            break
        result = await _run_line(access, session, line, prompt_len=0)
        text = (line + "\n" + result.output) if result.error else result.output
        process.stdout.write(text.replace("\n", newline))
        if result.error:
            failed = True
            break
        if result.close:
            break
    await process.stdout.drain()
    process.exit(1 if failed else 0)


async def _run_line(
    access: SwitchAccess, session: CliSession[Switch], line: str, *, prompt_len: int
) -> CliResult:
    try:
        return await access.run(session, line, prompt_len=prompt_len)
    except Exception as exc:
        # A handler bug must not take the user's session down with it; the incident keeps it
        # visible (`slpsim incidents`, GET /sim/incidents) and the log names the command.
        sim = access.simulation
        incident = sim.incidents.record(sim.clock.now(), f"{access.name} ssh", exc)
        _log.error("command %r failed on %s: incident %d", line[:200], access.name, incident.id)
        return CliResult(INTERNAL_ERROR, error=True)


def _ignore_lost_client(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()  # a client gone mid-write has nothing left to be shown


class _Shell:
    """One interactive session: line editing, echo, `?` help, the pager and the prompt."""

    def __init__(
        self,
        access: SwitchAccess,
        process: asyncssh.SSHServerProcess[str],
        user: str | None = None,
    ) -> None:
        self.access = access
        self.process = process
        self.session = access.new_session(user)
        # Someone is at the keyboard: reload, write erase and the like ask `(y/n)?` first.
        self.session.interactive = True
        self.paging = process.get_terminal_type() is not None
        self.line = ""
        self.history: list[str] = []
        self.history_at = 0
        self.out: list[str] = []
        self.escape: str | None = None
        self.after_cr = False
        self.more: list[str] = []
        self.closing = False
        # Set when typed text went past MAX_LINE and was dropped.
        self.overflow = False
        # `terminal monitor`: the switch's log lines, written between what the user sees.
        self.monitored: deque[str] = deque(maxlen=MONITOR_BACKLOG)
        self.busy = False
        self.asking = False
        self.monitor_wake: asyncio.Handle | None = None
        self.switch = access.switch

    # ------------------------------------------------------------------ output

    def write(self, text: str) -> None:
        self.out.append(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    async def flush(self) -> None:
        if self.out:
            self.process.stdout.write("".join(self.out))
            self.out.clear()
            await self.process.stdout.drain()

    @property
    def prompt(self) -> str:
        return self.session.prompt + " "

    # ------------------------------------------------------------------ main loop

    async def run(self) -> None:
        self.switch.syslog_listeners.append(self.logged)
        try:
            self.write(self.switch.login_banner() + "\n" + self.prompt)
            await self.flush()
            while not self.closing:
                try:
                    data = await self.process.stdin.read(READ_CHUNK)
                except (
                    asyncssh.BreakReceived,
                    asyncssh.SignalReceived,
                    asyncssh.TerminalSizeChanged,
                ):
                    continue
                if not data:
                    break
                self.busy = True
                try:
                    await self.feed(data)
                finally:
                    self.busy = False
                self.show_monitored()
                await self.flush()
                # Input that is already buffered does not suspend the read: give other
                # sessions, the pacer and the HTTP front ends their turn between chunks.
                await asyncio.sleep(0)
            await self.flush()
        finally:
            self.switch.syslog_listeners.remove(self.logged)
            if self.monitor_wake is not None:
                self.monitor_wake.cancel()

    # ------------------------------------------------------------------ terminal monitor

    def logged(self, record: SyslogRecord) -> None:
        """A syslog listener: runs inside the simulation, so it only queues and wakes."""
        if not self.session.terminal.monitor or self.closing:
            return
        # `logging monitor <severity>`: lines above it never reach monitor sessions.
        threshold = self.switch.logging_monitor
        if threshold is None or record.severity > threshold:
            return
        self.monitored.append(record.logfile_line())
        if self.monitor_wake is None:
            self.monitor_wake = asyncio.get_running_loop().call_soon(self.wake_monitor)

    def wake_monitor(self) -> None:
        self.monitor_wake = None
        if self.show_monitored():
            flushing = asyncio.ensure_future(self.flush())
            flushing.add_done_callback(_ignore_lost_client)

    def show_monitored(self) -> bool:
        """Write the queued log lines above the prompt, then redraw the prompt and the
        partial line, so what is being typed is neither lost nor cut in two."""
        if not self.monitored or self.busy or self.more or self.asking or self.closing:
            return False
        lines = "".join(f"{text}\n" for text in self.monitored)
        self.monitored.clear()
        self.write("\n" + lines + self.prompt + self.line)
        return True

    async def feed(self, data: str) -> None:
        """Handle typed or pasted input; runs of plain text are taken whole, not per key."""
        at = 0
        while at < len(data) and not self.closing:
            if not self.more and self.escape is None:
                plain = _PLAIN.match(data, at)
                if plain is not None:
                    self.type_text(plain.group())
                    self.after_cr = False
                    at = plain.end()
                    continue
            await self.key(data[at])
            at += 1

    async def key(self, char: str) -> None:
        after_cr, self.after_cr = self.after_cr, char == "\r"
        if char in "\n\x00" and after_cr:
            return  # the second half of a CR LF or CR NUL pair
        if self.more:
            self.page_key(char)
        elif self.escape is not None:
            self.escape_key(char)
        else:
            await self.edit(char)

    async def edit(self, char: str) -> None:
        if char in "\r\n":
            await self.enter(self.line)
        elif char == "?":
            await self.help()
        elif char == "\t":
            self.complete()
        elif char in "\x7f\x08":
            self.erase(1)
        elif char == "\x15":
            self.erase(len(self.line))
        elif char == "\x17":
            self.erase(len(self.line) - (self.line.rstrip().rfind(" ") + 1))
        elif char == "\x03":
            self.line = ""
            self.overflow = False
            self.write("\n" + self.prompt)
        elif char == "\x04":
            if not self.line and self.session.mode == Mode.EXEC:
                self.write("\n")
                self.closing = True
        elif char == "\x1a":
            await self.enter(self.line + "\x1a")
        elif char == "\x1b":
            self.escape = ""
        elif char == "\x10":
            self.recall(-1)
        elif char == "\x0e":
            self.recall(+1)
        elif char.isprintable():
            self.type_text(char)

    def type_text(self, text: str) -> None:
        if not text.isprintable():
            text = "".join(char for char in text if char.isprintable())
        room = MAX_LINE - len(self.line)
        if len(text) > room:
            # Like a terminal line editor with a full buffer: ring once, keep nothing more;
            # Enter then refuses the whole line rather than running a cut-off command.
            if not self.overflow:
                self.write("\a")
            self.overflow = True
            text = text[: max(room, 0)]
        self.line += text
        self.write(text)

    def escape_key(self, char: str) -> None:
        # Arrow keys and the like arrive as ESC [ ... final or ESC O final.
        assert self.escape is not None
        self.escape += char
        if len(self.escape) == 1 and char not in "[O":
            self.escape = None
        elif len(self.escape) > 1 and _CSI_FINAL.fullmatch(char):
            sequence, self.escape = self.escape, None
            if sequence[-1] == "A":
                self.recall(-1)
            elif sequence[-1] == "B":
                self.recall(+1)
        elif len(self.escape) > 16:
            self.escape = None

    def erase(self, count: int) -> None:
        count = min(count, len(self.line))
        if count:
            self.line = self.line[:-count]
            self.write("\b \b" * count)
        if not self.line:
            self.overflow = False

    def recall(self, step: int) -> None:
        if not self.history:
            return
        self.history_at = max(0, min(len(self.history), self.history_at + step))
        self.erase(len(self.line))
        self.line = self.history[self.history_at] if self.history_at < len(self.history) else ""
        self.write(self.line)

    # ------------------------------------------------------------------ commands

    async def enter(self, line: str) -> None:
        self.line = ""
        self.write("\n")
        if self.overflow:
            self.overflow = False
            self.write(TOO_LONG + self.prompt)
            return
        if line.strip() and line != "\x1a":
            self.history.append(line.rstrip("\x1a"))
            del self.history[:-MAX_HISTORY]
        self.history_at = len(self.history)
        await self.flush()
        result = await _run_line(
            self.access, self.session, line, prompt_len=len(self.session.prompt) + 1
        )
        if result.close:
            self.write(result.output)
            self.closing = True
            return
        self.asking = result.question
        if result.question:
            self.write(result.output)  # the answer is the next line; no prompt until then
            return
        lines = result.output.splitlines()
        page = self.session.terminal.length - 1
        if self.paging and page > 0 and len(lines) > page and not _NO_MORE.search(line):
            self.write("".join(f"{text}\n" for text in lines[:page]))
            self.more = lines[page:]
            self.write(MORE)
            return
        self.write(result.output + self.prompt)

    async def help(self) -> None:
        if self.overflow or len(self.line) > MAX_HELP_LINE:
            # Each `?` redraws the line: on a very long one, a paste of many `?` would cost
            # a line's worth of output per byte. Ring instead, as for a full buffer.
            self.write("\a")
            return
        self.write("?\n")
        await self.flush()
        result = await _run_line(
            self.access, self.session, self.line + "?", prompt_len=len(self.session.prompt) + 1
        )
        self.write(result.output + self.prompt + self.line)

    def complete(self) -> None:
        """Tab: complete the word being typed, or list what it could become."""
        if self.overflow or len(self.line) > MAX_HELP_LINE:
            self.write("\a")
            return
        line, choices = self.session.complete(self.line)
        if line != self.line and line.startswith(self.line):
            self.type_text(line[len(self.line) :])
        elif line != self.line:
            keep = len(self.line) - len(self.line.split(" ")[-1])
            self.erase(len(self.line) - keep)
            self.type_text(line[keep:])
        elif choices:
            self.write("\n" + "  ".join(choices) + "\n" + self.prompt + self.line)

    def page_key(self, char: str) -> None:
        self.write("\r" + " " * len(MORE) + "\r")
        if char in "qQ\x03":
            self.more = []
        else:
            count = 1 if char in "\r\n" else max(1, self.session.terminal.length - 1)
            shown, self.more = self.more[:count], self.more[count:]
            self.write("".join(f"{text}\n" for text in shown))
        if self.more:
            self.write(MORE)
        else:
            self.write(self.prompt)
