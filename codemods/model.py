"""Values that the plan hands to the transforms and the transforms hand back.

A transform never decides which module a site reaches: the plan does, from
the inventory's resolution, and passes the transform exactly which statement
(by line and spelling) to change and into what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional


@dataclass(frozen=True)
class SiteRewrite:
    """One imported name of one import statement to rewrite.

    Matching: the statement starting at ``line`` whose module text is
    ``module`` with ``level`` dots, and, for from-imports, whose imported
    name is ``name``.

    - ``target == "module"``: the module part names the moved module (or a
      module inside a moved package). The module part becomes ``new_module``
      (absolute, no dots). For ``import`` statements without ``as``, the
      statement binds the first part of the dotted name, so the transform
      also renames attribute chains ``old_chain`` -> ``new_chain`` in the
      file's code. When ``old_chain`` is longer than ``module`` (``import a``
      used as ``a.b.moved.f()``), the statement stays and an import of
      ``new_module`` is added after it; one statement may carry several
      such sites, one per moved module reached through it. The same applies
      for a name bound to a package by an alias or a from-import:
      ``old_chain`` then starts with that local name (``p.moved`` for
      ``import a.b as p``, ``b.moved`` for ``from a import b``).
    - ``target == "member"``: a from-import whose imported name is the moved
      module (``from scripts.etl import config``). The statement for that
      name becomes ``from <new_module> import <new_name>`` bound to the same
      local name as before (an ``as`` is added when the leaf changes).
    """

    line: int
    kind: Literal["import", "from"]
    module: str
    level: int
    name: Optional[str]
    alias: Optional[str]
    target: Literal["module", "member"]
    new_module: str
    new_name: Optional[str] = None
    old_chain: Optional[str] = None
    new_chain: Optional[str] = None


@dataclass(frozen=True)
class StringRewrite:
    """A string literal at ``line`` whose value is exactly ``old``, to become ``new``."""

    line: int
    old: str
    new: str
    kind: str = "mock.patch"


@dataclass(frozen=True)
class Skipped:
    """A site a transform left alone, with the reason."""

    line: int
    reason: str
    code: str = ""


@dataclass(frozen=True)
class TransformResult:
    """Result of a transform: whether the source changed and the sites it left alone."""

    changed: bool
    skipped: tuple[Skipped, ...] = ()
    applied: int = 0  # number of sites rewritten


@dataclass(frozen=True)
class RewriteOptions:
    """Optional rewrites of a batch beyond Python imports, off unless the user asks for them."""

    commands: bool = False  # `python old/path.py` in shell, cron, CI ... files -> `python -m new.module`
    docs: bool = False  # dotted names and paths in comments, docstrings and Markdown


DEFAULT_REWRITE_OPTIONS = RewriteOptions()
