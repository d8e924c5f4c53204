"""The lab's listening ports, checked before it starts: a taken one is named by the option
that chose it, in one line instead of a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.lab.lab import Lab


def _port_roles(the_lab: Lab) -> list[tuple[int, str]]:
    """Every fixed port the lab will listen on (on --host), with the option that chooses it."""
    opts = the_lab.options
    roles = [(opts.control_port, "--control-port")]
    bases = [(opts.backend_port_base, "--backend-port-base", 3)]
    if opts.switch_addresses is None:
        bases += [
            (opts.nxapi_port_base, "--nxapi-port-base", opts.switches),
            (opts.ssh_port_base, "--ssh-port-base", opts.switches),
        ]
    for base, option, count in bases:
        if base:
            roles += [(base + n, option) for n in range(count)]
    return [(port, option) for port, option in roles if port]


def _switch_port_roles(the_lab: Lab) -> list[tuple[str, int, str]]:
    """With --switch-addresses: each switch's fixed ports on its own address."""
    opts = the_lab.options
    if opts.switch_addresses is None:
        return []
    return [
        (host, port, option)
        for host in the_lab.switch_hosts
        for port, option in (
            (opts.nxapi_port_base, "--nxapi-port-base"),
            (opts.ssh_port_base, "--ssh-port-base"),
        )
        if port
    ]


def _in_use_line(host: str, port: int, option: str) -> str:
    return f"port {port} on {host} is already in use; choose another with {option}"


def taken_port_line(the_lab: Lab) -> str | None:
    from sim.lab.listeners import taken_port

    roles = _port_roles(the_lab)
    error = taken_port(the_lab.options.host, [port for port, _ in roles])
    option = next((option for port, option in roles if error and port == error.port), "")
    for host, port, switch_option in _switch_port_roles(the_lab):
        if error is not None:
            break
        error, option = taken_port(host, [port]), switch_option
    if error is None:
        return None
    if error.in_use:
        return _in_use_line(error.host, error.port, option)
    return f"cannot listen on {error.host}:{error.port} ({error.reason}); check {option}"


def port_error_line(the_lab: Lab, exc: OSError) -> str | None:
    """One line for a port taken after the check (a race), or None if `exc` is another error."""
    import errno

    from sim.lab.listeners import PortInUseError

    if isinstance(exc, PortInUseError):
        roles = [(port, option) for _, port, option in _switch_port_roles(the_lab)]
        option = dict(_port_roles(the_lab) + roles).get(exc.port, "")
        return _in_use_line(exc.host, exc.port, option or "another port option")
    if exc.errno == errno.EADDRINUSE:
        return f"a port of the lab on {the_lab.options.host} is already in use ({exc.strerror})"
    return None
