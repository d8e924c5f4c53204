"""`slpsim lab`: start a lab from its options (or a scenario), serve it, record it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.command_line.output import console
from sim.command_line.ports import port_error_line, taken_port_line
from sim.scenario.model import TOPOLOGIES

if TYPE_CHECKING:
    from sim.lab.recorder import LabRecorder


def lab(
    topology: Annotated[
        str,
        typer.Option(
            metavar="TOPOLOGY", help=f"One of the six topologies: {', '.join(TOPOLOGIES)}."
        ),
    ] = "direct",
    switches: Annotated[
        int, typer.Option(metavar="N", min=1, max=1000, help="How many switches.")
    ] = 2,
    rate: Annotated[
        float | None,
        typer.Option(
            metavar="RATE",
            min=0,
            help="Virtual seconds per real second (0 stops time). Default: the rate the "
            "state dir was last run at, else 1.",
            show_default=False,
        ),
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option(metavar="DIR", help="Keep the lab's state here across restarts.")
    ] = None,
    control_port: Annotated[
        int, typer.Option(metavar="PORT", help="Port of the control API.")
    ] = 8080,
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS", help="Address every listener binds to (loopback unless told)."
        ),
    ] = "127.0.0.1",
    ssh_port_base: Annotated[
        int,
        typer.Option(
            metavar="PORT",
            help="SSH port of the first switch (then +1 each; with --switch-addresses every "
            "switch's); 0: any free.",
        ),
    ] = 2201,
    nxapi_port_base: Annotated[
        int,
        typer.Option(
            metavar="PORT",
            help="NX-API port of the first switch (then +1 each; with --switch-addresses every "
            "switch's); 0: any free.",
        ),
    ] = 8201,
    switch_addresses: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Give each switch a loopback address of its own, from this one (127.0.1.1: "
            "leaf1 on 127.0.1.1, leaf2 on 127.0.1.2, ...), all on the same SSH and NX-API ports.",
        ),
    ] = None,
    ssh_config: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write an OpenSSH client config for the switches here (`ssh -F FILE leaf1`, "
            "netmiko's ssh_config_file). Default: ssh_config in the state dir, if any.",
            dir_okay=False,
        ),
    ] = None,
    backend_port_base: Annotated[
        int,
        typer.Option(
            metavar="PORT", help="Port of the first back end (cslu, cssm, onprem); 0: any free."
        ),
    ] = 0,
    jump_over_http: Annotated[
        bool,
        typer.Option(
            "--jump-over-http",
            help="During clock jumps, switches reach the back ends over HTTP as in real time "
            "(slower; by default a jump hands their messages to the back ends in-process).",
        ),
    ] = False,
    username: Annotated[str, typer.Option(metavar="NAME", help="SSH and NX-API user.")] = "admin",
    password: Annotated[
        str | None,
        typer.Option(
            metavar="PASSWORD",
            help="SSH and NX-API password (default admin). Visible in `ps`: prefer "
            "--password-file or $SLPSIM_PASSWORD.",
            show_default=False,
        ),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Read the SSH and NX-API password from this file's first line."
        ),
    ] = None,
    control_token: Annotated[
        str | None,
        typer.Option(
            metavar="TOKEN",
            help="Require this bearer token on every operator route (control API, back ends' "
            "/_sim). Visible in `ps`: prefer --control-token-file or $SLPSIM_CONTROL_TOKEN.",
        ),
    ] = None,
    control_token_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Read the control token from this file's first line."),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Build the lab from this scenario (topology, switches, start, timing) and "
            "play its steps before handing it over.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            metavar="STEP",
            help="With --scenario: stop after this step, by number (1-based) or by its label "
            "(`advance 4h`, `fault dns unreachable`) or the label's start. Default: all.",
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write what happens in the lab as a scenario file that `slpsim run` replays "
            "(every few seconds, and when the lab stops).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Start a lab: back ends, switches with SSH and NX-API, and the control API, on 127.0.0.1."""
    from sim.lab.lab import Lab, LabOptions
    from sim.lab.recorder import LabRecorder
    from sim.lab.serve import serve_lab
    from sim.lab.staging import StagingError, load_stage, stage_on_start, staged_options
    from sim.lab.state_store import StateError

    err = console(stderr=True)
    try:
        password_given = _secret(password, password_file, "SLPSIM_PASSWORD", "--password-file")
        control_token = _secret(
            control_token, control_token_file, "SLPSIM_CONTROL_TOKEN", "--control-token-file"
        )
    except ValueError as exc:
        err.print(f"slpsim lab: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    options = LabOptions(
        topology=topology,
        switches=switches,
        rate=rate,
        host=host,
        state_dir=state_dir,
        control_port=control_port,
        ssh_port_base=ssh_port_base,
        nxapi_port_base=nxapi_port_base,
        backend_port_base=backend_port_base,
        username=username,
        password="admin" if password_given is None else password_given,
        control_token=control_token,
        switch_addresses=switch_addresses,
        ssh_config=ssh_config,
        jump_over_http=jump_over_http,
    )
    if ssh_config is not None and not ssh_config.parent.is_dir():
        err.print(
            f"slpsim lab: --ssh-config: {ssh_config.parent} is not a directory",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    stage = None
    try:
        if until is not None and scenario is None:
            raise StagingError("--until needs --scenario FILE")
        if scenario is not None:
            stage = load_stage(scenario, until)
            options = staged_options(stage, options)
        the_lab = Lab(options)
    except (ValueError, StateError) as exc:
        err.print(f"slpsim lab: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    if the_lab.resumed and (stage is not None or record is not None):
        if the_lab.store is not None:
            the_lab.store.close()
        what = "--scenario" if stage is not None else "--record"
        err.print(
            f"slpsim lab: {what} starts from a new lab, but {state_dir} holds one; "
            "give an empty --state-dir",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    if stage is not None:
        stage_on_start(the_lab, stage, lambda line: console().print(line, markup=False))
    recorder = LabRecorder(the_lab, record) if record is not None else None
    if recorder is not None:
        if stage is not None:
            recorder.continue_from(stage)  # the staged steps open the recording
        recorder.save_while_running()
    # Every port is tried before anything starts: a taken one is one line, not a traceback.
    taken = taken_port_line(the_lab)
    if taken is None:
        try:
            serve_lab(the_lab, console())
        except StateError as exc:
            recorder = None  # the lab never ran: nothing to record
            # Found while restoring (a damaged or hand-edited state dir): one line, no traceback.
            err.print(f"slpsim lab: {exc}", style="red", markup=False)
            raise typer.Exit(2) from None
        except OSError as exc:
            recorder = None
            taken = port_error_line(the_lab, exc)
            if taken is None:
                raise
        except SystemExit:
            # A failed commit stopped the lab: what was done until then is still kept.
            if recorder is not None:
                _write_recording(recorder, stopping=True)
            raise
        if recorder is not None:
            _write_recording(recorder)
    if taken is not None:
        if the_lab.store is not None:
            the_lab.store.close()
        err.print(f"slpsim: {taken}", style="red", markup=False)
        raise typer.Exit(2)


def _write_recording(recorder: LabRecorder, *, stopping: bool = False) -> None:
    from sim.lab.recorder import RecordError

    try:
        steps = recorder.write()
    except RecordError as exc:
        console(stderr=True).print(f"slpsim lab: --record: {exc}", style="red", markup=False)
        if stopping:
            return  # the lab's own exit status says why it stopped
        raise typer.Exit(1) from None
    console().print(
        f"recorded {steps} step(s) in {recorder.path}; replay: slpsim run {recorder.path}",
        markup=False,
    )


def _secret(given: str | None, path: Path | None, variable: str, option: str) -> str | None:
    """A secret from the command line, else its file, else its environment variable."""
    if given is not None:
        return given
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{option}: cannot read {path}: {exc}") from None
        lines = text.splitlines()
        if not lines or not lines[0].strip():
            raise ValueError(f"{option}: {path} is empty")
        return lines[0].strip()
    return os.environ.get(variable) or None
