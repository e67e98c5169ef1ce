"""Listing of the files an inventory scans.

In a git work tree the list comes from ``git ls-files``: tracked files plus
untracked files that are not ignored. Elsewhere it comes from a walk that
skips virtual environments, caches and build output. This module is the only
place in the inventory that starts a subprocess.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

logger = logging.getLogger(__name__)

SKIPPED_FOLDERS = frozenset(
    {".git", "__pycache__", "node_modules", ".tox", ".nox", ".codemod", "build", "dist",
     "venv", ".venv", "env", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hg", ".svn"}
)  # fmt: skip
_GIT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Discovery:
    """The files of one repository, as sorted repository-relative POSIX paths."""

    python_files: tuple[str, ...]
    other_files: tuple[str, ...]
    source: str  # "git" or "walk"

    @property
    def all_paths(self) -> frozenset[str]:
        return frozenset(self.python_files) | frozenset(self.other_files)


def discover_files(root: Path, exclude: Sequence[str] = ()) -> Discovery:
    """List the Python files and the other files of the repository at ``root``."""
    root = root.resolve()
    excluded = compile_globs(exclude)

    listed = _git_files(root)
    source = "git"
    if listed is None:
        listed = list(_walk_files(root, excluded))
        source = "walk"

    environments = tuple(
        path[: -len("pyvenv.cfg")] for path in listed if path.endswith("/pyvenv.cfg")
    )
    python_files: list[str] = []
    other_files: list[str] = []
    for path in listed:
        if excluded is not None and _is_excluded(path, excluded):
            continue
        if _in_skipped_folder(path) or (environments and path.startswith(environments)):
            continue
        (python_files if path.endswith(".py") else other_files).append(path)
    return Discovery(tuple(sorted(python_files)), tuple(sorted(other_files)), source)


def compile_globs(patterns: Iterable[str]) -> Optional[re.Pattern[str]]:
    """Compile glob patterns into one regular expression over POSIX paths.

    ``*`` and ``?`` stay inside one path part, ``**`` spans parts, and a
    pattern without ``/`` matches a file or folder name at any depth, as in
    ``.gitignore``.
    """
    expressions = [_glob_to_regex(pattern) for pattern in patterns if pattern.strip()]
    if not expressions:
        return None
    return re.compile("|".join(f"(?:{expression})" for expression in expressions))


def _glob_to_regex(pattern: str) -> str:
    pattern = pattern.strip().replace("\\", "/")
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]

    pieces: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            pieces.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            pieces.append(".*")
            index += 2
            continue
        if char == "*":
            pieces.append("[^/]*")
        elif char == "?":
            pieces.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                pieces.append(re.escape(char))
            else:
                body = pattern[index + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                pieces.append(f"[{body}]")
                index = end
        else:
            pieces.append(re.escape(char))
        index += 1

    body = "".join(pieces)
    prefix = "" if anchored else "(?:.*/)?"
    # A match on a folder also covers everything below it.
    return f"{prefix}{body}(?:/.*)?"


def _is_excluded(path: str, excluded: re.Pattern[str]) -> bool:
    return excluded.fullmatch(path) is not None


def _in_skipped_folder(path: str) -> bool:
    folders = path.split("/")[:-1]
    return any(folder in SKIPPED_FOLDERS or folder.endswith(".egg-info") for folder in folders)


def _git_files(root: Path) -> Optional[list[str]]:
    """Return ``git ls-files`` output for ``root``, or None when it is not in a work tree."""
    git = shutil.which("git")
    if git is None or not _inside_work_tree(git, root):
        return None
    command = [git, "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        completed = subprocess.run(
            command, capture_output=True, check=True, timeout=_GIT_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("git ls-files failed in %s (%s); walking the folder instead", root, error)
        return None

    paths = []
    for raw in completed.stdout.split(b"\0"):
        if raw and _is_listed_file(root, os.fsdecode(raw)):
            paths.append(os.fsdecode(raw))
    return sorted(set(paths))


def _is_listed_file(root: Path, path: str) -> bool:
    """Return True for a file that exists in the work tree and, if a symlink, stays inside ``root``.

    ``git ls-files --cached`` also lists files deleted from the work tree
    but still in the index.
    """
    full = os.path.join(root, path)
    try:
        mode = os.lstat(full).st_mode
    except OSError:
        return False
    if stat.S_ISREG(mode):
        return True  # one lstat decides the common case, and the warm rescan pays it per file
    if stat.S_ISLNK(mode) and not _inside_root(root, Path(full)):
        return False
    return os.path.isfile(full)


def _inside_work_tree(git: str, root: Path) -> bool:
    try:
        completed = subprocess.run(
            [git, "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            timeout=_GIT_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0 and completed.stdout.strip() == b"true"


def _walk_files(root: Path, excluded: Optional[re.Pattern[str]]) -> Iterable[str]:
    """Walk ``root``, following symlinked folders that stay inside it, each real folder once."""
    visited = {os.path.realpath(root)}
    pending = [(str(root), "")]
    while pending:
        folder, relative = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            logger.warning("could not list %s: %s", folder, error)
            continue
        subfolders = []
        for entry in entries:
            path = _join(relative, entry.name)
            is_link = entry.is_symlink()
            if is_link and not _inside_root(root, entry.path):
                continue
            try:
                is_folder = entry.is_dir()
            except OSError:
                continue
            if not is_folder:
                yield path
                continue
            if _skip_folder(entry.path, entry.name, path, excluded):
                continue
            if is_link:
                real = os.path.realpath(entry.path)
                if real in visited:
                    continue
                visited.add(real)
            subfolders.append((entry.path, path))
        pending.extend(reversed(subfolders))


def _skip_folder(full: str, name: str, relative: str, excluded: Optional[re.Pattern[str]]) -> bool:
    if name in SKIPPED_FOLDERS or name.endswith(".egg-info"):
        return True
    if excluded is not None and _is_excluded(relative, excluded):
        return True
    return os.path.exists(os.path.join(full, "pyvenv.cfg"))


def _inside_root(root: Path, path: Union[Path, str]) -> bool:
    real = os.path.realpath(path)
    root_real = os.path.realpath(root)
    return real == root_real or real.startswith(root_real + os.sep)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
