"""Rewrite the import statements that the plan lists so they import moved modules by their new names.

The plan names each site by statement line and spelling (see ``SiteRewrite``).
This transform finds those statements, edits only their module and name
parts, and leaves every other byte of the file as it was. Plain ``import
a.b`` statements bind ``a``, so for them the attribute chains ``a.b.x`` in
the file's code are renamed too. A site whose ``old_chain`` goes through
the name its statement binds (``import a`` used as ``a.b.f()``, ``import
a.b as p`` used as ``p.moved.f()``, ``from a import b`` used as
``b.moved.f()``) keeps the statement, gains an import of the new module
after it, and has those chains renamed. A site that cannot be found or
cannot be rewritten safely is left alone and reported as ``Skipped``.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import keyword
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Callable, Optional, Union, cast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.model import SiteRewrite, Skipped, TransformResult

ImportNode = Union[cst.Import, cst.ImportFrom]


@dataclass(frozen=True)
class _LocatedSite:
    """A requested site together with the statement and imported name it matched."""

    site: SiteRewrite
    statement: ImportNode
    alias: Optional[cst.ImportAlias]  # None for a star import

    @property
    def chain(self) -> Optional[tuple[str, str]]:
        """Return the attribute chain rename ``(old, new)`` this site needs, if any."""
        site = self.site
        if self.imports_parent_package:
            assert site.old_chain is not None
            return site.old_chain, site.new_chain or site.new_module
        if site.kind != "import" or site.alias is not None:
            return None
        old_chain = site.old_chain or site.module
        if "." not in old_chain:
            return None
        return old_chain, site.new_chain or site.new_module

    @property
    def imports_parent_package(self) -> bool:
        """Tell whether the statement binds a package above the moved module (``import a`` for ``a.b.f()``)."""
        return _imports_parent_package(self.site)


def rewrite_imports(
    module: cst.Module, rewrites: Sequence[SiteRewrite], *, source: Optional[bytes] = None
) -> tuple[cst.Module, TransformResult]:
    """Rewrite the listed import sites of ``module`` and rename the attribute chains they bind.

    ``source`` may be the bytes ``module`` was parsed from, or any version of
    them with the same import statements on the same lines. It only saves
    rendering the module to find statement lines.
    """
    if not rewrites:
        return module, TransformResult(changed=False)

    statements = _import_statements_by_line(module, source)
    located, skipped = _locate_sites(_unique(rewrites), statements)

    if any(item.chain for item in located):
        located, unsafe = _drop_unsafe_chain_renames(located, _collect_bindings(module))
        skipped.extend(unsafe)

    new_module, located, unbinding = _apply_keeping_names_bound(module, located)
    skipped.extend(unbinding)

    changed = any(_changes_text(item.site) for item in located)
    result = TransformResult(
        changed=changed,
        skipped=tuple(sorted(skipped, key=lambda item: item.line)),
        applied=len(located),
    )
    return new_module, result


def _unique(rewrites: Iterable[SiteRewrite]) -> list[SiteRewrite]:
    return list(dict.fromkeys(rewrites))


def _changes_text(site: SiteRewrite) -> bool:
    if site.level or site.new_module != site.module:
        return True
    # Only a member site can change the imported name. A parent-package site adds a statement.
    if site.target == "member":
        return (site.new_name or site.name) != site.name
    return site.old_chain is not None and site.old_chain.startswith(site.module + ".")


# Finding the listed sites


def iter_nodes(
    root: cst.CSTNode, descend: Callable[[cst.CSTNode], bool] = lambda node: True
) -> Iterator[cst.CSTNode]:
    """Yield ``root`` and its descendants in field order, below the nodes for which ``descend`` is true.

    A plain walk over dataclass fields is several times faster than a LibCST
    visitor, which rebuilds each node it passes. Field order is source order
    for statements, but not for all expressions (a function's decorators come
    after its body).
    """
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if descend(node):
            stack.extend(reversed(_children(node)))


def walk(root: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Call ``visitor``'s ``visit_<Node>`` methods on ``root`` and its descendants, rebuilding nothing.

    As in a LibCST visit, a method that returns False skips the node's
    children. ``leave_`` methods are not called, and siblings may be visited
    out of source order (see :func:`iter_nodes`), so the visitor must only
    collect facts.
    """
    methods = _visit_methods(type(visitor))
    stack = [root]
    while stack:
        node = stack.pop()
        method = methods.get(type(node).__name__)
        if method is None or method(visitor, node) is not False:
            stack.extend(_children(node))


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Return the child nodes of ``node`` in field order."""
    children: list[cst.CSTNode] = []
    for name in _field_names(type(node)):
        value = getattr(node, name)
        value_type = type(value)
        if _is_node_type(value_type):
            children.append(value)
        elif value_type is tuple or value_type is list:
            children.extend(item for item in value if _is_node_type(type(item)))
    return children


_NODE_TYPES: dict[type, bool] = {}


def _is_node_type(value_type: type) -> bool:
    """Return whether values of ``value_type`` are CST nodes; cached, because ``CSTNode`` is an ABC and slow to check."""
    known = _NODE_TYPES.get(value_type)
    if known is None:
        known = _NODE_TYPES[value_type] = issubclass(value_type, cst.CSTNode)
    return known


@functools.cache
def _visit_methods(visitor_type: type) -> dict[str, Callable[..., Optional[bool]]]:
    """Return the ``visit_<Node>`` methods that ``visitor_type`` defines itself, by node type name."""
    prefix = "visit_"
    return {
        name[len(prefix) :]: getattr(visitor_type, name)
        for name in dir(visitor_type)
        if name.startswith(prefix) and getattr(visitor_type, name) is not getattr(cst.CSTVisitor, name, None)
    }


_STATEMENT_CONTAINERS = (
    cst.Module,
    cst.BaseSuite,
    cst.BaseCompoundStatement,
    cst.SimpleStatementLine,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)


def can_hold_statements(node: cst.CSTNode) -> bool:
    """Tell whether statements can sit below ``node``, so ``iter_nodes`` can skip expressions."""
    return _holds_statements(type(node))


@functools.cache
def _holds_statements(node_type: type) -> bool:
    return issubclass(node_type, _STATEMENT_CONTAINERS)


def replace_nodes(root: cst.CSTNode, replacements: Mapping[cst.CSTNode, cst.CSTNode]) -> cst.CSTNode:
    """Return ``root`` with each key node replaced by its value, rebuilding only the nodes above them.

    The same result as a LibCST transformer that swaps those nodes, at the
    cost of a plain walk.
    """
    if not replacements:
        return root
    if root in replacements:
        return replacements[root]

    changes: dict[str, object] = {}
    for name in _field_names(type(root)):
        value = getattr(root, name)
        if isinstance(value, cst.CSTNode):
            new_value = replace_nodes(value, replacements)
            if new_value is not value:
                changes[name] = new_value
        elif isinstance(value, (list, tuple)):
            new_items = [
                replace_nodes(item, replacements) if isinstance(item, cst.CSTNode) else item for item in value
            ]
            if any(new is not old for new, old in zip(new_items, value)):
                changes[name] = new_items
    return root.with_changes(**changes) if changes else root


@functools.cache
def _field_names(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(node_type))


def _import_statements_by_line(
    module: cst.Module, source: Optional[bytes] = None
) -> dict[int, list[ImportNode]]:
    statements: list[ImportNode] = [
        node
        for node in iter_nodes(module, descend=can_hold_statements)
        if isinstance(node, (cst.Import, cst.ImportFrom))
    ]
    lines = _lines_from_ast(module.code if source is None else source, statements)
    if lines is None:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        lines = [positions[statement].start.line for statement in statements]

    by_line: dict[int, list[ImportNode]] = {}
    for line, statement in zip(lines, statements):
        by_line.setdefault(line, []).append(statement)
    return by_line


def _lines_from_ast(source: Union[str, bytes], statements: Sequence[ImportNode]) -> Optional[list[int]]:
    """Return the line of each import statement from the ``ast`` of the same code.

    Rendering and ``ast`` parsing took about a sixth of the time of LibCST's
    PositionProvider on 40 KB files (libcst 1.9, Python 3.11). It returns
    None, so the caller falls back to positions, when this interpreter cannot
    parse the code or the two lists of statements do not pair up one to one.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None

    nodes = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    nodes.sort(key=lambda node: (node.lineno, node.col_offset))
    if len(nodes) != len(statements):
        return None
    if any(_ast_spelling(node) != _cst_spelling(statement) for node, statement in zip(nodes, statements)):
        return None
    return [node.lineno for node in nodes]


