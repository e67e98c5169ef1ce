"""Read and check the `[tool.codemod]` configuration of a target repository.

The configuration lives in `[tool.codemod]` of the target's `pyproject.toml`,
or with the same keys at the top level of a `codemod.toml` (which wins when
both exist). Every error names the file, the key, the value and the fix.
"""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import keyword
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from codemods.errors import ConfigError
from inventory.resolve import is_stdlib_module

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9 and 3.10 only
    import tomli as tomllib

DEFAULT_SHIM_LIFETIME_DAYS = 180
_BRANCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_KNOWN_KEYS = {
    "package",
    "package-root",
    "exclude",
    "protect",
    "roots",
    "shim-remove-after",
    "batch",
    "entry-point-args",
    "never-run",
}
_KNOWN_BATCH_KEYS = {"name", "moves", "description", "entry-point-args", "never-run"}


@dataclass(frozen=True)
class MoveRule:
    """One `moves` entry: a file, a folder (key ends with `/`), a glob with `{stem}`, or `path.py:Name`."""

    source: str  # for a symbol move, the file path without `:Name`
    target: str
    kind: str  # "file", "folder", "glob" or "symbol"
    symbol: str = ""  # the function or class a `path.py:Name` key moves

    @property
    def key(self) -> str:
        """Return the `moves` key as written in the configuration."""
        return f"{self.source}:{self.symbol}" if self.kind == "symbol" else self.source


@dataclass(frozen=True)
class BatchConfig:
    name: str
    moves: tuple[MoveRule, ...]
    description: str = ""
    entry_point_args: tuple[str, ...] = ("--help",)
    never_run: tuple[str, ...] = ()  # globs of the batch, then the top-level ones


@dataclass(frozen=True)
class Config:
    """The checked configuration of one target repository."""

    path: Path  # the file it was read from
    package: str
    package_root: str = ""
    exclude: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    shim_remove_after: str = ""
    batches: tuple[BatchConfig, ...] = field(default_factory=tuple)
    never_run: tuple[str, ...] = ()  # the top-level globs, which every batch adds to its own

    def batch(self, name: str) -> BatchConfig:
        for batch in self.batches:
            if batch.name == name:
                return batch
        known = ", ".join(batch.name for batch in self.batches) or "none"
        raise ConfigError(
            f"{self.path}: no batch named {name!r}; the batches defined are: {known}. "
            f"Add a [[tool.codemod.batch]] table with name = {name!r} or pick one of those."
        )


def load_config(root: Path) -> Config:
    """Find and check the configuration of the repository at ``root``."""
    path, table = _read_table(root)
    return _parse_config(path, table)


def _read_table(root: Path) -> tuple[Path, dict[str, Any]]:
    standalone = root / "codemod.toml"
    if standalone.is_file():
        return standalone, _load_toml(standalone)

    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = _load_toml(pyproject)
        table = data.get("tool", {}).get("codemod")
        if isinstance(table, dict):
            return pyproject, table

    raise ConfigError(
        f"{root}: no configuration found; add a [tool.codemod] table to pyproject.toml "
        "or a codemod.toml file with at least `package = \"your_package\"` and one "
        "[[batch]] table (see docs/configuration.md)."
    )


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}; fix the syntax and run again.") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not valid UTF-8 ({error}); save it as UTF-8.") from None


def _parse_config(path: Path, table: dict[str, Any]) -> Config:
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r}; the keys are: {', '.join(sorted(_KNOWN_KEYS))}."
        )

    package = table.get("package")
    if not isinstance(package, str) or not is_dotted_name(package) or "." in package:
        raise ConfigError(
            f"{path}: key 'package' = {package!r} is not a valid top-level package name; "
            "use an identifier such as \"nba_simulator\"."
        )
    if is_stdlib_module(package):
        raise ConfigError(
            f"{path}: key 'package' = {package!r} is the name of a standard-library module and would shadow it; "
            "choose another package name."
        )

    default_entry_args = _string_list(path, "entry-point-args", table.get("entry-point-args", ["--help"]))
    default_never_run = _never_run_list(path, "never-run", table.get("never-run", []))
    batches = tuple(
        _parse_batch(path, package, index, raw, default_entry_args, default_never_run)
        for index, raw in enumerate(_batch_tables(path, table))
    )
    _check_unique_batches(path, batches)
    protect = _string_list(path, "protect", table.get("protect", []))
    _check_protected(path, batches, protect)

    return Config(
        path=path,
        package=package,
        package_root=_relative_folder(path, "package-root", table.get("package-root", "")),
        exclude=_string_list(path, "exclude", table.get("exclude", [])),
        protect=protect,
        roots=tuple(_relative_folder(path, "roots", value) for value in _string_list(path, "roots", table.get("roots", []))),
        shim_remove_after=_removal_date(path, table.get("shim-remove-after")),
        batches=batches,
        never_run=default_never_run,
    )


def _batch_tables(path: Path, table: dict[str, Any]) -> list[dict[str, Any]]:
    raw = table.get("batch", [])
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(
            f"{path}: key 'batch' must be an array of tables written as [[tool.codemod.batch]] "
            "(or [[batch]] in codemod.toml)."
        )
    return raw


