"""How a network front end (SSH, NX-API) reaches one switch of a running simulation.

Commands run through the switch's one CLI engine; what a command sets in motion (an HTTP
exchange with a back end, a syslog line) runs on the simulation's scheduler before the
answer goes back, under the lock that keeps the lab's pacing loop and every front end from
driving the scheduler at the same time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.lab.activity import ActivityLog
from sim.lab.persistence import CommitFailed
from sim.switch.cli import CliResult, CliSession
from sim.switch.users.roles import authorizer

if TYPE_CHECKING:
    from sim.simulation import Simulation
    from sim.switch.switch import Switch


class SwitchAccess:
    def __init__(
        self,
        simulation: Simulation,
        name: str,
        lock: asyncio.Lock | None = None,
        after_command: Callable[[], None] | None = None,
        *,
        activity: ActivityLog | None = None,
        via: str = "ssh",
        after_read: Callable[[], None] | None = None,
    ) -> None:
        self.simulation = simulation
        self.name = name
        self.lock = lock if lock is not None else asyncio.Lock()
        # The lab saves its state here: a command's effects survive a crash right after it.
        self.after_command = after_command
        # ... or here, after a show: it changes nothing, so the save can wait for the saver.
        self.after_read = after_read
        # Where the lab's activity log hears of each line (the console, `lab --record`).
        self.activity = activity
        self.via = via

    @property
    def switch(self) -> Switch:
        return self.simulation.switch(self.name)

    def new_session(self, user: str | None = None) -> CliSession[Switch]:
        """A CLI session; with `user`, one of the switch's accounts, it runs only what that
        user's roles permit (None: the lab's own account, an administrator)."""
        session = self.switch.new_session()
        if user is not None:
            session.authorize = authorizer(lambda: self.switch.users, user)
        return session

    async def run(
        self,
        session: CliSession[Switch],
        line: str,
        *,
        prompt_len: int | None = None,
        structured: bool = False,
    ) -> CliResult:
        """Execute one line in `session`, then let the simulation catch up."""
        async with self.lock:
            # What was due runs first, and a paced clock then holds still while the line runs:
            # it acts at the one instant it is logged at, as a replay advancing there would.
            await self.simulation.scheduler.settle()
            at = self.simulation.clock.now()
            self.simulation.clock.advance_to(at)
            mode = session.mode.name
            result = session.execute(line, prompt_len=prompt_len, structured=structured)
            # A structured attempt that did not run (NX-API then runs the line for its text)
            # is not something the user did.
            if self.activity is not None and not result.help and not result.structured_unsupported:
                self.activity.add(
                    at,
                    "cli",
                    switch=self.name,
                    via=self.via,
                    line=line,
                    error=result.error,
                    # What `--record` needs to replay it: the mode it was typed in and the one
                    # it left, the session (config blocks and y/n answers are per session),
                    # and what a refused line or a (y/n) question printed.
                    mode=mode,
                    next_mode=session.mode.name,
                    session=id(session),
                    question=result.question,
                    output=result.output if result.error or result.question else "",
                )
            try:
                await self.simulation.scheduler.settle()
                if self.after_read is not None and _reads_only(line, mode):
                    self.after_read()
                elif self.after_command is not None:
                    self.after_command()
            except CommitFailed as exc:
                # The lab is stopping and keeps nothing of this command: say so, NX-OS style.
                return CliResult(f"% {exc}; the lab is stopping\n", error=True)
        return result


def _reads_only(line: str, mode: str) -> bool:
    """One `show` command (NX-OS shows change nothing); `sh` alone only in EXEC, where it
    cannot be `shutdown`."""
    words = line.split(maxsplit=1)
    if not words or ";" in line or ">" in line:
        return False
    first = words[0].lower()
    return first in ("show", "sho") or (first == "sh" and mode == "exec")
