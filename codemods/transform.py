"""Turn a file's bytes into a LibCST tree, run the transforms on it, and turn it back into bytes.

This is the one place that parses and renders. LibCST keeps the encoding
cookie, a byte order mark and the line endings of the source, so untouched
lines come back byte for byte.

When a file needs only import statements edited in place (no attribute
chain renames, strings, paths or docs), each listed statement is parsed and
rewritten alone and spliced back into the bytes. That gives the same result
as parsing the whole file at a fraction of the cost, because LibCST parsing
and rendering dominate the plan's time. Any case outside that path falls
back to the whole-file route.
"""

from __future__ import annotations

import ast
import dataclasses
import warnings
from collections.abc import Sequence
from typing import Optional, Union

import libcst as cst

from codemods.errors import CodemodError
from codemods.model import SiteRewrite, Skipped, StringRewrite, TransformResult
from codemods.rewrite_docs import rewrite_doc_mentions
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
    doc_renames: Sequence[tuple[str, str]] = (),
) -> tuple[bytes, TransformResult]:
    """Parse ``source`` once, run every requested transform, and render the result.

    ``move`` is ``(old_path, new_path)`` for a file that moves, so its
    ``__file__``-relative paths are adjusted. Lines in ``rewrites`` and
    ``strings`` are lines of ``source``. The transforms that never change
    the line count run first, so those lines stay valid for the import
    rewrite, which may add lines. ``doc_renames`` are (old, new) names and
    paths to rewrite in comments and docstrings. When nothing changes,
    ``source`` itself is returned.
    """
    if move is not None and b"__file__" not in source:
        move = None  # no path in the file can depend on where it lives
    if not rewrites and not strings and move is None and not doc_renames:
        return source, TransformResult(changed=False)
    if not strings and move is None and not doc_renames:
        spliced = splice_import_rewrites(source, rewrites)
        if spliced is not None:
            return spliced

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

    if doc_renames:
        module, result = rewrite_doc_mentions(module, doc_renames)
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


# Rewriting import statements one by one


def splice_import_rewrites(
    source: bytes, rewrites: Sequence[SiteRewrite]
) -> Optional[tuple[bytes, TransformResult]]:
    """Rewrite each listed import statement on its own and splice it into ``source``.

    Returns None when the file needs the whole-file route: a site renames
    attribute chains, a statement shares its line with another statement or
    cannot be found, the source is not plain UTF-8, or the result does not
    parse.
    """
    if any(_renames_chains(site) for site in rewrites) or source.startswith(b"\xef\xbb\xbf"):
        return None
    tree = _ast_tree(source)
    if tree is None or _declares_other_encoding(source):
        return None
    statements = {node.lineno: node for node in _import_statements(tree)}
    lines = source.splitlines(keepends=True)
    by_statement: dict[int, list[SiteRewrite]] = {}
    for site in rewrites:
        if site.line not in statements:
            return None
        by_statement.setdefault(site.line, []).append(site)

    edits: list[tuple[int, int, int, int, bytes, bytes]] = []  # first line and column, last line and column, texts
    skipped: list[Skipped] = []
    applied = 0
    for line, sites in sorted(by_statement.items()):
        node = statements[line]
        edit = _statement_edit(lines, node, sites)
        if edit is None:
            return None
        text, following, result = edit
        edits.append((line, node.col_offset, node.end_lineno or line, node.end_col_offset or 0, text, following))
        skipped.extend(dataclasses.replace(item, line=line) for item in result.skipped)
        applied += result.applied

    new_source = _spliced(lines, edits)
    if new_source != source and _ast_tree(new_source) is None:
        return None
    result = TransformResult(
        changed=new_source != source, skipped=tuple(sorted(skipped, key=lambda item: item.line)), applied=applied
    )
    return (new_source if result.changed else source), result