def _parse_batch(
    path: Path,
    package: str,
    index: int,
    raw: dict[str, Any],
    default_entry_args: tuple[str, ...],
    default_never_run: tuple[str, ...],
) -> BatchConfig:
    name = raw.get("name")
    where = f"{path}: batch #{index + 1}"
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where} has no 'name'; add name = \"etl-base\" or similar.")
    if not is_branch_safe(name):
        raise ConfigError(
            f"{where}: name {name!r} cannot be part of a git branch name; use letters, digits, "
            "'.', '_' and '-', starting with a letter or digit, e.g. \"etl-base\"."
        )
    unknown = sorted(set(raw) - _KNOWN_BATCH_KEYS)
    if unknown:
        raise ConfigError(
            f"{where} ({name!r}): unknown key {unknown[0]!r}; the keys are: {', '.join(sorted(_KNOWN_BATCH_KEYS))}."
        )

    moves_table = raw.get("moves")
    if not isinstance(moves_table, dict) or not moves_table:
        raise ConfigError(
            f"{where} ({name!r}): 'moves' is missing or empty; add a table "
            f"[tool.codemod.batch.moves] with entries like \"scripts/etl/x.py\" = \"{package}.etl.x\"."
        )
    moves = tuple(_parse_move(path, name, package, key, value) for key, value in moves_table.items())
    _check_unique_targets(path, name, moves)

    return BatchConfig(
        name=name,
        moves=moves,
        description=str(raw.get("description", "")),
        entry_point_args=_string_list(path, f"batch {name!r} entry-point-args", raw.get("entry-point-args", list(default_entry_args))),
        never_run=_never_run_list(path, f"batch {name!r} never-run", raw.get("never-run", [])) + default_never_run,
    )


def _parse_move(path: Path, batch: str, package: str, key: Any, value: Any) -> MoveRule:
    where = f"{path}: batch {batch!r} moves {key!r}"
    if not isinstance(value, str):
        raise ConfigError(f"{where}: value {value!r} must be a dotted module name string such as \"{package}.etl.x\".")

    source = _relative_source(where, key)
    if ":" in source:
        return _parse_symbol_move(where, package, source, value)
    if key.endswith("/"):
        kind = "folder"
    elif any(char in key for char in "*?["):
        kind = "glob"
    else:
        kind = "file"
    if kind == "file" and not source.endswith(".py"):
        raise ConfigError(
            f"{where}: a file key must end in .py, a folder key in '/'; write {key + '/'!r} to move a folder."
        )

    target_text = value.replace("{stem}", "stem") if kind == "glob" else value
    if kind == "glob" and "{stem}" not in value:
        raise ConfigError(f"{where}: a glob key needs {{stem}} in its value, e.g. \"{package}.agents.{{stem}}\".")
    _check_target(where, package, value, target_text)
    return MoveRule(source=source, target=value, kind=kind)


def _parse_symbol_move(where: str, package: str, source: str, value: str) -> MoveRule:
    path, _, symbol = source.rpartition(":")
    if not path.endswith(".py") or any(char in path for char in "*?[:"):
        raise ConfigError(
            f"{where}: a `path.py:Name` key needs the path of one Python file before the colon, "
            "e.g. \"scripts/etl/utils.py:parse_date\"."
        )
    if not is_identifier(symbol):
        raise ConfigError(
            f"{where}: {symbol!r} is not a function or class name; write the top-level name after the colon, "
            "e.g. \"scripts/etl/utils.py:parse_date\"."
        )
    _check_target(where, package, value, value)
    return MoveRule(source=path, target=value, kind="symbol", symbol=symbol)


def _check_target(where: str, package: str, value: str, target_text: str) -> None:
    if not is_dotted_name(target_text):
        bad = next((part for part in target_text.split(".") if not is_identifier(part)), target_text)
        raise ConfigError(
            f"{where}: target {value!r} is not a valid module name ({bad!r} is not an identifier "
            "or is a keyword); use parts that start with a letter or underscore and contain only "
            "letters, digits and underscores."
        )
    if target_text != package and not target_text.startswith(package + "."):
        raise ConfigError(f"{where}: target {value!r} is outside the package {package!r}; write it as \"{package}.{value}\".")
    if target_text == package:
        raise ConfigError(f"{where}: target {value!r} is the package itself; name a module inside it, e.g. \"{package}.core\".")


