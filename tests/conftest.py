"""Helpers shared by the tests: real git repositories built in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The fixture repositories carry tests of their own; they run only inside those repositories.
collect_ignore_glob = ["fixtures/*"]

# Commits in test repositories need an identity even where git has none configured.
os.environ.setdefault("GIT_AUTHOR_NAME", "codemod tests")
os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@codemod.invalid")
os.environ.setdefault("GIT_COMMITTER_NAME", "codemod tests")
os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@codemod.invalid")


def git(root: Path, *arguments: str) -> str:
    completed = subprocess.run(["git", *arguments], cwd=root, capture_output=True, text=True, check=True)
    return completed.stdout


def codemod(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the `codemod` command line in a fresh interpreter, without colors, and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", *arguments], cwd=cwd, capture_output=True, text=True
    )


def write_tree(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """Create a git repository at ``root`` holding ``files``, in one commit on main."""
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root, files)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "Initial layout")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Return every file under ``root`` (outside .git) with its bytes."""
    files = {}
    for path in sorted(root.rglob("*")):
        if ".git" in path.relative_to(root).parts or not path.is_file():
            continue
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


@pytest.fixture
def repo_factory(tmp_path):
    def factory(files: dict[str, str], name: str = "repo") -> Path:
        return make_repo(tmp_path / name, files)

    return factory
