"""Rewrite string literals that name a moved module, such as ``mock.patch("a.b.f")``.

The plan gives the line and the exact old and new values. Only a literal
whose evaluated value equals the old value is changed, and it keeps its
prefix and quotes. f-strings and implicitly concatenated strings are
reported, never edited, because their value is not one literal.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Optional, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.model import Skipped, StringRewrite, TransformResult
from codemods.rewrite_imports import iter_nodes, replace_nodes

StringNode = Union[cst.SimpleString, cst.ConcatenatedString, cst.FormattedString]
_STRING_TYPES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


def rewrite_strings(
    module: cst.Module, rewrites: Sequence[StringRewrite]
) -> tuple[cst.Module, TransformResult]:
    """Replace the value of each listed string literal, keeping its prefix and quote style."""
    if not rewrites:
        return module, TransformResult(changed=False)

    strings_by_line = _strings_by_start_line(module)

    replacements: dict[cst.CSTNode, cst.CSTNode] = {}
    skipped: list[Skipped] = []
    applied = 0
    for rewrite in dict.fromkeys(rewrites):
        found, problem = _replacements_for(rewrite, strings_by_line.get(rewrite.line, []))
        if problem is not None:
            skipped.append(problem)
            continue
        replacements.update(found)
        applied += 1

    new_module = replace_nodes(module, replacements)
    assert isinstance(new_module, cst.Module)
    result = TransformResult(
        changed=bool(replacements),
        skipped=tuple(sorted(skipped, key=lambda item: item.line)),
        applied=applied,
    )
    return new_module, result


def _strings_by_start_line(module: cst.Module) -> dict[int, list[StringNode]]:
    # Parts of a concatenation are not collected apart: the whole is one value.
    strings = [
        node
        for node in iter_nodes(module, descend=lambda node: not isinstance(node, _STRING_TYPES))
        if isinstance(node, _STRING_TYPES)
    ]
    if not strings:
        return {}
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)

    by_line: dict[int, list[StringNode]] = {}
    for node in strings:
        by_line.setdefault(positions[node].start.line, []).append(node)
    return by_line


def _replacements_for(
    rewrite: StringRewrite, candidates: Sequence[StringNode]
) -> tuple[dict[cst.CSTNode, cst.CSTNode], Optional[Skipped]]:
    """Return the new literal for each literal at the line whose value is ``rewrite.old``."""
    matches = [node for node in candidates if isinstance(node, cst.SimpleString) and node.evaluated_value == rewrite.old]
    if not matches:
        return {}, _why_not_found(rewrite, candidates)

    replacements: dict[cst.CSTNode, cst.CSTNode] = {}
    for node in matches:
        new_node = _respelled(node, rewrite.new)
        if new_node is None:
            reason = f"cannot write {rewrite.new!r} in the quote style of {node.value} without changing it"
            return {}, Skipped(rewrite.line, reason, code="string-quote-style")
        replacements[node] = new_node
    return replacements, None


def _why_not_found(rewrite: StringRewrite, candidates: Sequence[StringNode]) -> Skipped:
    for node in candidates:
        if isinstance(node, cst.ConcatenatedString) and node.evaluated_value == rewrite.old:
            reason = f"{rewrite.old!r} is built from concatenated string literals, so rewrite it by hand"
            return Skipped(rewrite.line, reason, code="string-concatenated")
    for node in candidates:
        if isinstance(node, cst.FormattedString) or (
            isinstance(node, cst.ConcatenatedString) and node.evaluated_value is None
        ):
            reason = f"an f-string at line {rewrite.line} may build {rewrite.old!r}, so rewrite it by hand"
            return Skipped(rewrite.line, reason, code="string-formatted")
    reason = f"no string literal with value {rewrite.old!r} starts at line {rewrite.line}"
    return Skipped(rewrite.line, reason, code="not-found")


def _respelled(node: cst.SimpleString, new_value: str) -> Optional[cst.SimpleString]:
    """Return ``node`` with its value replaced by ``new_value``, or None when its quotes cannot hold it."""
    prefix, quote = node.prefix, node.quote
    body = new_value if "r" in prefix.lower() else _escaped(new_value, quote)
    text = f"{prefix}{quote}{body}{quote}"
    try:
        spelled = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        return None
    if spelled != new_value or text.count("\n") != node.value.count("\n"):
        # A changed line count would shift the lines that later transforms look up.
        return None
    return node.with_changes(value=text)


def _escaped(value: str, quote: str) -> str:
    text = value.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0])
    if len(quote) == 1:
        text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text
