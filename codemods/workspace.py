"""File access for the target repository: the only place the codemods read and write files."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable, Optional

from codemods.config import Config
from codemods.errors import BatchError
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


def write_file(root: Path, path: str, content: bytes, *, executable: bool = False) -> None:
    """Write ``content`` to a repository-relative path, creating folders as needed.

    The file is written beside the target and renamed over it, so a reader never
    sees half of it. A file that is replaced keeps its permission bits, so an
    executable script stays executable (git records it as 100755). A new file gets
    the default mode for the umask. With ``executable``, the file also gets an
    execute bit for each of its read bits.
    """
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".codemod-tmp")
    temporary.write_bytes(content)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = stat.S_IMODE(os.stat(temporary).st_mode)
    if executable:
        mode |= (mode & 0o444) >> 2
    os.chmod(temporary, mode)
    os.replace(temporary, target)


def is_executable(root: Path, path: str) -> bool:
    """Return True when the owner may execute the repository-relative file, which git records as mode 100755."""
    return bool(os.stat(root / path).st_mode & stat.S_IXUSR)


def shebang_line(path: str, content: bytes) -> str:
    """Return the ``#!`` line that ``content`` (the bytes of ``path``) starts with, without its line ending.

    Return "" when there is none. Raise BatchError when the line is not UTF-8,
    because the stub that repeats it is written as UTF-8.
    """
    if not content.startswith(b"#!"):
        return ""
    line = content.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        raise BatchError(
            f"{path}: its first line {line!r} is not UTF-8, so the shim at this path cannot repeat it; "
            "write the #! line in UTF-8 (an interpreter path is ASCII in practice) and commit it first."
        ) from None