def _ast_spelling(node: Union[ast.Import, ast.ImportFrom]) -> tuple[object, ...]:
    names = tuple((alias.name, alias.asname) for alias in node.names)
    if isinstance(node, ast.Import):
        return ("import", names)
    return ("from", node.level or 0, node.module or "", names)


def _cst_spelling(node: ImportNode) -> tuple[object, ...]:
    if isinstance(node, cst.Import):
        return ("import", tuple((_dotted_name(alias.name), _alias_name(alias)) for alias in node.names))
    if isinstance(node.names, cst.ImportStar):
        names: tuple[tuple[Optional[str], Optional[str]], ...] = (("*", None),)
    else:
        names = tuple((_dotted_name(alias.name), _alias_name(alias)) for alias in node.names)
    module_text = "" if node.module is None else _dotted_name(node.module)
    return ("from", len(node.relative), module_text, names)


def _locate_sites(
    sites: Sequence[SiteRewrite], statements: dict[int, list[ImportNode]]
) -> tuple[list[_LocatedSite], list[Skipped]]:
    located: list[_LocatedSite] = []
    skipped: list[Skipped] = []
    claimed: set[int] = set()  # ids of aliases (or star statements) already claimed by a site

    for site in sites:
        problem = _invalid_site_reason(site)
        if problem is not None:
            skipped.append(Skipped(site.line, problem, code="invalid-site"))
            continue

        match = _find_site(site, statements.get(site.line, []), claimed)
        if match is None and _imports_parent_package(site):
            match = _find_parent_package_site(site, statements.get(site.line, []), located)
        if match is None:
            reason = (
                f"no import statement spelled {_spelling(site)} found at line {site.line}. "
                "The file may have changed since the scan, so rescan it"
            )
            skipped.append(Skipped(site.line, reason, code="not-found"))
            continue

        claimed.add(id(match.alias if match.alias is not None else match.statement))
        located.append(match)
    return located, skipped