def _import_statements(tree: ast.Module) -> list[Union[ast.Import, ast.ImportFrom]]:
    """Return the import statements of ``tree``, looking into statement bodies only (never expressions)."""
    found: list[Union[ast.Import, ast.ImportFrom]] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            found.append(statement)
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(statement, field, None)
            if isinstance(children, list):
                pending.extend(child for child in children if isinstance(child, ast.stmt))
                for child in children:
                    if isinstance(child, (ast.ExceptHandler, ast.AST)) and not isinstance(child, ast.stmt):
                        pending.extend(item for item in getattr(child, "body", []) if isinstance(item, ast.stmt))
    return found


def _renames_chains(site: SiteRewrite) -> bool:
    # `import a.b` binds `a`, so its rewrite renames `a.b.x` in the code: that needs the whole tree.
    # So does a site that reaches a moved module through the name it binds (`p.moved.f()`).
    if site.kind == "import" and site.alias is None and "." in (site.old_chain or site.module):
        return True
    return site.old_chain is not None and "." in site.old_chain


def _ast_tree(source: bytes) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None


def _declares_other_encoding(source: bytes) -> bool:
    head = source.split(b"\n", 2)[:2]
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(b"coding" in line and line.lstrip().startswith(b"#") and b"utf" not in line.lower() for line in head)


def _statement_edit(
    lines: Sequence[bytes], node: Union[ast.Import, ast.ImportFrom], sites: Sequence[SiteRewrite]
) -> Optional[tuple[bytes, bytes, TransformResult]]:
    """Rewrite one statement alone; return its new text, the new lines that follow it, and the result."""
    first, last = node.lineno, node.end_lineno or node.lineno
    prefix = lines[first - 1][: node.col_offset]
    if prefix.strip():
        return None  # another statement or a one-line suite comes before it on the line
    end_column = node.end_col_offset or 0
    rest = lines[last - 1][end_column:]
    if rest.strip() and not rest.lstrip().startswith(b"#"):
        return None  # another statement follows on the same line
    text = b"".join(lines[first - 1 : last - 1]) + lines[last - 1][:end_column]
    text = text[len(prefix) :]

    try:
        module = cst.parse_module(text + b"\n")
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return None
    local_sites = [dataclasses.replace(site, line=1) for site in sites]
    new_module, result = rewrite_imports(module, local_sites, source=text + b"\n")
    new_text, following = _split_first_statement(new_module)
    if new_text is None:
        return None
    ending = b"\r\n" if lines[last - 1].endswith(b"\r\n") else b"\n"
    following_lines = b"".join(prefix + line + ending for line in following)
    return new_text, following_lines, result


def _split_first_statement(module: cst.Module) -> tuple[Optional[bytes], list[bytes]]:
    """Split a rewritten one-statement module into that statement and the lines after it.

    The lines after it are one-line statements, each maybe with comment lines
    above it, without their line breaks.
    """
    if not module.body:
        return None, []
    first = module.code_for_node(module.body[0]).encode("utf-8")
    if not first.endswith(b"\n"):
        return None, []
    following: list[bytes] = []
    for statement in module.body[1:]:
        following.extend(module.code_for_node(statement).encode("utf-8").splitlines())
    if any(b"\r" in line for line in following):
        return None, []
    return first[:-1], following


def _spliced(lines: Sequence[bytes], edits: Sequence[tuple[int, int, int, int, bytes, bytes]]) -> bytes:
    """Put each new statement text in place of the old one and its new lines after the old one's last line."""
    new_lines = list(lines)
    for line, column, end_line, end_column, text, following in sorted(edits, reverse=True):
        head = new_lines[line - 1][:column]
        tail = new_lines[end_line - 1][end_column:]
        if following and not tail.endswith((b"\n", b"\r")):
            # The last line had no line break: the new lines go after one and end without one.
            ending = b"\r\n" if following.endswith(b"\r\n") else b"\n"
            tail, following = tail + ending, following[: -len(ending)]
        new_lines[line - 1 : end_line] = [head + text + tail + following]
    return b"".join(new_lines)
