"""What may come next on a line: `?` help and Tab completion.

`?` lists the keywords and arguments that fit where the cursor is, in the current mode or, as
NX-OS does, the first enclosing mode that has any; Tab completes the last word from that list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sim.switch.cli_result import CliResult
from sim.switch.matcher import INVALID_COMMAND, Failure, Token, Walk, caret, tokenize, walk_tokens
from sim.switch.modes import Mode
from sim.switch.pipes import PIPE_HELP, PIPE_MODE, PIPE_ROOTS

if TYPE_CHECKING:
    from sim.switch.cli import CliSession


def line_help(session: CliSession[Any], text: str, plen: int) -> CliResult:
    tokens = tokenize(text)
    partial = tokens.pop() if tokens and not text[-1].isspace() else None
    bars = [i for i, tok in enumerate(tokens) if tok.value == "|" and not tok.quoted]
    walks: list[tuple[Mode, Walk | Failure]]
    if bars:
        head = session.resolve(tokens[: bars[-1]], text) if bars[0] else None
        if not isinstance(head, tuple):
            head = head or Failure(tokens[0].start, INVALID_COMMAND)
            return CliResult(caret(plen, head), error=True, help=True)
        walks = [(session.mode, walk_tokens(PIPE_ROOTS, tokens[bars[-1] + 1 :], text))]
        via_do = False
    else:
        modes, tokens, do_end = session.search_order(tokens)
        walks = [(mode, walk_tokens(session.commands.roots(mode), tokens, text)) for mode in modes]
        via_do = do_end is not None
    best: Failure | None = None
    for mode, walk in walks:
        rows = [] if isinstance(walk, Failure) else _help_rows(session, walk, partial)
        if rows:
            banner = ""
            if mode != session.mode and not via_do:
                banner = (
                    "*** No matching command found in current mode, "
                    f"matching in ({mode.name}) mode ***\n"
                )
            return CliResult(banner + _format_rows(rows), help=True)
        if not isinstance(walk, Failure):
            walk = Failure(partial.start if partial else len(text), INVALID_COMMAND)
        best = walk if best is None or walk.pos > best.pos else best
    assert best is not None
    return CliResult(caret(plen, best), error=True, help=True)


def _help_rows(
    session: CliSession[Any], walk: Walk, partial: Token | None
) -> list[tuple[str, str]]:
    keywords: dict[str, str] = {}
    arguments: dict[str, str] = {}
    can_end = pipeable = False
    for node in [node for node, _ in walk.threads] + walk.rest:
        if node.kind == "kw":
            helptext = node.help or session.commands.keyword_help(node.word)
            keywords[node.word] = keywords.get(node.word) or helptext
        elif node.arg is not None:
            helptext = node.help or node.arg.type.help
            for choice in node.arg.type.choices:
                keywords.setdefault(choice, helptext)
            if not node.arg.type.choices:
                arguments[node.arg.type.display] = arguments.get(node.arg.type.display) or helptext
        elif node.kind == "end" and node.command is not None:
            can_end = True
            # Output filters apply to what EXEC commands (and filters) print.
            pipeable = pipeable or node.command.mode in (Mode.EXEC, PIPE_MODE)
    pipe = [("|", PIPE_HELP)] if can_end and pipeable else []
    if partial is not None:
        low = partial.value.lower()
        rows = sorted((k, h) for k, h in keywords.items() if k.lower().startswith(low))
        return rows or [row for row in pipe if row[0] == low] or sorted(arguments.items())
    rows = sorted([*keywords.items(), *arguments.items()])
    return [("<CR>", ""), *rows, *pipe] if can_end else rows


def complete_line(session: CliSession[Any], text: str) -> tuple[str, list[str]]:
    """Tab: `text` with its last word completed as far as it is unique, and the choices.

    The choices are listed when the word could still become more than one keyword.
    """
    if not text or text[-1].isspace() or text.endswith("?"):
        return text, []
    partial = tokenize(text)[-1]
    if partial.quoted:
        return text, []
    result = line_help(session, text, 0)
    if result.error:
        return text, []
    low = partial.value.lower()
    words = [
        row.split()[0]
        for row in result.output.splitlines()
        if row.startswith("  ") and row.split()[0].lower().startswith(low)
    ]
    if not words:
        return text, []
    if len(words) == 1:
        return text[: partial.start] + words[0] + " ", []
    common = words[0]
    for word in words[1:]:
        while not word.lower().startswith(common.lower()):
            common = common[:-1]
    if len(common) > len(partial.value):
        return text[: partial.start] + common, words
    return text, words


def _format_rows(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows) + 2
    return "".join(f"  {name.ljust(width)}{text}\n" for name, text in rows)
