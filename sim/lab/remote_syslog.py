"""Remote syslog: `logging server <ip> [severity] [port <n>] [use-vrf <v>]` as real UDP.

A lab never sends traffic off the machine. A logging server on a loopback address gets real
datagrams in the NX-OS remote format (`<PRI>: 2026 Jan  5 09:00:00 UTC: %LICMGR-...`); one on
any other address is a host of the simulated network, so its datagrams are counted, as a
capture on that host would see them, but never put on the wire.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field

from sim.switch.switch import Switch
from sim.syslog import SyslogRecord

LOCAL7 = 23


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


@dataclass
class RemoteSyslog:
    """Sends every switch's syslog to the logging servers configured on it."""

    sent: int = 0
    simulated: list[tuple[str, int, str]] = field(default_factory=list)
    _socket: socket.socket | None = None

    def attach(self, switch: Switch) -> None:
        switch.syslog_listeners.append(lambda record: self.forward(switch, record))

    def forward(self, switch: Switch, record: SyslogRecord) -> None:
        for server in switch.logging_servers:
            # NX-OS severities: 0 is the most severe; a server at level n takes 0..n.
            if record.severity > server.severity:
                continue
            line = record.remote_line(LOCAL7)
            if is_loopback(server.ip):
                self._send(line, server.ip, server.port)
            elif switch.ctx.network.reachable(server.ip, server.vrf):
                self.simulated.append((server.ip, server.port, line))
                del self.simulated[:-1000]

    def _send(self, line: str, ip: str, port: int) -> None:
        if self._socket is None:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._socket.setblocking(False)
        try:
            self._socket.sendto(line.encode(), (ip, port))
        except (BlockingIOError, OSError):
            # UDP is fire and forget: a full buffer or an unbound port loses the datagram.
            return
        self.sent += 1

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class SyslogCollector(asyncio.DatagramProtocol):
    """A loopback UDP collector (for tests and `slpsim syslog --listen`)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.arrived = asyncio.Event()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.lines.append(data.decode(errors="replace"))
        self.arrived.set()

    @classmethod
    async def listen(
        cls, host: str = "127.0.0.1", port: int = 0
    ) -> tuple[asyncio.DatagramTransport, SyslogCollector, int]:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(cls, local_addr=(host, port))
        bound = transport.get_extra_info("sockname")[1]
        return transport, protocol, int(bound)
