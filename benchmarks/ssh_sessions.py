"""SSH against lab switches, each figure beside a bare asyncssh server measured in the same run
(a prompt that answers the same text, and nothing else): netmiko connect and round trips, and
concurrent sessions, one per switch.

Run: .venv/bin/python benchmarks/ssh_sessions.py [--quick] [--switches 100] [--commands 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future

import asyncssh
from bench_lab import lab_options
from netmiko import ConnectHandler

from sim.lab.background import BackgroundLab

COMMAND = "show license status"
PROMPT = "leaf1# "


class _BareServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return (username, password) == ("admin", "admin")


def _bare_shell(answer: str) -> Callable[[asyncssh.SSHServerProcess[str]], Awaitable[None]]:
    """A prompt that echoes what is typed, answers COMMAND with `answer`, and nothing else."""

    async def shell(process: asyncssh.SSHServerProcess[str]) -> None:
        if process.command is not None:  # `ssh host command`: run it and close
            process.stdout.write(answer if process.command.strip() == COMMAND else "")
            process.exit(0)
            return
        process.stdout.write(PROMPT)
        while True:
            try:
                line = await process.stdin.readline()
            except asyncssh.BreakReceived:
                continue
            except (asyncssh.TerminalSizeChanged, asyncssh.SignalReceived):
                continue
            if not line or line.strip() == "exit":
                break
            if line.strip() == COMMAND:
                process.stdout.write(answer)
            process.stdout.write(PROMPT)
        process.exit(0)

    return shell


@contextlib.contextmanager
def bare_server(answer: str) -> Iterator[int]:
    """The bare server on a free loopback port, on its own thread; yields the port."""
    loop = asyncio.new_event_loop()
    ready: Future[asyncssh.SSHAcceptor] = Future()

    async def start() -> None:
        try:
            acceptor = await asyncssh.create_server(
                _BareServer,
                "127.0.0.1",
                0,
                server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")],
                process_factory=_bare_shell(answer),
            )
        except Exception as exc:
            ready.set_exception(exc)
            return
        ready.set_result(acceptor)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="bare-asyncssh", daemon=True)
    thread.start()
    acceptor = ready.result(timeout=30)
    try:
        yield acceptor.get_port()
    finally:
        loop.call_soon_threadsafe(acceptor.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def netmiko_rounds(port: int, commands: int) -> tuple[float, list[float], str]:
    """Connect (login, terminal setup), then `commands` round trips of COMMAND."""
    started = time.perf_counter()
    device = ConnectHandler(
        device_type="cisco_nxos",
        host="127.0.0.1",
        port=port,
        username="admin",
        password="admin",
    )
    connect = time.perf_counter() - started
    rounds = []
    output = ""
    for _ in range(commands):
        t0 = time.perf_counter()
        output = str(device.send_command(COMMAND))
        rounds.append(time.perf_counter() - t0)
    device.disconnect()
    return connect, rounds, output


async def one_session(port: int) -> float:
    started = time.perf_counter()
    async with asyncssh.connect(
        "127.0.0.1", port, username="admin", password="admin", known_hosts=None
    ) as conn:
        result = await conn.run(COMMAND, check=False)
        assert "Smart Licensing Using Policy" in str(result.stdout)
    return time.perf_counter() - started


async def many_sessions(ports: list[int]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(one_session(port) for port in ports))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 switches, 5 commands")
    parser.add_argument("--switches", type=int)
    parser.add_argument("--commands", type=int)
    args = parser.parse_args()
    switches = args.switches or (10 if args.quick else 100)
    commands = args.commands or (5 if args.quick else 20)
    with BackgroundLab(lab_options(switches)) as lab:
        port = lab.endpoints.switches[-1].ssh_port
        connect, rounds, answer = netmiko_rounds(port, commands)
        assert "Smart Licensing Using Policy" in answer, answer
        together = asyncio.run(many_sessions([e.ssh_port for e in lab.endpoints.switches]))
    # The bare server answers what the switch answered, with the line ends a terminal gets.
    with bare_server(answer.replace("\n", "\r\n") + "\r\n") as bare_port:
        bare_connect, bare_rounds, bare_answer = netmiko_rounds(bare_port, commands)
        assert bare_answer.strip() == answer.strip()
        bare_together = asyncio.run(many_sessions([bare_port] * switches))
    median, bare_median = statistics.median(rounds), statistics.median(bare_rounds)
    print(
        f"netmiko `{COMMAND}` round trip: median {median * 1000:.0f} ms,"
        f" connect {connect:.2f} s; bare asyncssh server, same text:"
        f" median {bare_median * 1000:.0f} ms, connect {bare_connect:.2f} s"
    )
    print(
        f"{switches} concurrent SSH sessions (login + `{COMMAND}`),"
        f" one per switch: {together:.2f} s; to a bare asyncssh server: {bare_together:.2f} s"
    )


if __name__ == "__main__":
    main()
