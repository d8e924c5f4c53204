"""A switch's CLI in the console, over a WebSocket: the same engine SSH and NX-API drive.

The page sends one typed line at a time as `{"line": "..."}` and gets back what a terminal
would show for it: `{"echo", "output", "prompt", "error"}`, with `echo` the prompt and the
line as typed, so a class watching the screen sees the trainer type. A line ending in `?` is
help (the line is given back to be typed on); a `(y/n)` question takes the next line as its
answer; `exit` at EXEC level closes the session, as over SSH.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from sim.lab.access import SwitchAccess
from sim.switch.cli import CliResult

if TYPE_CHECKING:
    from sim.lab.lab import Lab

MAX_LINE = 4096
INTERNAL_ERROR = "% Internal error; see slpsim incidents\n"
UNKNOWN_SWITCH = 4404
BAD_MESSAGE = 4400


async def serve_terminal(lab: Lab, socket: WebSocket, name: str) -> None:
    sim = lab.simulation
    if name not in sim.switches:
        await socket.accept()
        await socket.send_json({"error": f"no switch named {name[:64]!r}"})
        await socket.close(UNKNOWN_SWITCH)
        return
    access = SwitchAccess(
        sim, name, lab.lock, lab.save_switches, activity=lab.activity, via="console"
    )
    session = access.new_session()
    await socket.accept()
    await socket.send_json(
        {"banner": access.switch.login_banner(), "prompt": session.prompt + " ", "switch": name}
    )
    try:
        while True:
            text = await socket.receive_text()
            line = _line_of(text)
            if line is None:
                await socket.send_json({"error": 'expected {"line": "<a command>"}'})
                continue
            prompt = session.prompt + " "
            result = await _run(access, session, line, prompt_len=len(prompt))
            reply: dict[str, Any] = {
                "echo": prompt + line,
                "output": result.output,
                "prompt": "" if result.question else session.prompt + " ",
                "error": result.error,
            }
            if result.help:
                reply["retype"] = line.removesuffix("?")
            await socket.send_json(reply)
            if result.close:
                await socket.close()
                return
    except WebSocketDisconnect:
        return


def _line_of(text: str) -> str | None:
    try:
        message = json.loads(text)
    except ValueError:
        return None
    line = message.get("line") if isinstance(message, dict) else None
    if not isinstance(line, str) or len(line) > MAX_LINE or "\n" in line or "\r" in line:
        return None
    return line


async def _run(access: SwitchAccess, session: Any, line: str, *, prompt_len: int) -> CliResult:
    try:
        return await access.run(session, line, prompt_len=prompt_len)
    except Exception as exc:
        # A handler bug must not close the trainer's terminal; the incident keeps it visible.
        sim = access.simulation
        sim.incidents.record(sim.clock.now(), f"{access.name} console", exc)
        return CliResult(INTERNAL_ERROR, error=True)