def _imports_parent_package(site: SiteRewrite) -> bool:
    """Tell whether ``site`` keeps its statement and reaches a moved module through the name it binds.

    ``import a`` (or ``import a.x``) for ``a.b.f()``, ``import a.b as p`` for
    ``p.moved.f()``, and ``from a import b`` for ``b.moved.f()``: the chain
    starts with the bound name and is longer than the statement's own chain.
    """
    if site.old_chain is None or site.target != "module" or site.name == "*":
        return False
    bound: Optional[str]
    own_chain: Optional[str]
    if site.kind == "import" and site.alias is None:
        bound, own_chain = site.module.split(".")[0], site.module
    else:
        bound = site.alias or (site.name if site.kind == "from" else None)
        own_chain = bound
    if not bound:
        return False
    return site.old_chain != own_chain and site.old_chain.startswith(bound + ".")


def _find_parent_package_site(
    site: SiteRewrite, candidates: Sequence[ImportNode], located: Sequence[_LocatedSite]
) -> Optional[_LocatedSite]:
    """Match a name again for another moved module reached through it (``a.b.f()``, ``a.c.g()``)."""
    for item in located:
        if item.statement in candidates and item.imports_parent_package and _same_spelling(item.site, site):
            if item.site.old_chain != site.old_chain:
                return _LocatedSite(site, item.statement, item.alias)
    return None


def _same_spelling(first: SiteRewrite, second: SiteRewrite) -> bool:
    return (first.kind, first.module, first.level, first.name, first.alias) == (
        second.kind,
        second.module,
        second.level,
        second.name,
        second.alias,
    )


def _invalid_site_reason(site: SiteRewrite) -> Optional[str]:
    if site.kind == "from" and site.level == 0 and site.module == "__future__":
        return "a __future__ import names compiler features, not a module, so it never moves"
    if not _is_dotted_name(site.new_module):
        return f"new module {site.new_module!r} is not a valid dotted module name"
    if site.kind == "import" and site.target == "member":
        return "target='member' is invalid for a plain import statement because it imports no member"
    if site.kind == "import" and site.level != 0:
        return "a plain import statement cannot be relative"
    if site.kind == "from" and site.name is None:
        return "the from-import site is missing the imported name"
    if site.target == "member" and site.name == "*":
        return "target='member' is invalid for a star import because it names no member"
    new_name = site.new_name or site.name
    if site.target == "member" and not (new_name and _is_dotted_name(new_name) and "." not in new_name):
        return f"new name {site.new_name!r} is not a valid identifier"
    return None


def _is_dotted_name(text: str) -> bool:
    parts = text.split(".")
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in parts)


def _spelling(site: SiteRewrite) -> str:
    alias = f" as {site.alias}" if site.alias else ""
    if site.kind == "import":
        return f"'import {site.module}{alias}'"
    return f"'from {'.' * site.level}{site.module} import {site.name}{alias}'"


def _find_site(
    site: SiteRewrite, candidates: Sequence[ImportNode], claimed: set[int]
) -> Optional[_LocatedSite]:
    for statement in candidates:
        if site.kind == "import" and isinstance(statement, cst.Import):
            alias = _matching_import_alias(site, statement, claimed)
        elif site.kind == "from" and isinstance(statement, cst.ImportFrom):
            if not _same_from_module(site, statement):
                continue
            if isinstance(statement.names, cst.ImportStar):
                if site.name == "*" and id(statement) not in claimed:
                    return _LocatedSite(site, statement, None)
                continue
            alias = _matching_from_alias(site, statement.names, claimed)
        else:
            continue
        if alias is not None:
            return _LocatedSite(site, statement, alias)
    return None


def _matching_import_alias(
    site: SiteRewrite, statement: cst.Import, claimed: set[int]
) -> Optional[cst.ImportAlias]:
    for alias in statement.names:
        if id(alias) in claimed:
            continue
        if _dotted_name(alias.name) == site.module and _alias_name(alias) == site.alias:
            return alias
    return None


