"""A person at an SSH terminal, for the tests: keys typed, and the screen read up to a marker."""

from __future__ import annotations

import asyncio

import asyncssh

WAIT = 10  # seconds: only a safety net against a hung client, never a measured duration


async def read_until(process: asyncssh.SSHClientProcess[str], marker: str) -> str:
    """What the terminal shows until `marker` (or until the session ends)."""
    seen = ""
    while marker not in seen:
        chunk = await asyncio.wait_for(process.stdout.read(4096), WAIT)
        if not chunk:
            break
        seen += chunk
    return seen


async def typed(process: asyncssh.SSHClientProcess[str], keys: str, marker: str) -> str:
    """Type `keys`, then read what the terminal shows until `marker`."""
    process.stdin.write(keys)
    return await read_until(process, marker)
