"""References to the repository's Python files from shell, cron, systemd, CI, Docker and docs.

Two spellings are found: a path (``scripts/etl/foo.py``, ``./scripts/etl/foo.py``,
``/srv/checkout/scripts/etl/foo.py``, ``$SCRIPT_DIR/foo.py``) and a dotted module
name (``python -m scripts.etl.foo``). ``cd some/folder && python foo.py`` is
resolved only when ``foo.py`` sits next to the referring file or at the root.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from inventory.cache import FactsCache
from inventory.model import ExternalReference

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024
_BINARY_PROBE_BYTES = 8192
_HERE = "${__HERE__}"  # stands for the referring file's own folder after rewriting
_FOLDER_VARIABLES = frozenset({"SCRIPT_DIR", "SCRIPTDIR", "SCRIPT_PATH", "DIR", "HERE", "THIS_DIR", "CURRENT_DIR", "BASEDIR", "BASE_DIR"})  # fmt: skip
_TOKEN_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.@+-/$~{}"
)

_OWN_FOLDER = re.compile(
    r"""\$\(\s*cd\s+"?\$\(\s*dirname\s+"?\$(?:0|\{0\}|\{?BASH_SOURCE(?:\[0\])?\}?)"?\s*\)"?\s*(?:&&|;)\s*pwd\s*\)"""
    r"""|\$\(\s*dirname\s+"?\$(?:0|\{0\}|\{?BASH_SOURCE(?:\[0\])?\}?)"?\s*\)"""
    r"""|`dirname\s+"?\$0"?`"""
)
_CD_PWD = re.compile(r"""^\$\(\s*cd\s+"?([^"()]*?)"?\s*(?:&&|;)\s*pwd\s*\)$""")
_ASSIGNMENT = re.compile(
    r"""^[ \t]*(?:export[ \t]+|local[ \t]+|readonly[ \t]+)?([A-Za-z_]\w*)=(\S*)""", re.MULTILINE
)
_VARIABLE_PREFIX = re.compile(r"^\$(?:\{(\w+)\}|(\w+))/")
_RUNS_PYTHON = re.compile(r"(?<![\w-])(?:python(?:\d+(?:\.\d+)?)?|pypy3?|exec)(?![\w-])")
_MODULE_FLAG = re.compile(r"-m\s+$")
_DOTTED_NAME = re.compile(r"[A-Za-z_]\w*(?:\.\w+)+")


