"""File access for the target repository: the only place the codemods read and write files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from codemods.config import Config
from inventory import scan_repository
from inventory.api import FocusFactory
from inventory.model import Inventory

ProgressCallback = Callable[[int, int], None]


def scan_target(
    root: Path,
    config: Optional[Config],
    *,
    use_cache: bool = True,
    progress: Optional[ProgressCallback] = None,
    focus: Optional[FocusFactory] = None,
) -> Inventory:
    """Scan the repository at ``root`` with the configured excludes and roots.

    With ``focus`` (see :func:`codemods.plan.batch_focus`), only the files a
    batch can reach are parsed.
    """
    exclude = config.exclude if config else ()
    roots = config.roots if config else ()
    return scan_repository(
        root, exclude=exclude, roots=roots, use_cache=use_cache, progress=progress, focus=focus
    )


def file_reader(root: Path) -> Callable[[str], bytes]:
    """Return a function that reads a repository-relative file as bytes."""

    def read(path: str) -> bytes:
        return (root / path).read_bytes()

    return read


def write_file(root: Path, path: str, content: bytes) -> None:
    """Write ``content`` to a repository-relative path, creating folders as needed."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".codemod-tmp")
    temporary.write_bytes(content)
    os.replace(temporary, target)
