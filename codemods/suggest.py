"""Suggest batches from the import graph and write them as an editable codemod.toml.

Each folder under ``scripts/`` and each other top-level folder of Python files
becomes one batch, moved into ``<package>.<folder>``. Batches come in
dependency order: a batch imports only batches listed before it. Folders that
import each other form one batch, because neither can go first.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import keyword
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Optional

from inventory import build_graph
from inventory.figures import files_started_from_outside
from inventory.graph import build_folder_graph, folder_of
from inventory.model import Inventory

_NOT_IDENTIFIER = re.compile(r"\W")


@dataclasses.dataclass(frozen=True)
class SuggestedBatch:
    """One proposed batch: the folders it moves and what to watch in them."""

    name: str
    folders: tuple[str, ...]
    moves: tuple[tuple[str, str], ...]  # (key of the moves table, target module)
    depends_on: tuple[str, ...]  # names of earlier batches that this batch imports
    started_from_outside: tuple[str, ...]  # moved files that shell, cron or CI start by path
    protected: tuple[str, ...]  # files of these folders that a protect pattern keeps in place

    @property
    def is_cycle(self) -> bool:
        return len(self.folders) > 1


@dataclasses.dataclass(frozen=True)
class Suggestion:
    package: str
    batches: tuple[SuggestedBatch, ...]
    left_out: tuple[tuple[str, str], ...]  # (folder, reason)
    exclude: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()


def suggest_batches(
    inventory: Inventory,
    *,
    package: str,
    protect: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Suggestion:
    """Group the files of ``inventory`` into batches ordered by their imports."""
    files = {facts.path: facts for facts in inventory.files}
    groups: dict[str, list[str]] = {}
    for path in sorted(files):
        groups.setdefault(folder_of(path), []).append(path)
    left_out = _left_out_folders(groups, files, package)

    folder_graph = build_folder_graph(build_graph(inventory))
    imported_folders = folder_graph.successors()
    # Commands in Markdown are instructions for people; shell, cron, CI and Docker run in production.
    started = set(files_started_from_outside(inventory.references, include_docs=False))
    used_targets: set[str] = set()
    used_names: set[str] = set()
    batch_of_folder: dict[str, str] = {}
    batches = []
    for component in folder_graph.components_in_dependency_order():
        folders = tuple(folder for folder in component if folder in groups and folder not in left_out)
        if not folders:
            continue
        batch = _make_batch(folders, groups, package, protect, started, used_targets, used_names)
        if batch is None:
            continue
        depends_on = sorted(
            {
                batch_of_folder[target]
                for folder in folders
                for target in imported_folders[folder]
                if target in batch_of_folder
            }
        )
        batch = dataclasses.replace(batch, depends_on=tuple(depends_on))
        for folder in folders:
            batch_of_folder[folder] = batch.name
        batches.append(batch)

    return Suggestion(
        package=package,
        batches=tuple(batches),
        left_out=tuple(sorted(left_out.items())),
        exclude=tuple(exclude),
        protect=tuple(protect),
    )


def _left_out_folders(groups: dict[str, list[str]], files: dict, package: str) -> dict[str, str]:
    reasons = {}
    for folder, paths in groups.items():
        if folder == "":
            reasons[folder] = "files at the repository root (setup.py, conftest.py, tools) stay where they are"
        elif folder == package or folder.startswith(package + "/"):
            reasons[folder] = f"already inside the package {package}"
        elif all(files[path].is_test for path in paths):
            reasons[folder] = "holds only tests, which stay where they are"
    return reasons


def _make_batch(
    folders: tuple[str, ...],
    groups: dict[str, list[str]],
    package: str,
    protect: Sequence[str],
    started: set[str],
    used_targets: set[str],
    used_names: set[str],
) -> Optional[SuggestedBatch]:
    moves: list[tuple[str, str]] = []
    protected: list[str] = []
    for folder in folders:
        paths = groups[folder]
        kept = [path for path in paths if _is_protected(path, protect)]
        protected += kept
        base = _unique(f"{package}.{_folder_module(folder)}", used_targets)
        movable = [path for path in paths if path not in kept]
        moves += _folder_moves(folder, movable, base, used_targets, whole=not kept)
    if not moves:
        return None

    name = _unique("-".join(_folder_module(folder) for folder in folders), used_names)
    moved = {path for folder in folders for path in groups[folder] if path not in protected}
    return SuggestedBatch(
        name=name,
        folders=folders,
        moves=tuple(moves),
        depends_on=(),
        started_from_outside=tuple(sorted(moved & started)),
        protected=tuple(sorted(protected)),
    )


def _folder_moves(
    folder: str, paths: list[str], base: str, used_targets: set[str], *, whole: bool
) -> list[tuple[str, str]]:
    """Return one folder move when every name below ``folder`` is valid and all files move, else one move per file."""
    relative = [PurePosixPath(path[len(folder) + 1 :] if folder else path) for path in paths]
    # Files directly in scripts/ share the folder with every area, so a folder move would take them all.
    valid = all(is_valid_name(part) for item in relative for part in _module_parts(item))
    if whole and valid and folder not in ("", "scripts"):
        return [(folder + "/", base)]

    moves = []
    for path, item in zip(paths, relative):
        parts = [module_name(part) for part in _module_parts(item)]
        target = _unique(".".join([base, *parts]), used_targets) if parts else base
        moves.append((path, target))
    return moves


def _module_parts(path: PurePosixPath) -> list[str]:
    parts = list(path.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return parts


def _folder_module(folder: str) -> str:
    return module_name(folder.rpartition("/")[2] or "root")


def _is_protected(path: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) or PurePosixPath(path).match(pattern) for pattern in patterns)


def is_valid_name(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def module_name(text: str) -> str:
    """Turn a folder or file name into a valid module name.

    ``0_0011`` becomes ``phase_0_0011``, ``data-tools`` ``data_tools``,
    ``5.0001_features`` ``phase_5_0001_features`` and ``class`` ``class_``.
    """
    name = _NOT_IDENTIFIER.sub("_", text) or "module"
    if name[0].isdigit():
        name = "phase_" + name
    if keyword.iskeyword(name):
        name += "_"
    return name


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used:
        candidate = f"{name}_{number}"
        number += 1
    used.add(candidate)
    return candidate


def render_toml(suggestion: Suggestion, *, source: str = "") -> str:
    """Render ``suggestion`` as a codemod.toml that ``load_config`` accepts."""
    lines = [
        "# Batches suggested by `codemod plan --suggest`" + (f" for {source}" if source else "") + ".",
        "# They are in dependency order: each batch imports only batches above it.",
        "# Edit names, targets and membership freely, then preview with `codemod plan --batch NAME`.",
        "",
        f"package = {_string(suggestion.package)}",
    ]
    if suggestion.exclude:
        lines.append(f"exclude = {_array(suggestion.exclude)}")
    if suggestion.protect:
        lines.append(f"protect = {_array(suggestion.protect)}")
    for folder, reason in suggestion.left_out:
        lines.append(f"# Left out: {folder or '(repository root)'}/: {reason}.")

    for batch in suggestion.batches:
        lines += ["", *_render_batch(batch)]
    return "\n".join(lines) + "\n"


def _render_batch(batch: SuggestedBatch) -> list[str]:
    lines = ["[[batch]]", f"name = {_string(batch.name)}", f"description = {_string(_description(batch))}"]
    if batch.is_cycle:
        lines.append(
            "# These folders import each other, so they form one batch. Break the cycle to move them apart."
        )
    if batch.started_from_outside:
        lines.append("# Started by path from outside Python (shell, cron, CI); the shims keep those commands working:")
        lines += [f"#   {path}" for path in batch.started_from_outside]
    if batch.protected:
        lines.append("# Kept in place by a protect pattern, so the folder is listed file by file:")
        lines += [f"#   {path}" for path in batch.protected]
    lines.append("[batch.moves]")
    lines += [f"{_string(key)} = {_string(target)}" for key, target in batch.moves]
    return lines


def _description(batch: SuggestedBatch) -> str:
    folders = ", ".join(folder + "/" for folder in batch.folders)
    if batch.depends_on:
        return f"{folders}: imports batches {', '.join(batch.depends_on)}"
    return f"{folders}: imports no other batch"


def _string(text: str) -> str:
    # A JSON string is a valid TOML basic string: both escape quotes, backslashes and control characters alike.
    return json.dumps(text, ensure_ascii=False)


def _array(items: Iterable[str]) -> str:
    return "[" + ", ".join(_string(item) for item in items) + "]"