@dataclass(frozen=True)
class _Targets:
    """Reference targets: the repository's Python files by path and by dotted name."""

    paths: frozenset[str]
    modules: dict[str, str]  # dotted name -> path
    prefixes: tuple[str, ...]  # "scripts." for each top-level package, a cheap pre-check

    @classmethod
    def build(cls, python_paths: Collection[str]) -> _Targets:
        modules: dict[str, str] = {}
        for path in python_paths:
            parts = path[:-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if len(parts) >= 2:
                modules[".".join(parts)] = path
        tops = sorted({name.partition(".")[0] for name in modules})
        return cls(frozenset(python_paths), modules, tuple(top + "." for top in tops))


def scan_references(
    root: Path,
    paths: Sequence[str],
    python_paths: Collection[str],
    *,
    cache: Optional[FactsCache] = None,
    needles: Optional[Sequence[bytes]] = None,
) -> tuple[ExternalReference, ...]:
    """Find references to ``python_paths`` in the non-Python files ``paths`` under ``root``.

    With an open ``cache``, a file whose content and the set of Python
    files are unchanged since the last scan is not searched again. With
    ``needles``, only files whose bytes contain one of them are searched.
    """
    targets = _Targets.build(python_paths)
    fingerprint = hashlib.sha256("\0".join(sorted(python_paths)).encode()).hexdigest()
    cached = cache.load_references(fingerprint) if cache is not None else {}
    found: dict[str, tuple[str, tuple[ExternalReference, ...]]] = {}
    changed: dict[str, tuple[str, tuple[ExternalReference, ...]]] = {}

    for path in paths:
        kind = reference_kind(path)
        full_path = os.path.join(root, path)
        if kind is None and "." not in path.rpartition("/")[2]:
            kind = _shebang_kind(full_path)
        if kind is None:
            continue
        data = _read_text_bytes(full_path)
        if data is None or (needles is not None and not any(needle in data for needle in needles)):
            continue
        sha = hashlib.sha256(data).hexdigest()
        previous = cached.get(path)
        if previous is not None and previous[0] == sha:
            found[path] = previous
            continue
        text = data.decode("utf-8", errors="replace")
        found[path] = changed[path] = (sha, tuple(find_references(path, kind, text, targets)))

    if cache is not None and (changed or not cached):
        cache.store_references(fingerprint, changed)
    return tuple(reference for _, references in found.values() for reference in references)


def reference_kind(path: str) -> Optional[str]:
    """Return the reference kind of a non-Python file from its path, or None to skip it."""
    folders, _, name = path.rpartition("/")
    lower = name.lower()
    suffix = lower.rpartition(".")[2] if "." in lower else ""
    folder_parts = folders.split("/") if folders else []

    if suffix in ("sh", "bash", "zsh", "ksh"):
        return "shell"
    if (
        lower == "crontab"
        or suffix in ("cron", "crontab")
        or any(part.startswith("cron") for part in folder_parts)
    ):
        return "crontab"
    if suffix in ("service", "timer"):
        return "systemd"
    if lower.startswith("dockerfile") or lower.endswith(".dockerfile"):
        return "dockerfile"
    if suffix in ("yml", "yaml"):
        if lower.startswith(("docker-compose", "compose")):
            return "compose"
        if folders.endswith(".github/workflows") or lower == ".gitlab-ci.yml":
            return "ci"
        return "yaml"
    if lower in ("makefile", "gnumakefile") or suffix == "mk":
        return "makefile"
    if suffix == "toml":
        return "toml"
    if suffix in ("ini", "cfg"):
        return "ini"
    if suffix in ("md", "markdown", "rst"):
        return "markdown"
    if lower == "procfile":
        return "other"
    return None


def _shebang_kind(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return None
    if first.startswith(b"#!") and re.search(rb"\b(?:ba|z|k|da)?sh\b", first):
        return "shell"
    return None


def _read_text_bytes(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            logger.debug("skipping %s: larger than %d bytes", path, MAX_FILE_BYTES)
            return None
    except OSError as error:
        logger.warning("could not read %s: %s", path, error)
        return None
    if b"\0" in data[:_BINARY_PROBE_BYTES]:
        return None
    return data


def find_references(
    path: str, kind: str, text: str, targets: _Targets
) -> Iterator[ExternalReference]:
    """Yield the references to Python files in ``text``, the content of ``path``."""
    has_path = ".py" in text
    dotted = list(_dotted_tokens(text, targets))
    if not has_path and not dotted:
        return

    own_folder = path.rpartition("/")[0]
    if "dirname" in text:
        text = _OWN_FOLDER.sub(lambda match: _HERE, text)
    variables: dict[str, str] = {}
    if kind != "markdown" and "=" in text and "$" in text:
        variables = _shell_variables(text, own_folder)
    seen: set[tuple[int, str, str]] = set()

    matches = dotted + list(_path_tokens(text)) if has_path else dotted

    line_number, counted_to = 1, 0
    for start, _end, token, form in sorted(matches):
        if form == "path":
            target = _resolve_path_token(token, own_folder, variables, targets.paths)
        else:
            target = _resolve_dotted(token, targets.modules)
        if target is None:
            continue
        line_number += text.count("\n", counted_to, start)
        counted_to = start
        if (line_number, target, form) in seen:
            continue
        seen.add((line_number, target, form))

        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        before = text[line_start:start]
        yield ExternalReference(
            file=path,
            line=line_number,
            kind=kind,
            text=token.replace(_HERE, '$(dirname "$0")'),
            target=target,
            form=form,  # type: ignore[arg-type]
            starts_python=_starts_python(kind, form, line, before),
        )


def _dotted_tokens(text: str, targets: _Targets) -> Iterator[tuple[int, int, str, str]]:
    """Yield (start, end, token, "dotted") for each dotted name that starts with a local package."""
    for prefix in targets.prefixes:
        position = text.find(prefix)
        while position != -1:
            before = text[position - 1] if position else " "
            match = _DOTTED_NAME.match(text, position)
            if match and not (before.isalnum() or before in "_./$-"):
                yield match.start(), match.end(), match.group(), "dotted"
            position = text.find(prefix, position + len(prefix))


def _path_tokens(text: str) -> Iterator[tuple[int, int, str, str]]:
    """Yield (start, end, token, "path") for each word that ends in ``.py``."""
    position = text.find(".py")
    while position != -1:
        end = position + 3
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            position = text.find(".py", end)
            continue
        start = position
        while start > 0 and text[start - 1] in _TOKEN_CHARACTERS:
            start -= 1
        token = text[start:end]
        if len(token) > 3:
            yield start, end, token, "path"
        position = text.find(".py", end)


def _shell_variables(text: str, own_folder: str) -> dict[str, str]:
    """Map shell variables assigned a folder of the repository (``DIR=$(dirname "$0")``)."""
    variables: dict[str, str] = {}
    for match in _ASSIGNMENT.finditer(text):
        name, value = match.group(1), match.group(2).strip("\"'")
        cd_pwd = _CD_PWD.match(value)
        if cd_pwd:
            value = cd_pwd.group(1)
        folder = _folder_of(value, own_folder, variables)
        if folder is not None:
            variables[name] = folder
        else:
            variables.pop(name, None)
    return variables


def _folder_of(value: str, own_folder: str, variables: dict[str, str]) -> Optional[str]:
    if value == _HERE or value.startswith(_HERE + "/"):
        return _normalize(posixpath.join(own_folder, value[len(_HERE) :].lstrip("/")))
    prefix = _VARIABLE_PREFIX.match(value + "/")
    if prefix:
        name = prefix.group(1) or prefix.group(2)
        if name in variables:
            return _normalize(posixpath.join(variables[name], value[prefix.end() :]))
    return None


def _resolve_path_token(
    token: str, own_folder: str, variables: dict[str, str], paths: frozenset[str]
) -> Optional[str]:
    if token.startswith(_HERE):
        return _existing(posixpath.join(own_folder, token[len(_HERE) :].lstrip("/")), paths)

    prefix = _VARIABLE_PREFIX.match(token)
    if prefix:
        name = prefix.group(1) or prefix.group(2)
        rest = token[prefix.end() :]
        if name in variables:
            return _existing(posixpath.join(variables[name], rest), paths)
        if name in _FOLDER_VARIABLES:
            found = _existing(posixpath.join(own_folder, rest), paths)
            if found:
                return found
        return _by_suffix(rest, paths)

    if token.startswith(("/", "~/")):
        return _by_suffix(token.lstrip("~/"), paths)
    return (
        _existing(token, paths)
        or _existing(posixpath.join(own_folder, token), paths)
        or _by_suffix(token, paths, minimum=2)
    )


def _existing(candidate: str, paths: frozenset[str]) -> Optional[str]:
    normalized = _normalize(candidate)
    return normalized if normalized in paths else None


def _by_suffix(token: str, paths: frozenset[str], minimum: int = 1) -> Optional[str]:
    """Match the longest tail of ``token`` that is a repository path (another checkout's prefix)."""
    parts = [part for part in token.split("/") if part and part != "."]
    for start in range(len(parts)):
        if len(parts) - start < minimum:
            break
        candidate = "/".join(parts[start:])
        if candidate in paths:
            return candidate
    return None


def _resolve_dotted(token: str, modules: dict[str, str]) -> Optional[str]:
    parts = token.split(".")
    for end in range(len(parts), 1, -1):
        found = modules.get(".".join(parts[:end]))
        if found:
            return found
    return None


def _normalize(path: str) -> str:
    normalized = posixpath.normpath(path) if path else ""
    return "" if normalized == "." else normalized


def _starts_python(kind: str, form: str, line: str, before: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("#") and kind != "markdown":
        return False
    if form == "dotted" and _MODULE_FLAG.search(before):
        return True
    if _RUNS_PYTHON.search(before):
        return True
    if kind == "systemd":
        return stripped.startswith("ExecStart")
    if kind == "crontab":
        return bool(stripped) and "=" not in stripped.split()[0]
    return False