def _same_from_module(site: SiteRewrite, statement: cst.ImportFrom) -> bool:
    module_text = "" if statement.module is None else _dotted_name(statement.module)
    return module_text == site.module and len(statement.relative) == site.level


def _matching_from_alias(
    site: SiteRewrite, aliases: Sequence[cst.ImportAlias], claimed: set[int]
) -> Optional[cst.ImportAlias]:
    same_name = [
        alias for alias in aliases if id(alias) not in claimed and _dotted_name(alias.name) == site.name
    ]
    exact = [alias for alias in same_name if _alias_name(alias) == site.alias]
    if exact:
        return exact[0]
    # The plan may leave out the alias, so the name alone matches when it is unambiguous.
    if site.alias is None and len(same_name) == 1:
        return same_name[0]
    return None


def _alias_name(alias: cst.ImportAlias) -> Optional[str]:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value


def _dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """Return ``a.b.c`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


# Safety checks for attribute chain renames


class _BindingCollector(cst.CSTVisitor):
    """Collect names that the file binds other than by a plain ``import a.b``.

    Names bound by ``import a as x`` and ``from a import x`` are also kept
    with the imported names that bind them, so a site can tell its own
    binding from another one.
    """

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.imported: dict[str, list[cst.ImportAlias]] = {}

    def rebound(self, own: Optional[cst.ImportAlias]) -> set[str]:
        """Return the names bound other than by a plain import or by the imported name ``own``."""
        others = {name for name, aliases in self.imported.items() if any(alias is not own for alias in aliases)}
        return self.names | others

    def _add_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._add_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._add_target(target.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._add_target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._add_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add_target(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._add_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._add_target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._add_target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        # Covers `with ... as x` and `except E as x`. Import statements are handled above.
        self._add_target(node.name)

    def visit_Del(self, node: cst.Del) -> None:
        self._add_target(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.names.add(node.name.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.names.add(node.name.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.names.update(item.name.value for item in node.names)

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            bound = _alias_name(alias)
            if bound is not None:
                self.imported.setdefault(bound, []).append(alias)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            bound = _alias_name(alias) or _dotted_name(alias.name)
            if bound is not None:
                self.imported.setdefault(bound, []).append(alias)
        return False

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.names.add(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.names.add(node.name.value)


def _collect_bindings(module: cst.Module) -> _BindingCollector:
    collector = _BindingCollector()
    walk(module, collector)
    return collector


def _drop_unsafe_chain_renames(
    located: Sequence[_LocatedSite], bindings: _BindingCollector
) -> tuple[list[_LocatedSite], list[Skipped]]:
    kept: list[_LocatedSite] = []
    skipped: list[Skipped] = []
    for item in located:
        chain = item.chain
        # A site that keeps its statement binds the chain's first name itself.
        own = item.alias if item.imports_parent_package else None
        clash = None if chain is None else _first_rebound_root(chain, bindings.rebound(own))
        if chain is None or clash is None:
            kept.append(item)
            continue
        reason = (
            f"'{clash}' is also assigned, defined or declared global in this file, "
            f"so renaming {chain[0]}.* to {chain[1]}.* is not safe"
        )
        skipped.append(Skipped(item.site.line, reason, code="rebound-name"))
    return kept, skipped


def _first_rebound_root(chain: tuple[str, str], rebound: set[str]) -> Optional[str]:
    for dotted in chain:
        root = dotted.split(".")[0]
        if root in rebound:
            return root
    return None


def _apply_keeping_names_bound(
    module: cst.Module, located: list[_LocatedSite]
) -> tuple[cst.Module, list[_LocatedSite], list[Skipped]]:
    """Apply the sites, and drop the ones whose rewrite leaves a used name unbound.

    ``import a.b`` binds ``a``, and the file may use ``a.other`` that nothing
    else imports. Renaming ``a.b`` away would break that use, so such a site
    is reported and the rewrite is redone without it.
    """
    skipped: list[Skipped] = []
    while True:
        new_module = _ImportRewriter(located).rewrite(module)
        unbound = _roots_left_unbound(new_module, located)
        if not unbound:
            return new_module, located, skipped

        kept: list[_LocatedSite] = []
        for item in located:
            chain = item.chain
            root = None if chain is None else chain[0].split(".")[0]
            if chain is None or root not in unbound:
                kept.append(item)
                continue
            reason = (
                f"the file still uses '{root}' outside {chain[0]}.* "
                f"and no other import binds '{root}'"
            )
            skipped.append(Skipped(item.site.line, reason, code="unbinds-name"))
        located = kept


class _NameUseCounter(cst.CSTVisitor):
    """Count uses of names in code, outside import statements and attribute names."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.used: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        walk(node.value, self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        walk(node.value, self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.used.add(node.value)