def _relative_source(where: str, key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ConfigError(f"{where}: the key must be a repository-relative path.")
    text = key.replace("\\", "/")
    pure = PurePosixPath(text)
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", text):
        raise ConfigError(f"{where}: absolute paths are not allowed; write the path relative to the repository root.")
    if ".." in pure.parts:
        raise ConfigError(f"{where}: the path leaves the repository ('..'); write a path inside the repository.")
    cleaned = str(pure)
    return cleaned + "/" if text.endswith("/") else cleaned


def _relative_folder(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: key {key!r} = {value!r} must be a folder path string.")
    if value in ("", "."):
        return ""
    pure = PurePosixPath(value.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts:
        raise ConfigError(f"{path}: key {key!r} = {value!r} must be a folder inside the repository, relative to its root.")
    return str(pure)


def _string_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: key {key!r} = {value!r} must be a list of strings.")
    return tuple(value)


def _never_run_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    """Return the `never-run` globs as repository-relative POSIX patterns, rejecting ones outside the repository."""
    entries = []
    for entry in _string_list(path, key, value):
        text = entry.strip().replace("\\", "/")
        while text.startswith("./"):
            text = text[2:]
        where = f"{path}: {key} entry {entry!r}"
        if not text:
            raise ConfigError(f"{where} is empty; write a repository-relative path or glob such as \"scripts/etl/*_agent.py\".")
        if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
            raise ConfigError(f"{where} is an absolute path; write it relative to the repository root.")
        if ".." in PurePosixPath(text).parts:
            raise ConfigError(f"{where} leaves the repository ('..'); write a path inside the repository.")
        entries.append(text)
    return tuple(entries)


def never_run_matches(patterns: Iterable[str], path: str) -> bool:
    """Return True when the repository-relative ``path`` matches one of the `never-run` globs.

    Globs match as `protect` patterns do: with fnmatch on the whole path, where
    `*` also crosses `/`, or on its trailing parts (`*_agent.py` matches at any depth).
    """
    return any(
        path == pattern or fnmatch.fnmatchcase(path, pattern) or PurePosixPath(path).match(pattern)
        for pattern in patterns
    )


def check_never_run(config: Config, batch: BatchConfig, python_paths: Iterable[str], where: str) -> None:
    """Raise when an entry of the batch's `never-run` list matches none of ``python_paths``.

    Such an entry keeps nothing from running, usually because of a typo, and
    verify would start the script it was meant to hold back. ``where`` names
    the checkouts ``python_paths`` come from, for the message.
    """
    paths = sorted(set(python_paths))
    for pattern in batch.never_run:
        if any(never_run_matches((pattern,), path) for path in paths):
            continue
        if pattern in config.never_run:
            key = "top-level never-run"
        else:
            key = f"batch {batch.name!r} never-run"
        near = difflib.get_close_matches(pattern, paths, n=1, cutoff=0.6)
        hint = f"the closest path is {near[0]!r}. Correct" if near else "correct"
        raise ConfigError(
            f"{config.path}: {key} entry {pattern!r} matches no Python file of the repository ({where}), "
            f"so it keeps nothing from running; {hint} the entry or remove it."
        )


def _removal_date(path: Path, value: Any) -> str:
    if value is None:
        return (datetime.date.today() + datetime.timedelta(days=DEFAULT_SHIM_LIFETIME_DAYS)).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ConfigError(
            f"{path}: key 'shim-remove-after' = {value!r} is not a date; write it as \"YYYY-MM-DD\"."
        ) from None


def _check_unique_batches(path: Path, batches: tuple[BatchConfig, ...]) -> None:
    seen: dict[str, str] = {}
    for batch in batches:
        other = seen.get(batch.name.lower())
        if other == batch.name:
            raise ConfigError(f"{path}: two batches are named {batch.name!r}; give each batch its own name.")
        if other is not None:
            # Each batch has a branch and a manifest file named after it, which would collide on
            # case-insensitive file systems (macOS, Windows).
            raise ConfigError(
                f"{path}: batches {other!r} and {batch.name!r} differ only in case, so their branches and "
                "manifest files would be one on macOS and Windows; rename one of them."
            )
        seen[batch.name.lower()] = batch.name


def _check_unique_targets(path: Path, batch: str, moves: tuple[MoveRule, ...]) -> None:
    seen: dict[str, str] = {}
    for move in moves:
        if move.kind in ("glob", "symbol"):
            continue  # several files may match a glob, and several names may go to one module
        if move.target in seen:
            raise ConfigError(
                f"{path}: batch {batch!r} moves both {seen[move.target]!r} and {move.source!r} to "
                f"{move.target!r}; give each a target of its own."
            )
        seen[move.target] = move.source


def _check_protected(path: Path, batches: tuple[BatchConfig, ...], protect: tuple[str, ...]) -> None:
    for batch in batches:
        for move in batch.moves:
            for pattern in protect:
                if move.kind == "file" and PurePosixPath(move.source).match(pattern):
                    raise ConfigError(
                        f"{path}: batch {batch.name!r} moves {move.source!r}, which the 'protect' pattern "
                        f"{pattern!r} keeps in place; remove the move or the pattern."
                    )


def is_identifier(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def is_dotted_name(text: str) -> bool:
    return bool(text) and all(is_identifier(part) for part in text.split("."))


def is_branch_safe(name: str) -> bool:
    return (
        bool(_BRANCH_NAME.match(name))
        and ".." not in name
        and not name.endswith(".lock")
        and not name.endswith(".")
    )


def find_config_file(root: Path) -> Optional[Path]:
    """Return the file the configuration would be read from, if any."""
    for name in ("codemod.toml", "pyproject.toml"):
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None
