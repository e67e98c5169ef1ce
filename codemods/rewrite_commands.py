"""Rewrite commands that start a moved file by path into ``python -m new.module``.

Shell scripts, crontabs, systemd units, Dockerfiles, compose files,
Makefiles and CI YAML start legacy scripts as ``python scripts/etl/foo.py``.
The shim at the old path keeps such a command working, so this rewrite is
optional. It is a pure text transform: only the path (or the dotted name
after ``-m``) changes, and every other byte of the file stays as it was.

A command is rewritten only when ``python -m`` finds the new module from the
same working directory. That holds when the command names the file by its
path from the repository root (so it runs from the root) and the package
sits at the root. Any other command is left alone and reported.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Optional

from codemods.model import Skipped

_TOKEN_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@+-/$~{}"
)
_INTERPRETER = r"(?:[^\s\"'=]*/)?(?:python(?:\d+(?:\.\d+)?)?|pypy3?)|\$\(PYTHON\)|\$\{PYTHON\}|\$PYTHON"
# Options that take no argument, so `python -u x.py` becomes `python -u -m new`.
_FLAGS = r"-[bBdEiIOqsSuvx]+"
_SHELL_PREFIX = re.compile(rf"(?:^|[\s;&|(`'\"=])(?:{_INTERPRETER})(?:\s+{_FLAGS})*\s+(?P<quote>[\"']?)$")
_LIST_PREFIX = re.compile(rf"[\"'](?:{_INTERPRETER})[\"']\s*,\s*(?:[\"']{_FLAGS}[\"']\s*,\s*)*(?P<quote>[\"'])$")
_MODULE_PREFIX = re.compile(r"(?:-m\s+(?P<quote>[\"']?)|[\"']-m[\"']\s*,\s*(?P<list_quote>[\"']))$")
_END = frozenset(" \t\r;&|)`\"'#,]")


@dataclass(frozen=True)
class CommandEdit:
    """One reference to a moved file in a non-Python file, to rewrite to ``python -m new_module``.

    ``text`` is the reference as written at ``line``: a path (``scripts/etl/foo.py``)
    or, for ``form == "dotted"``, the module name after ``-m``. ``target`` is
    the repository path of the file it names.
    """

    line: int
    text: str
    target: str
    new_module: str
    form: Literal["path", "dotted"] = "path"


def rewrite_commands(text: str, kind: str, edits: Sequence[CommandEdit]) -> str:
    """Return ``text`` with each listed command rewritten; see ``rewrite_commands_report``."""
    return rewrite_commands_report(text, kind, edits)[0]


def rewrite_commands_report(
    text: str, kind: str, edits: Sequence[CommandEdit]
) -> tuple[str, tuple[Skipped, ...]]:
    """Rewrite the listed commands of ``text``, a file of reference kind ``kind``.

    Returns the new text and the edits left alone, each with the reason.
    """
    lines = text.split("\n")
    skipped: list[Skipped] = []
    for edit in dict.fromkeys(edits):
        if not 1 <= edit.line <= len(lines):
            skipped.append(Skipped(edit.line, f"no line {edit.line} in this file; rescan it", code="not-found"))
            continue
        new_line, problem = _rewritten_line(lines[edit.line - 1], kind, edit)
        if problem is not None:
            skipped.append(Skipped(edit.line, problem, code="command-kept"))
        else:
            lines[edit.line - 1] = new_line
    return "\n".join(lines), tuple(sorted(skipped, key=lambda item: item.line))


def _rewritten_line(line: str, kind: str, edit: CommandEdit) -> tuple[str, Optional[str]]:
    problem = _unsafe_reason(edit)
    if problem is not None:
        return line, problem

    starts = _token_starts(line, edit.text)
    if not starts:
        return line, f"{edit.text!r} is not on this line; the file may have changed since the scan, so rescan it"

    new_line, rewritten = line, 0
    for start in reversed(starts):
        replaced = _replaced_at(new_line, start, edit)
        if replaced is not None:
            new_line, rewritten = replaced, rewritten + 1
    if not rewritten:
        return line, _why_not_a_command(edit)
    return new_line, None


def _unsafe_reason(edit: CommandEdit) -> Optional[str]:
    if edit.target.endswith("__init__.py"):
        return "the command runs a package's __init__.py, which `python -m` does not run; change it by hand"
    if edit.form == "dotted":
        if edit.text != _dotted_name_of(edit.target):
            return f"{edit.text!r} names more than the module {_dotted_name_of(edit.target)}; change it by hand"
        return None
    if posixpath.normpath(edit.text) != edit.target:
        return (
            f"{edit.text!r} does not name the file from the repository root, so the command may run from "
            "another folder where `python -m` cannot find the package; the shim keeps it working"
        )
    return None


def _dotted_name_of(path: str) -> str:
    return path[: -len(".py")].replace("/", ".")


def _why_not_a_command(edit: CommandEdit) -> str:
    if edit.form == "dotted":
        return f"{edit.text!r} is not the module name right after `-m`; change it by hand"
    return (
        f"{edit.text!r} does not follow a `python` word with only argument-free options "
        "(for example it runs through exec, a wrapper or `-W arg`); change it by hand or keep the shim"
    )


def _token_starts(line: str, token: str) -> list[int]:
    """Return where ``token`` occurs in ``line`` as a whole word."""
    starts = []
    position = line.find(token)
    while position != -1:
        end = position + len(token)
        before_ok = position == 0 or line[position - 1] not in _TOKEN_CHARACTERS
        after_ok = end == len(line) or line[end] in _END
        if before_ok and after_ok:
            starts.append(position)
        position = line.find(token, position + 1)
    return starts


def _replaced_at(line: str, start: int, edit: CommandEdit) -> Optional[str]:
    end = start + len(edit.text)
    before = line[:start]
    if edit.form == "dotted":
        match = _MODULE_PREFIX.search(before)
        if match is None or not _closes(line, end, match.group("quote") or match.group("list_quote") or ""):
            return None
        return line[:start] + edit.new_module + line[end:]

    listed = _LIST_PREFIX.search(before)
    if listed is not None:
        quote = listed.group("quote")
        if not _closes(line, end, quote):
            return None
        # ["python", "scripts/x.py"] -> ["python", "-m", "new.module"]
        return f"{line[:start]}-m{quote}, {quote}{edit.new_module}{line[end:]}"

    shell = _SHELL_PREFIX.search(before)
    if shell is None:
        return None
    quote = shell.group("quote")
    if not _closes(line, end, quote):
        return None
    start_of_quote = start - len(quote)
    return f"{line[:start_of_quote]}-m {edit.new_module}{line[end + len(quote):]}"


def _closes(line: str, end: int, quote: str) -> bool:
    if not quote:
        return end == len(line) or line[end] not in "\"'"
    return line[end : end + len(quote)] == quote
