"""The NX-OS command-line engine (sim/switch/cli.py): grammar, errors, help, modes, pipes."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from datetime import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.switch.cli import (
    ArgType,
    CliResult,
    CliSession,
    CommandContext,
    CommandError,
    CommandSet,
    Mode,
    PatternError,
)


@dataclass
class Box:
    """Stands in for the switch: records what handlers saw."""

    calls: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)

    def last(self) -> tuple[str, dict[str, Any], bool]:
        return self.calls[-1]


def recorder(name: str, output: str = "") -> Any:
    def handler(ctx: CommandContext[Box]) -> str:
        ctx.context.calls.append((name, dict(ctx.args), ctx.negated))
        return output

    return handler


STATUS_TEXT = "Smart Licensing Using Policy:\n  Status: ENABLED\n\nTransport:\n  Type: cslu\n"


def failing(ctx: CommandContext[Box]) -> str:
    raise CommandError("% Invalid host/interface " + ctx.args["host"])


def build_commands() -> CommandSet[Box]:
    cs: CommandSet[Box] = CommandSet()
    cs.describe("license", "Show license information")
    cs.add(
        Mode.EXEC,
        "show license status",
        recorder("status", STATUS_TEXT),
        help={"status": "Show license status"},
        json=lambda ctx: {"transport": "cslu", "enabled": True},
    )
    cs.add(Mode.EXEC, "show license usage", recorder("usage", "usage\n"))
    cs.add(Mode.EXEC, "show logging last <n:int(1-9999)>", recorder("logging"))
    cs.add(
        Mode.EXEC,
        "license smart trust idtoken <token:word> [local|all] [force]",
        recorder("trust"),
        help={"token": "Token string"},
    )
    cs.add(
        Mode.CONFIG,
        "license smart usage interval <days:int(1-3650)>",
        recorder("interval"),
        no_pattern="license smart usage interval [<days:int(1-3650)>]",
        help={"days": "Interval in days"},
    )
    cs.add(Mode.CONFIG, "ntp server <ip:ipv4> [prefer] [use-vrf <vrf:word>]", recorder("ntp"))
    cs.add(
        Mode.EXEC,
        "clock set <time:hhmmss> <day:int(1-31)> <month:month> <year:int(2000-2037)>",
        recorder("clock"),
        help={"time": "Current Time"},
    )
    cs.add(Mode.CONFIG, "ip name-server <servers:ipv4...>  [use-vrf <vrf:word>]", recorder("dns"))
    cs.add(Mode.EXEC, "ping <host:word> [vrf <vrf:word>]", failing)
    cs.add(
        Mode.CONFIG,
        "license smart transport {transport= smart|cslu|callhome|off}",
        recorder("transport"),
    )
    cs.add(Mode.CONFIG, "vrf context <name:word>", recorder("vrf"), enters=Mode.CONFIG_VRF)
    cs.add(Mode.CONFIG_VRF, "ip name-server <servers:ipv4...>", recorder("vrf-dns"))
    cs.add(
        Mode.EXEC,
        "license smart save usage {all|unreported} file <path:word>",
        recorder("save"),
    )
    cs.add(Mode.CONFIG, "callhome", recorder("callhome"), enters=Mode.CONFIG_CALLHOME)
    cs.add(Mode.CONFIG_CALLHOME, "email-contact <addr:word>", recorder("email"))
    cs.add(Mode.CONFIG, "hostname <name:word>", recorder("hostname"), negatable=False)
    cs.add(Mode.CONFIG, "banner motd <text:line>", recorder("banner"))
    return cs


def session() -> CliSession[Box]:
    return CliSession(build_commands(), lambda: "leaf1", Box())


def run(s: CliSession[Box], line: str) -> CliResult:
    return s.execute(line)


def caret_error(column: int, message: str) -> str:
    return " " * column + "^\n" + message + "\n"


INVALID = "% Invalid command at '^' marker."
INCOMPLETE = "% Incomplete command at '^' marker."
BAD_PARAM = "% Invalid parameter detected at '^' marker."
AMBIGUOUS = "% Ambiguous command at '^' marker."


# --------------------------------------------------------------------------- abbreviations


@pytest.mark.parametrize(
    "line",
    ["show license status", "sh lic st", "SHOW License STATUS", "  sh   lic  status  ", "s li sta"],
)
def test_unique_prefixes_and_any_case_and_spacing_run_the_command(line: str) -> None:
    s = session()
    result = run(s, line)
    assert result == CliResult(STATUS_TEXT)
    assert s.context.last()[0] == "status"


@pytest.mark.parametrize(
    "line", ["conf t", "config t", "configure", "configure terminal", "CONF T"]
)
def test_configure_terminal_abbreviations_enter_config(line: str) -> None:
    s = session()
    result = run(s, line)
    assert result.output == "Enter configuration commands, one per line. End with CNTL/Z.\n"
    assert s.prompt == "leaf1(config)#"


def test_arguments_keep_their_case_and_group_keywords_become_flags() -> None:
    s = session()
    run(s, "lic sm tr idt AbC-12 all fo")
    assert s.context.last() == ("trust", {"token": "AbC-12", "all": True, "force": True}, False)
    run(s, "license smart trust idtoken XyZ")
    assert s.context.last() == ("trust", {"token": "XyZ"}, False)


def test_typed_values_repeats_and_named_choices() -> None:
    s = session()
    run(s, "clock set 09:05:07 31 Dec 2030")
    assert s.context.last()[1] == {"time": time(9, 5, 7), "day": 31, "month": 12, "year": 2030}
    run(s, "configure terminal")
    run(s, "ip name-server 10.0.0.1 10.0.0.2 use-vrf management")
    assert s.context.last()[1] == {
        "servers": [ipaddress.IPv4Address("10.0.0.1"), ipaddress.IPv4Address("10.0.0.2")],
        "use-vrf": True,
        "vrf": "management",
    }
    run(s, "license smart transport call")
    assert s.context.last()[1] == {"transport": "callhome", "callhome": True}
    run(s, 'banner motd  "Hello |" there  ')
    assert s.context.last()[1] == {"text": '"Hello |" there'}


def test_quoted_token_is_one_argument() -> None:
    s = session()
    run(s, 'license smart trust idtoken "a b c"')
    assert s.context.last()[1] == {"token": "a b c"}


# --------------------------------------------------------------------------- errors


def test_invalid_keyword_caret_counts_the_prompt() -> None:
    s = session()
    result = run(s, "show licence status")
    assert result.error
    # "leaf1# " is 7 columns, "show " 5 more: the caret sits under the "l" of "licence".
    assert result.output == "            ^\n% Invalid command at '^' marker.\n"


def test_caret_follows_the_prompt_of_the_current_mode_and_explicit_length() -> None:
    s = session()
    run(s, "conf t")
    assert run(s, "ntp serverx 1.1.1.1").output == caret_error(15 + 4, INVALID)
    assert s.execute("ntp serverx 1.1.1.1", prompt_len=0).output == caret_error(4, INVALID)


def test_leading_spaces_move_the_caret() -> None:
    assert run(session(), "   show bogus").output == caret_error(7 + 8, INVALID)


def test_unknown_first_word_and_extra_token() -> None:
    s = session()
    assert run(s, "frobnicate").output == caret_error(7, INVALID)
    assert run(s, "show license status now").output == caret_error(7 + 20, INVALID)


def test_incomplete_caret_is_just_after_the_last_character() -> None:
    s = session()
    assert run(s, "show license").output == caret_error(19, INCOMPLETE)
    assert run(s, "license smart save usage all file").output == caret_error(7 + 33, INCOMPLETE)
    assert run(s, "show license status |").output == caret_error(7 + 21, INCOMPLETE)


def test_invalid_parameter_for_bad_type_or_range() -> None:
    s = session()
    assert run(s, "show logging last 0").output == caret_error(7 + 18, BAD_PARAM)
    assert run(s, "show logging last 12x").output == caret_error(7 + 18, BAD_PARAM)
    assert run(s, "clock set 24:00:00 1 May 2030").output == caret_error(7 + 10, BAD_PARAM)
    assert run(s, "clock set 12:00:00 1 Mai 2030").output == caret_error(7 + 21, BAD_PARAM)
    run(s, "conf t")
    assert run(s, "license smart usage interval 3651").output == caret_error(15 + 29, BAD_PARAM)
    assert run(s, "ntp server 1.2.3.256").output == caret_error(15 + 11, BAD_PARAM)
    assert run(s, "ntp server ١.٢.٣.٤").output == caret_error(15 + 11, BAD_PARAM)


def test_ambiguous_prefix() -> None:
    s = session()
    # "show l" could be license or logging.
    assert run(s, "show l status").output == caret_error(12, AMBIGUOUS)
    # "Ju" is June or July.
    assert run(s, "clock set 12:00:00 1 Ju 2030").output == caret_error(7 + 21, AMBIGUOUS)
    run(s, "conf t")
    # "n" is no or ntp, even though EXEC, tried next, has only `no`.
    assert run(s, "n server 1.1.1.1").output == caret_error(15, AMBIGUOUS)


def test_exact_keyword_wins_over_longer_keyword() -> None:
    cs: CommandSet[Box] = CommandSet()
    cs.add(Mode.EXEC, "show json", recorder("short"))
    cs.add(Mode.EXEC, "show json-pretty", recorder("long"))
    s = CliSession(cs, lambda: "sw", Box())
    run(s, "show json")
    assert s.context.last()[0] == "short"
    assert run(s, "show j").output == caret_error(4 + 5, AMBIGUOUS)


def test_command_error_becomes_the_output() -> None:
    result = run(session(), "ping nowhere")
    assert result == CliResult("% Invalid host/interface nowhere\n", error=True)


def test_failed_line_does_not_change_mode() -> None:
    s = session()
    run(s, "conf t")
    run(s, "vrf context")
    assert s.prompt == "leaf1(config)#"


# --------------------------------------------------------------------------- help


def test_help_lists_next_words_in_nxos_layout() -> None:
    result = run(session(), "show license ?")
    assert result.help and not result.error
    assert result.output == "  status  Show license status\n  usage   \n"


def test_help_shows_cr_and_pipe_where_the_command_can_end() -> None:
    result = run(session(), "show license status ?")
    assert result.output == "  <CR>  \n  |     Pipe command output to filter\n"


def test_help_for_arguments_uses_nxos_placeholders() -> None:
    s = session()
    assert run(s, "show logging last ?").output == "  <1-9999>  Enter a number\n"
    assert run(s, "clock set ?").output == "  HH:MM:SS  Current Time\n"
    months = run(s, "clock set 10:00:00 1 ?").output.splitlines()
    assert months[0] == "  April      Month of the year"
    assert len(months) == 12
    assert run(s, "ping ?").output == "  WORD  Enter a word\n"
    run(s, "conf t")
    assert run(s, "ntp server ?").output == "  A.B.C.D  Enter an IPv4 address\n"
    assert run(s, "license smart usage interval ?").output == "  <1-3650>  Interval in days\n"


def test_help_mixes_optional_keywords_and_cr() -> None:
    out = run(session(), "license smart trust idtoken T ?").output
    assert (
        out
        == "  <CR>   \n  all    \n  force  \n  local  \n  |      Pipe command output to filter\n"
    )


def test_prefix_help_without_space_lists_matching_keywords() -> None:
    s = session()
    assert run(s, "sh?").output == "  show  Show running system information\n"
    assert run(s, "show lic?").output == "  license  Show license information\n"
    assert run(s, "show l?").output == ("  license  Show license information\n  logging  \n")
    assert run(s, "clock set 10:00:00 1 Ju?").output == (
        "  July  Month of the year\n  June  Month of the year\n"
    )


def test_help_errors_carry_a_caret() -> None:
    s = session()
    result = run(s, "show licence ?")
    assert result.error and result.help
    assert result.output == caret_error(12, INVALID)
    assert run(s, "show zz?").output == caret_error(12, INVALID)


def test_help_at_root_lists_mode_commands() -> None:
    s = session()
    exec_words = [line.split()[0] for line in run(s, "?").output.splitlines()]
    assert exec_words == [
        "clock",
        "configure",
        "end",
        "exit",
        "license",
        "no",  # `no terminal dont-ask`, as NAPALM sends it
        "ping",
        "show",
        "terminal",
    ]
    run(s, "conf t")
    config_words = [line.split()[0] for line in run(s, "?").output.splitlines()]
    assert config_words == [
        "banner", "callhome", "do", "end", "exit", "hostname", "ip", "license", "no", "ntp", "vrf"
    ]  # fmt: skip
    run(s, "vrf context red")
    vrf_words = [line.split()[0] for line in run(s, "?").output.splitlines()]
    assert vrf_words == ["do", "end", "exit", "ip", "no"]


def test_help_in_config_falls_back_to_exec_with_nxos_banner() -> None:
    s = session()
    run(s, "conf t")
    out = run(s, "show license ?").output
    assert out == (
        "*** No matching command found in current mode, matching in (exec) mode ***\n"
        "  status  Show license status\n  usage   \n"
    )
    # `do` says where it is going, so no banner.
    assert run(s, "do show license ?").output == "  status  Show license status\n  usage   \n"


def test_help_in_submode_falls_back_to_config_with_banner() -> None:
    s = session()
    run(s, "conf t")
    run(s, "vrf context red")
    assert run(s, "ntp ?").output == (
        "*** No matching command found in current mode, matching in (config) mode ***\n  server  \n"
    )


def test_help_after_pipe_lists_filters() -> None:
    s = session()
    out = run(s, "show license status | ?").output.splitlines()
    assert [line.split()[0] for line in out] == [
        "begin", "count", "egrep", "exclude", "grep", "head", "include", "json", "json-pretty",
        "last", "no-more", "section",
    ]  # fmt: skip
    assert run(s, "show license status | inc ?").output == "  WORD  Search for the expression\n"
    assert run(s, "show license status | json ?").output == (
        "  <CR>  \n  |     Pipe command output to filter\n"
    )
    assert run(s, "show license status |?").output == "  |  Pipe command output to filter\n"
    assert run(s, "show licence status | ?").output == caret_error(12, INVALID)


def test_help_does_not_run_anything_or_change_mode() -> None:
    s = session()
    run(s, "conf t")
    run(s, "vrf context red ?")
    assert s.context.calls == []
    assert s.prompt == "leaf1(config)#"


def test_help_for_no_forms() -> None:
    s = session()
    run(s, "conf t")
    assert "hostname" not in run(s, "no ?").output
    assert run(s, "no license smart usage interval ?").output == (
        "  <CR>      \n  <1-3650>  Interval in days\n"
    )


# --------------------------------------------------------------------------- no forms


def test_config_commands_get_a_no_form() -> None:
    s = session()
    run(s, "conf t")
    assert run(s, "no ntp server 1.2.3.4 prefer") == CliResult()
    assert s.context.last() == (
        "ntp",
        {"ip": ipaddress.IPv4Address("1.2.3.4"), "prefer": True},
        True,
    )
    run(s, "ntp server 1.2.3.4")
    assert s.context.last()[2] is False


def test_no_pattern_can_relax_the_arguments() -> None:
    s = session()
    run(s, "conf t")
    run(s, "no license smart usage interval")
    assert s.context.last() == ("interval", {}, True)
    assert run(s, "license smart usage interval").output == caret_error(15 + 28, INCOMPLETE)


def test_not_negatable_and_exec_commands_have_no_no_form() -> None:
    s = session()
    # EXEC's `no` only takes what has a `no` form there (`no terminal ...`).
    assert run(s, "no show license status").output == caret_error(10, INVALID)
    run(s, "conf t")
    assert run(s, "no hostname x").output == caret_error(18, INVALID)


def test_no_form_does_not_enter_the_submode() -> None:
    s = session()
    run(s, "conf t")
    run(s, "no vrf context red")
    assert s.context.last() == ("vrf", {"name": "red"}, True)
    assert s.mode == Mode.CONFIG


# --------------------------------------------------------------------------- modes


def test_prompts_follow_the_mode_stack() -> None:
    s = session()
    assert s.prompt == "leaf1#"
    run(s, "conf t")
    assert s.prompt == "leaf1(config)#"
    run(s, "vrf context red")
    assert s.prompt == "leaf1(config-vrf)#"
    assert s.modes == (Mode.EXEC, Mode.CONFIG, Mode.CONFIG_VRF)
    run(s, "exit")
    assert s.prompt == "leaf1(config)#"
    run(s, "callhome")
    assert s.prompt == "leaf1(config-callhome)#"
    run(s, "end")
    assert s.prompt == "leaf1#"


def test_hostname_is_read_for_every_prompt() -> None:
    names = iter(["a", "b"])
    s = CliSession(build_commands(), lambda: next(names), Box())
    assert (s.prompt, s.prompt) == ("a#", "b#")


def test_exit_in_exec_asks_to_close() -> None:
    s = session()
    run(s, "conf t")
    assert run(s, "exit") == CliResult()
    result = run(s, "exit")
    assert result.close and not result.error
    assert run(s, "show license status").close is False


@pytest.mark.parametrize("line", ["^Z", "  ^Z ", "\x1a"])
def test_ctrl_z_returns_to_exec(line: str) -> None:
    s = session()
    run(s, "conf t")
    run(s, "vrf context red")
    assert run(s, line) == CliResult()
    assert s.mode == Mode.EXEC


def test_ctrl_z_after_a_config_line_runs_it_first() -> None:
    s = session()
    run(s, "conf t")
    run(s, "ntp server 1.1.1.1\x1a")
    assert s.context.last()[0] == "ntp"
    assert s.mode == Mode.EXEC


def test_submode_line_matching_config_runs_there_and_leaves_the_submode() -> None:
    s = session()
    run(s, "conf t")
    run(s, "vrf context red")
    run(s, "ip name-server 1.1.1.1")
    assert s.context.last()[0] == "vrf-dns"
    assert s.mode == Mode.CONFIG_VRF
    run(s, "ntp server 2.2.2.2")
    assert s.context.last()[0] == "ntp"
    assert s.mode == Mode.CONFIG
    run(s, "ip name-server 1.1.1.1 use-vrf x")
    assert s.context.last()[0] == "dns"


def test_submode_command_from_another_submode_switches_submode() -> None:
    s = session()
    run(s, "conf t")
    run(s, "callhome")
    run(s, "vrf context blue")
    assert s.modes == (Mode.EXEC, Mode.CONFIG, Mode.CONFIG_VRF)
    assert s.context.last() == ("vrf", {"name": "blue"}, False)


def test_submode_errors_report_the_furthest_match() -> None:
    s = session()
    run(s, "conf t")
    run(s, "vrf context red")
    # Fails in config-vrf at "ntp"; in config it gets as far as the bad address.
    assert run(s, "ntp server 1.1.1").output == caret_error(19 + 11, BAD_PARAM)
    assert s.mode == Mode.CONFIG_VRF


def test_exec_commands_run_from_config_modes_without_leaving_them() -> None:
    s = session()
    run(s, "conf t")
    run(s, "vrf context red")
    assert run(s, "show license status").output == STATUS_TEXT
    assert run(s, "do sh lic st | count").output == "5\n"
    assert s.mode == Mode.CONFIG_VRF
    assert run(s, "do").output == caret_error(19 + 2, INCOMPLETE)
    assert run(s, "do conf x").output == caret_error(19 + 8, INVALID)


def test_config_commands_are_unknown_in_exec() -> None:
    assert run(session(), "ntp server 1.1.1.1").output == caret_error(7, INVALID)


def test_handler_can_change_mode_and_sees_context() -> None:
    cs: CommandSet[Box] = CommandSet()
    interface = Mode.submode("config-if")

    def enter_if(ctx: CommandContext[Box]) -> str:
        ctx.session.enter(interface)
        ctx.context.calls.append(("if", ctx.args, ctx.negated))
        return ""

    cs.add(Mode.CONFIG, "interface <name:word>", enter_if)
    s = CliSession(cs, lambda: "sw", Box())
    s.execute_config(["interface mgmt0"])
    run(s, "conf t")
    run(s, "interface mgmt0")
    assert s.prompt == "sw(config-if)#"
    assert s.context.calls[-1][0] == "if"


def test_execute_config_enters_config_runs_each_line_and_ends() -> None:
    s = session()
    results = s.execute_config(
        ["ntp server 1.1.1.1", "vrf context red", "ip name-server 9.9.9.9", "ntp bogus"]
    )
    assert [r.error for r in results] == [False, False, False, True]
    assert results[3].output == caret_error(19 + 4, INVALID)
    assert [c[0] for c in s.context.calls] == ["ntp", "vrf", "vrf-dns"]
    assert s.mode == Mode.EXEC
    assert s.execute_config(["ntp bogus"], prompt_len=0)[0].output == caret_error(4, INVALID)


# --------------------------------------------------------------------------- pipes


@pytest.mark.parametrize(
    ("pipe", "expected"),
    [
        ("| include Type", "  Type: cslu\n"),
        ("| inc type", ""),  # case-sensitive, like NX-OS grep
        ("| exclude :", "\n"),
        ("| begin ^Transport", "Transport:\n  Type: cslu\n"),
        ("| begin nothing", ""),
        ("| count", "5\n"),
        ("| no-more", STATUS_TEXT),
        ("| include S | count", "2\n"),
        ("| include S | exclude Smart", "  Status: ENABLED\n"),
        ('| include "s: E"', "  Status: ENABLED\n"),
        ("| include (Smart|Type)", "Smart Licensing Using Policy:\n  Type: cslu\n"),
        ("| include Smart Licensing", "Smart Licensing Using Policy:\n"),
    ],
)
def test_pipes_filter_text_line_by_line(pipe: str, expected: str) -> None:
    result = run(session(), "show license status " + pipe)
    assert result == CliResult(expected)


def test_pipe_errors() -> None:
    s = session()
    line = "show license status | grepx foo"
    assert run(s, line).output == caret_error(7 + 22, INVALID)
    assert run(s, "show license status | include (").output == caret_error(7 + 30, BAD_PARAM)
    assert run(s, "show license status | include").output == caret_error(7 + 29, INCOMPLETE)
    assert run(s, "| count").output == caret_error(7, INVALID)
    assert run(s, "show license status | j").output == caret_error(7 + 22, AMBIGUOUS)
    assert s.context.calls == []


def test_json_pipe_uses_the_structured_renderer() -> None:
    s = session()
    result = run(s, "show license status | json")
    assert result.structured == {"transport": "cslu", "enabled": True}
    assert json.loads(result.output) == result.structured
    assert result.output.count("\n") == 1
    pretty = run(s, "show license status | json-pretty").output
    assert pretty == '{\n    "transport": "cslu",\n    "enabled": true\n}\n'
    assert run(s, "show license status | json | include transport").output == (
        '{"transport": "cslu", "enabled": true}\n'
    )
    # The text handler does not run for structured output.
    assert s.context.calls == []


def test_structured_execute_is_json_without_typing_it() -> None:
    s = session()
    result = s.execute("show license status", structured=True)
    assert result.structured == {"transport": "cslu", "enabled": True}


def test_json_without_renderer_is_flagged_unsupported() -> None:
    s = session()
    result = run(s, "show license usage | json")
    assert result.error and result.structured_unsupported
    assert result.output == "% Structured output unsupported\n"
    assert s.execute("terminal length 0", structured=True).structured_unsupported
    assert s.context.calls == []


# --------------------------------------------------------------------------- terminal & blanks


@pytest.mark.parametrize(
    ("line", "attribute", "value"),
    [
        ("terminal length 0", "length", 0),
        ("term len 0", "length", 0),
        ("terminal width 511", "width", 511),
        ("term wid 132", "width", 132),
        ("terminal monitor", "monitor", True),
        ("terminal dont-ask", "dont_ask", True),
    ],
)
def test_terminal_commands_are_built_in_and_silent(
    line: str, attribute: str, value: object
) -> None:
    s = session()
    assert run(s, line) == CliResult()
    assert getattr(s.terminal, attribute) == value


def test_terminal_no_monitor_and_ranges() -> None:
    s = session()
    run(s, "terminal monitor")
    assert run(s, "terminal no monitor") == CliResult()
    assert s.terminal.monitor is False
    assert run(s, "terminal width 600").output == caret_error(7 + 15, BAD_PARAM)
    assert run(s, "terminal length 512").output == caret_error(7 + 16, BAD_PARAM)
    run(s, "conf t")
    assert run(s, "terminal length 0") == CliResult()
    assert s.terminal.length == 0


@pytest.mark.parametrize("line", ["", "   ", "\t", "\r\n", "  \n"])
def test_blank_lines_do_nothing(line: str) -> None:
    s = session()
    assert run(s, line) == CliResult()
    run(s, "conf t")
    assert run(s, line) == CliResult()


def test_comments_only_in_config_modes() -> None:
    s = session()
    assert run(s, "! hello").output == caret_error(7, INVALID)
    run(s, "conf t")
    assert run(s, "! hello") == CliResult()
    assert run(s, "  # hello") == CliResult()
    assert s.context.calls == []


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "show [license",
        "show {a|}",
        "show <x>",
        "show <x:nosuchtype>",
        "show <x:word",
        "banner <text:line> now",
        "banner <text:line...>",
        "show > file",
    ],
)
def test_malformed_patterns_are_rejected(pattern: str) -> None:
    with pytest.raises(PatternError):
        CommandSet[Box]().add(Mode.EXEC, pattern, recorder("x"))


def test_custom_argument_type() -> None:
    def parse(token: str) -> str:
        if not token.startswith("Ethernet"):
            raise ValueError(token)
        return token

    cs: CommandSet[Box] = CommandSet()
    cs.define_type("interface", ArgType("Ethernet1/N", "Interface name", parse))
    cs.add(Mode.EXEC, "show interface <name:interface>", recorder("if"))
    s = CliSession(cs, lambda: "sw", Box())
    run(s, "show interface Ethernet1/1")
    assert s.context.last()[1] == {"name": "Ethernet1/1"}
    assert run(s, "show interface ?").output == "  Ethernet1/N  Interface name\n"
    assert run(s, "show interface mgmt0").output == caret_error(4 + 15, BAD_PARAM)


def test_output_always_ends_with_a_newline() -> None:
    cs: CommandSet[Box] = CommandSet()
    cs.add(Mode.EXEC, "show a", lambda ctx: "one\r\ntwo")
    cs.add(Mode.EXEC, "show b", lambda ctx: None)
    s = CliSession(cs, lambda: "sw", Box())
    assert run(s, "show a").output == "one\ntwo\n"
    assert run(s, "show b").output == ""


# --------------------------------------------------------------------------- robustness

VOCABULARY = [
    "show", "sh", "license", "lic", "status", "usage", "no", "ntp", "server", "conf", "t", "do",
    "vrf", "context", "exit", "end", "^Z", "|", "include", "json", "count", "begin", "?", "x?",
    "1.2.3.4", "999", "0", "12:00:00", "Ju", "clock", "set", '"', '"a b"', "terminal", "length",
    "ip", "name-server", "use-vrf", "banner", "motd", "(", "!", "#", "\x1a", "\t", "ü", "",
]  # fmt: skip


@settings(max_examples=400, database=None, deadline=None)
@given(st.lists(st.text(), max_size=5))
def test_random_text_never_raises(lines: list[str]) -> None:
    s = session()
    for line in lines:
        for mode_line in ("", "conf t", "vrf context r"):
            if mode_line:
                s.execute(mode_line)
            result = s.execute(line)
            assert isinstance(result.output, str)
            assert result.output == "" or result.output.endswith("\n")


@settings(max_examples=600, database=None, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(VOCABULARY), max_size=8).map(" ".join)
        | st.lists(st.sampled_from(VOCABULARY), max_size=8).map("".join),
        max_size=6,
    ),
    st.integers(min_value=0, max_value=40),
)
def test_random_command_like_input_never_raises(lines: list[str], prompt_len: int) -> None:
    s = session()
    for line in lines:
        result = s.execute(line, prompt_len=prompt_len)
        assert isinstance(result.output, str)
        if result.error and "^" in result.output:
            caret = result.output.splitlines()[0]
            assert caret.strip() == "^"
            assert len(caret) - 1 >= prompt_len
    assert s.prompt.startswith("leaf1")


def test_very_long_and_control_character_lines() -> None:
    s = session()
    assert run(s, "show " * 5000).error
    assert run(s, "x" * 100_000).error
    assert run(s, "show license status | include " + "a" * 10_000).output == ""
    assert run(s, "\x00\x07\x1b[A").error
    assert run(s, "show logging last " + "9" * 5000).error