class _ImportBindingCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            bound = _alias_name(alias) or (_dotted_name(alias.name) or "").split(".")[0]
            self.names.add(bound)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            self.names.add(_alias_name(alias) or _dotted_name(alias.name) or "")
        return False


def _roots_left_unbound(module: cst.Module, located: Sequence[_LocatedSite]) -> set[str]:
    roots = {chain[0].split(".")[0] for chain in (item.chain for item in located) if chain}
    if not roots:
        return set()

    uses = _NameUseCounter(roots)
    walk(module, uses)
    bindings = _ImportBindingCollector()
    walk(module, bindings)
    # NOTE: scopes are not distinguished. An import of the root inside one
    # function counts as binding it everywhere in the file.
    return uses.used - bindings.names


# Editing the tree


@dataclass
class _FollowingLine:
    """A new statement placed after an edited one, with the comments that moved along with its names."""

    statement: ImportNode
    comment: Optional[cst.Comment] = None  # at the end of its line
    comments_above: tuple[cst.Comment, ...] = ()  # on lines of their own above it

    @property
    def comments(self) -> list[cst.Comment]:
        """Return every comment that moved with the statement, in source order."""
        return [*self.comments_above, *([self.comment] if self.comment is not None else [])]


@dataclass
class _StatementEdit:
    replacement: ImportNode  # a new node even when nothing in it differs, because the rewriter finds edits by identity
    following: list[_FollowingLine]  # new statements to place right after this one


class _ImportRewriter:
    """Rebuild a module with the planned statement edits and attribute chain renames.

    Only the nodes on the path from the module to a changed node are rebuilt,
    so a file with a few changed imports costs one walk over its statements
    instead of a LibCST transformer pass over every node. Expressions are
    walked only when there are chains to rename.
    """

    def __init__(self, located: Sequence[_LocatedSite]) -> None:
        self._edits = _plan_statement_edits(located)
        self._chains = dict(chain for chain in (item.chain for item in located) if chain)

    def rewrite(self, module: cst.Module) -> cst.Module:
        if not self._edits and not self._chains:
            return module
        rebuilt = self._rebuilt(module)
        assert isinstance(rebuilt, cst.Module)
        return rebuilt

    def _rebuilt(self, node: cst.CSTNode) -> Union[cst.CSTNode, list[cst.CSTNode]]:
        """Return ``node`` itself when nothing below it changes, else its replacement (a list in a body)."""
        node_type = type(node)
        if node_type is cst.Import or node_type is cst.ImportFrom:
            edit = self._edits.get(id(node))
            return node if edit is None else edit.replacement
        if node_type is cst.Attribute and self._chains:
            attribute = cast(cst.Attribute, node)
            new_chain = self._chains.get(_dotted_name(attribute) or "")
            if new_chain is not None:
                return _dotted_expression(new_chain).with_changes(lpar=attribute.lpar, rpar=attribute.rpar)
        if not self._chains and not can_hold_statements(node):
            return node

        changes = self._changed_fields(node)
        if not changes:
            return node
        new_node = node.with_changes(**changes)
        if isinstance(node, cst.SimpleStatementLine):
            return self._with_following_lines(node, new_node)
        if isinstance(node, cst.SimpleStatementSuite):
            return self._with_following_statements(node, new_node)
        return new_node

    def _changed_fields(self, node: cst.CSTNode) -> dict[str, object]:
        changes: dict[str, object] = {}
        for name in _field_names(type(node)):
            value = getattr(node, name)
            value_type = type(value)
            if _is_node_type(value_type):
                new_value = self._rebuilt(value)
                if new_value is not value:
                    changes[name] = new_value
            elif value_type is tuple or value_type is list:
                new_items = self._rebuilt_items(value)
                if new_items is not None:
                    changes[name] = new_items
        return changes

    def _rebuilt_items(self, items: Sequence[object]) -> Optional[list[object]]:
        new_items: list[object] = []
        changed = False
        for item in items:
            new_item = self._rebuilt(cast(cst.CSTNode, item)) if _is_node_type(type(item)) else item
            changed = changed or new_item is not item
            if isinstance(new_item, list):
                new_items.extend(new_item)
            else:
                new_items.append(new_item)
        return new_items if changed else None

    def _following(
        self, original: Union[cst.SimpleStatementLine, cst.SimpleStatementSuite]
    ) -> list[list[_FollowingLine]]:
        body = original.body
        return [self._edits[id(small)].following if id(small) in self._edits else [] for small in body]

    def _with_following_lines(
        self, original: cst.SimpleStatementLine, new_line: cst.CSTNode
    ) -> Union[cst.CSTNode, list[cst.CSTNode]]:
        """Place new statements after the edited ones: on new lines, or after a `;` when more code follows.

        In ``from a import b, c; x = c.f()`` the new import of ``c`` must run
        before ``x = c.f()``, so it joins the line right after the edited
        statement, and the comments that moved with its names go on lines of
        their own above the line. An edited statement that ends its line gets
        new lines.
        """
        assert isinstance(new_line, cst.SimpleStatementLine)
        groups = self._following(original)
        if not any(groups):
            return new_line

        body: list[cst.BaseSmallStatement] = []
        comments_above: list[cst.EmptyLine] = []
        lines_after: list[cst.SimpleStatementLine] = []
        last = len(new_line.body) - 1
        for index, (small, following) in enumerate(zip(new_line.body, groups)):
            body.append(small)
            if index < last:
                body.extend(line.statement for line in following)
                comments_above.extend(cst.EmptyLine(comment=comment) for line in following for comment in line.comments)
            else:
                lines_after.extend(_statement_line(line) for line in following)
        if len(body) != len(new_line.body):
            new_line = new_line.with_changes(body=body, leading_lines=[*new_line.leading_lines, *comments_above])
        return [new_line, *lines_after] if lines_after else new_line

    def _with_following_statements(
        self, original: cst.SimpleStatementSuite, new_suite: cst.CSTNode
    ) -> cst.CSTNode:
        # A one-line body such as `try: import a`: new statements join the line after a `;`.
        assert isinstance(new_suite, cst.SimpleStatementSuite)
        body: list[cst.BaseSmallStatement] = []
        for small, following in zip(new_suite.body, self._following(original)):
            body.append(small)
            body.extend(line.statement for line in following)
        if len(body) == len(new_suite.body):
            return new_suite
        return new_suite.with_changes(body=body)


