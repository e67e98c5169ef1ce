"""Rewrite mentions of moved modules in prose: comments, docstrings and Markdown files.

Runs only with ``--rewrite-docs``. A mention is an old dotted module name
(``scripts.etl.scraper_config``, also as the start of ``...scraper_config.load``)
or an old file path (``scripts/etl/scraper_config.py``) standing as a whole
word. It becomes the new name or path. Code, string literals other than
docstrings, and every other byte stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional, Union

import libcst as cst

from codemods.model import TransformResult
from codemods.rewrite_imports import iter_nodes, replace_nodes

Renames = Sequence[tuple[str, str]]  # (old dotted name or path, new one)


def mention_pattern(renames: Renames) -> Optional[re.Pattern[str]]:
    """Compile one pattern that finds every old name or path as a whole word, longest first."""
    olds = sorted({old for old, _ in renames if old}, key=len, reverse=True)
    if not olds:
        return None
    alternatives = "|".join(re.escape(old) for old in olds)
    # Not inside a longer word or path, but `./scripts/x.py` counts.
    return re.compile(rf"(?<![\w.-])(?<![\w-]/)(?:{alternatives})(?![\w/-]|\.py\b)")


def rewrite_doc_text(text: str, renames: Renames, pattern: Optional[re.Pattern[str]] = None) -> str:
    """Return ``text`` with each whole-word mention of an old name or path replaced."""
    pattern = pattern or mention_pattern(renames)
    if pattern is None:
        return text
    new_by_old = dict(renames)
    return pattern.sub(lambda match: new_by_old[match.group(0)], text)


def rewrite_doc_mentions(module: cst.Module, renames: Renames) -> tuple[cst.Module, TransformResult]:
    """Rewrite mentions in the comments and docstrings of ``module``."""
    pattern = mention_pattern(renames)
    if pattern is None:
        return module, TransformResult(changed=False)

    replacements: dict[cst.CSTNode, cst.CSTNode] = {}
    for node in _prose_nodes(module):
        new_value = rewrite_doc_text(node.value, renames, pattern)
        if new_value != node.value:
            replacements[node] = node.with_changes(value=new_value)

    new_module = replace_nodes(module, replacements)
    assert isinstance(new_module, cst.Module)
    return new_module, TransformResult(changed=bool(replacements), applied=len(replacements))


def _prose_nodes(module: cst.Module) -> list[Union[cst.Comment, cst.SimpleString]]:
    found: list[Union[cst.Comment, cst.SimpleString]] = []
    for node in iter_nodes(module):
        if isinstance(node, cst.Comment):
            found.append(node)
        elif isinstance(node, (cst.Module, cst.FunctionDef, cst.ClassDef)):
            docstring = _docstring_node(node)
            if docstring is not None:
                found.append(docstring)
    return found


def _docstring_node(node: Union[cst.Module, cst.FunctionDef, cst.ClassDef]) -> Optional[cst.SimpleString]:
    body = node.body if isinstance(node, cst.Module) else node.body.body
    if not body or not isinstance(body[0], cst.SimpleStatementLine):
        return None
    first = body[0].body[0] if body[0].body else None
    if isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString):
        return first.value
    return None
