"""Fixtures that build small legacy repositories in a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

RepoWriter = Callable[[dict], Path]


@pytest.fixture
def write_repo(tmp_path: Path) -> RepoWriter:
    """Return a function that writes ``{relative path: text or bytes}`` under one repository root.

    Text is dedented, so fixtures can be written as indented triple-quoted
    strings. Each call adds files to the same root and returns it.
    """
    root = tmp_path / "repo"
    root.mkdir()

    def write(files: dict) -> Path:
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return root

    return write