def _plan_statement_edits(located: Sequence[_LocatedSite]) -> dict[int, _StatementEdit]:
    by_statement: dict[int, list[_LocatedSite]] = {}
    for item in located:
        by_statement.setdefault(id(item.statement), []).append(item)

    edits: dict[int, _StatementEdit] = {}
    for items in by_statement.values():
        statement = items[0].statement
        if isinstance(statement, cst.Import):
            edits[id(statement)] = _edit_import(statement, items)
        else:
            edits[id(statement)] = _edit_import_from(statement, items)
    return edits


def _edit_import(statement: cst.Import, items: Sequence[_LocatedSite]) -> _StatementEdit:
    aliases: list[cst.ImportAlias] = []
    following: list[_FollowingLine] = []

    for alias in statement.names:
        item = _item_for(items, alias)
        if item is None:
            aliases.append(alias)
        elif item.imports_parent_package:
            # `import a` serves `a.b.f()`: keep it for other uses of `a`, import the new modules too.
            aliases.append(alias)
            following.extend(_parent_package_imports(items, alias))
        else:
            aliases.append(_rewrite_import_alias(alias, item.site))

    return _StatementEdit(statement.with_changes(names=aliases), following)


def _parent_package_imports(items: Sequence[_LocatedSite], alias: cst.ImportAlias) -> list[_FollowingLine]:
    """Return ``import <new module>`` for each moved module reached through the name ``alias`` binds."""
    new_modules = sorted({item.site.new_module for item in items if item.alias is alias and item.imports_parent_package})
    return [_FollowingLine(cst.Import(names=[cst.ImportAlias(name=_dotted_expression(name))])) for name in new_modules]


def _item_for(items: Sequence[_LocatedSite], alias: cst.ImportAlias) -> Optional[_LocatedSite]:
    for item in items:
        if item.alias is alias:
            return item
    return None


def _rewrite_import_alias(alias: cst.ImportAlias, site: SiteRewrite) -> cst.ImportAlias:
    new_alias = alias.with_changes(name=_dotted_expression(site.new_module))
    keeps_bound_name = site.alias is None and "." not in site.module
    if keeps_bound_name and site.new_module != site.module:
        # `import foo` bound `foo`; `import new.foo as foo` binds the same name.
        new_alias = new_alias.with_changes(asname=cst.AsName(name=cst.Name(site.module)))
    return new_alias


_KEEP = ""  # destination of the imported names that no site lists: the statement itself


def _edit_import_from(statement: cst.ImportFrom, items: Sequence[_LocatedSite]) -> _StatementEdit:
    names = statement.names
    if isinstance(names, cst.ImportStar):
        new_module = items[0].site.new_module
        return _StatementEdit(_with_module(statement, new_module), [])

    # A name that only serves `b.moved.f()` stays, and the new modules are imported after the statement.
    added: list[_FollowingLine] = []
    destinations: list[str] = []
    for alias in names:
        item = _item_for(items, alias)
        if item is not None and item.imports_parent_package:
            added.extend(_parent_package_imports(items, alias))
            item = None
        destinations.append(_KEEP if item is None else item.site.new_module)

    rewritten = [
        alias if destination == _KEEP else _rewrite_from_alias(alias, _item_for(items, alias))
        for alias, destination in zip(names, destinations)
    ]
    if len(set(destinations)) == 1:
        replacement = statement.with_changes(names=rewritten)
        if destinations[0] != _KEEP:
            replacement = _with_module(replacement, destinations[0])
        return _StatementEdit(replacement, added)
    edit = _split_import_from(statement, rewritten, destinations)
    edit.following.extend(added)
    return edit


