"""Turn a file's bytes into a LibCST tree, run the transforms on it, and turn it back into bytes.

This is the one place that parses and renders. LibCST keeps the encoding
cookie, a byte order mark and the line endings of the source, so untouched
lines come back byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst

from codemods.errors import CodemodError
from codemods.model import SiteRewrite, StringRewrite, TransformResult
from codemods.rewrite_file_paths import rewrite_file_paths
from codemods.rewrite_imports import rewrite_imports
from codemods.rewrite_strings import rewrite_strings


class SourceParseError(CodemodError):
    """A Python file that LibCST cannot parse, so no transform can run on it."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"{path}: cannot parse as Python ({detail}). "
            "Fix the syntax error, or exclude the file or leave it out of the batch"
        )
        self.path = path


def parse_source(source: bytes, *, path: str = "<source>") -> cst.Module:
    """Parse ``source`` into a LibCST module, or raise ``SourceParseError`` naming ``path``."""
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        # The native parser puts the real position in the message ("error at 3:7: ...").
        detail = error.message.removeprefix("parser error: ")
        raise SourceParseError(path, f"syntax {detail}") from error
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        # Raised for an unknown or wrong encoding declaration, or bytes invalid in the encoding.
        raise SourceParseError(path, str(error)) from error


def render_source(module: cst.Module) -> bytes:
    """Render ``module`` in its own encoding, keeping its byte order mark and line endings."""
    return module.bytes


def transform_file_source(
    source: bytes,
    *,
    path: str,
    rewrites: Sequence[SiteRewrite] = (),
    strings: Sequence[StringRewrite] = (),
    move: Optional[tuple[str, str]] = None,
) -> tuple[bytes, TransformResult]:
    """Parse ``source`` once, run every requested transform, and render the result.

    ``move`` is ``(old_path, new_path)`` for a file that moves, so its
    ``__file__``-relative paths are adjusted. Lines in ``rewrites`` and
    ``strings`` are lines of ``source``. The transforms that never change
    the line count run first, so those lines stay valid for the import
    rewrite, which may add lines. When nothing changes, ``source`` itself
    is returned.
    """
    if not rewrites and not strings and move is None:
        return source, TransformResult(changed=False)

    module = parse_source(source, path=path)
    results: list[TransformResult] = []

    if move is not None:
        module, result = rewrite_file_paths(module, *move)
        results.append(result)

    if strings:
        module, result = rewrite_strings(module, strings)
        results.append(result)

    if rewrites:
        # The transforms before keep import statements and line numbers as they were.
        module, result = rewrite_imports(module, rewrites, source=source)
        results.append(result)

    merged = _merged(results)
    if not merged.changed:
        return source, merged
    return render_source(module), merged


def _merged(results: Sequence[TransformResult]) -> TransformResult:
    skipped = [item for result in results for item in result.skipped]
    return TransformResult(
        changed=any(result.changed for result in results),
        skipped=tuple(sorted(skipped, key=lambda item: item.line)),
        applied=sum(result.applied for result in results),
    )