def _rewrite_from_alias(alias: cst.ImportAlias, item: Optional[_LocatedSite]) -> cst.ImportAlias:
    assert item is not None
    site = item.site
    if site.target == "module":
        return alias
    old_name = site.name or ""
    new_name = site.new_name or old_name
    if new_name == old_name:
        return alias
    bound_name = _alias_name(alias) or old_name
    return alias.with_changes(name=cst.Name(new_name), asname=cst.AsName(name=cst.Name(bound_name)))


def _with_module(statement: cst.ImportFrom, new_module: str) -> cst.ImportFrom:
    return statement.with_changes(module=_dotted_expression(new_module), relative=())


def _split_import_from(
    statement: cst.ImportFrom, aliases: Sequence[cst.ImportAlias], destinations: Sequence[str]
) -> _StatementEdit:
    """Keep the unlisted names in the statement and import the others from their new modules after it.

    ``aliases[i]`` is the statement's name ``i`` as rewritten, going to
    module ``destinations[i]``. When every name moves, the first destination
    keeps the statement. The comment at the end of a moved name's line and
    the comment lines right above it move along with it.
    """
    first = _KEEP if _KEEP in destinations else destinations[0]
    gaps = _name_gaps(statement)

    stays = [destination == first for destination in destinations]
    replacement = _with_names_kept(statement.with_changes(names=list(aliases)), gaps, stays)
    if first != _KEEP:
        replacement = _with_module(replacement, first)

    following: list[_FollowingLine] = []
    for destination in dict.fromkeys(destinations):
        if destination == first:
            continue
        indexes = [index for index, target in enumerate(destinations) if target == destination]
        new_statement = cst.ImportFrom(
            module=_dotted_expression(destination),
            names=[_bare_alias(aliases[index]) for index in indexes],
        )
        comment = _joined_comments(_trailing_comment(gaps[index + 1]) for index in indexes)
        above = tuple(comment for index in indexes for comment in _comments_right_above(gaps[index]))
        following.append(_FollowingLine(new_statement, comment, above))
    return _StatementEdit(replacement, following)


_Gap = Optional[cst.BaseParenthesizableWhitespace]


def _name_gaps(statement: cst.ImportFrom) -> list[_Gap]:
    """Return the whitespace around the imported names: before the first, between each two, after the last.

    Gap ``i`` comes right before name ``i``. It contains the comment at the end
    of the line of name ``i - 1`` and the comment lines above name ``i``. The
    last gap closes the statement: the whitespace after a trailing comma or
    before ``)``, or None when the statement has neither.
    """
    names = statement.names
    assert not isinstance(names, cst.ImportStar)
    first: _Gap = statement.lpar.whitespace_after if statement.lpar is not None else statement.whitespace_after_import
    gaps: list[_Gap] = [first]
    for alias in names[:-1]:
        assert isinstance(alias.comma, cst.Comma)
        gaps.append(alias.comma.whitespace_after)
    last_comma = names[-1].comma
    if isinstance(last_comma, cst.Comma):
        gaps.append(last_comma.whitespace_after)
    elif statement.rpar is not None:
        gaps.append(statement.rpar.whitespace_before)
    else:
        gaps.append(None)
    return gaps


def _with_names_kept(statement: cst.ImportFrom, gaps: Sequence[_Gap], stays: Sequence[bool]) -> cst.ImportFrom:
    """Return ``statement`` importing only the names whose ``stays`` flag is set.

    Every comment of the names kept and of the statement itself stays where
    it was. The statement ends the way it ended, with or without a trailing
    comma, and with ``)`` on its own line or on the last name's line.
    """
    names = statement.names
    assert not isinstance(names, cst.ImportStar)
    trailing_comma = isinstance(names[-1].comma, cst.Comma)

    kept: list[cst.ImportAlias] = []
    kept_gaps: list[_Gap] = [gaps[0]]
    for index, alias in enumerate(names):
        if stays[index]:
            kept.append(alias)
            kept_gaps.append(gaps[index + 1])
        else:
            closing = index == len(names) - 1
            kept_gaps[-1] = _merged_gap(kept_gaps[-1], gaps[index + 1], closing=closing)

    closing_gap = kept_gaps[-1]
    # A name that had a comma keeps it when `)` sits on a line of its own.
    keeps_comma = trailing_comma or (
        isinstance(kept[-1].comma, cst.Comma) and isinstance(closing_gap, cst.ParenthesizedWhitespace)
    )
    new_names: list[cst.ImportAlias] = []
    for position, alias in enumerate(kept):
        after = kept_gaps[position + 1]
        if position < len(kept) - 1 or keeps_comma:
            comma = alias.comma if isinstance(alias.comma, cst.Comma) else cst.Comma()
            if after is not None:
                comma = comma.with_changes(whitespace_after=after)
            new_names.append(alias.with_changes(comma=comma))
        else:
            new_names.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))

    changes: dict[str, object] = {"names": new_names}
    if statement.lpar is not None and statement.rpar is not None:
        changes["lpar"] = statement.lpar.with_changes(whitespace_after=kept_gaps[0])
        if not trailing_comma and closing_gap is not None:
            rpar_whitespace = cst.SimpleWhitespace("") if keeps_comma else closing_gap
            changes["rpar"] = statement.rpar.with_changes(whitespace_before=rpar_whitespace)
    elif kept_gaps[0] is not None:
        changes["whitespace_after_import"] = kept_gaps[0]
    return statement.with_changes(**changes)


def _merged_gap(before: _Gap, after: _Gap, *, closing: bool) -> _Gap:
    """Return the one gap left when the name between ``before`` and ``after`` is taken out.

    It keeps the comment at the end of the previous name's line (in
    ``before``), the comment lines that are not right above the removed name,
    and the comment lines above the next name (in ``after``). The removed
    name's own comments go with it (see ``_split_import_from``).
    """
    if after is None:
        return before
    if isinstance(before, cst.ParenthesizedWhitespace):
        kept_lines = _lines_not_above_name(before)
        if isinstance(after, cst.ParenthesizedWhitespace):
            return before.with_changes(
                empty_lines=[*kept_lines, *after.empty_lines], indent=after.indent, last_line=after.last_line
            )
        if closing and before.first_line.comment is None and not any(line.comment for line in kept_lines):
            return after  # `(a,\n    b)` without b closes as `(a)`
        last_line = cst.SimpleWhitespace("") if closing else before.last_line
        return before.with_changes(empty_lines=kept_lines, last_line=last_line)
    if isinstance(after, cst.ParenthesizedWhitespace):
        if not closing and not any(line.comment for line in after.empty_lines):
            return before  # `(a, b,\n    c)` without b becomes `(a, c)`
        # The removed name's comment leaves the line; the line break stays.
        first_line = after.first_line.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        return after.with_changes(first_line=first_line)
    return after if closing else before


def _comments_right_above(gap: _Gap) -> list[cst.Comment]:
    """Return the comment lines that end ``gap`` with no blank line before the name that follows."""
    if not isinstance(gap, cst.ParenthesizedWhitespace):
        return []
    lines = list(gap.empty_lines)
    comments: list[cst.Comment] = []
    while lines and lines[-1].comment is not None:
        comment = lines.pop().comment
        assert comment is not None
        comments.insert(0, comment)
    return comments


def _lines_not_above_name(gap: cst.ParenthesizedWhitespace) -> list[cst.EmptyLine]:
    above = len(_comments_right_above(gap))
    lines = list(gap.empty_lines)
    return lines[: len(lines) - above]


def _trailing_comment(gap: _Gap) -> Optional[cst.Comment]:
    """Return the comment at the end of the line that ``gap`` starts on, inside parentheses."""
    if isinstance(gap, cst.ParenthesizedWhitespace):
        return gap.first_line.comment
    return None


def _joined_comments(comments: Iterable[Optional[cst.Comment]]) -> Optional[cst.Comment]:
    texts = [comment.value for comment in comments if comment is not None]
    if not texts:
        return None
    return cst.Comment("  ".join(texts))


def _statement_line(line: _FollowingLine) -> cst.SimpleStatementLine:
    leading = [cst.EmptyLine(comment=comment) for comment in line.comments_above]
    if line.comment is None:
        return cst.SimpleStatementLine(body=[line.statement], leading_lines=leading)
    trailing = cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=line.comment)
    return cst.SimpleStatementLine(body=[line.statement], leading_lines=leading, trailing_whitespace=trailing)


def _bare_alias(alias: cst.ImportAlias) -> cst.ImportAlias:
    """Copy an imported name without the comma and whitespace of its old statement."""
    asname = _alias_name(alias)
    return cst.ImportAlias(
        name=cst.Name(_dotted_name(alias.name) or ""),
        asname=None if asname is None else cst.AsName(name=cst.Name(asname)),
    )


def _dotted_expression(dotted: str) -> Union[cst.Name, cst.Attribute]:
    """Build a fresh ``a.b.c`` expression, so no node appears twice in a tree."""
    parts = iter(dotted.split("."))
    expression: Union[cst.Name, cst.Attribute] = cst.Name(next(parts))
    for part in parts:
        expression = cst.Attribute(value=expression, attr=cst.Name(part))
    return expression

