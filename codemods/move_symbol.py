"""Move one top-level function or class into another module, leaving a re-export behind.

A ``"scripts/etl/utils.py:parse_date" = "nba_simulator.etl.dates"`` move takes
the definition of ``parse_date``, with its decorators and the imports its
body needs, into ``nba_simulator/etl/dates.py``, creating that module or
appending to it. rope's ``MoveGlobal`` refactoring writes the new module's
text. It runs on a scratch copy of the two files, so planning never touches
the repository. The old module keeps the name bound at the same place by
``from nba_simulator.etl.dates import parse_date  # moved by codemod``, so
every importer and every later use in the old module keep working. The plan
rewrites the importers with the import transforms.

A move that rope cannot do safely is left alone and reported. One case is
a definition that uses other top-level names of its module, because the new
module would import the old one, a cycle. Another is a definition that uses
imports that work only from the old module's folder.
"""

from __future__ import annotations

import ast
import difflib
import tempfile
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional, Union

from codemods.model import Skipped

REEXPORT_COMMENT = "# moved by codemod"
Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef]


@dataclass(frozen=True)
class SymbolMove:
    """One function or class to move, as a ``path.py:Name`` key of a batch names it."""

    source_path: str  # scripts/etl/utils.py
    name: str  # parse_date
    new_module: str  # nba_simulator.etl.dates
    dest_path: str  # nba_simulator/etl/dates.py
    rule: str  # the `moves` key


@dataclass(frozen=True)
class SymbolMoveResult:
    """The new text of both modules, or the reason the move was left alone."""

    source_after: bytes
    dest_after: Optional[bytes]
    problem: Optional[Skipped] = None
    line: int = 0  # where the definition starts in the old module


def move_symbol(
    source: bytes,
    dest: Optional[bytes],
    move: SymbolMove,
    *,
    folder_imports: Collection[str] = (),
) -> SymbolMoveResult:
    """Move the definition of ``move.name`` from ``source`` into ``dest`` (None: a new module).

    ``folder_imports`` are the names the old module binds by imports that
    resolve only through its own folder or a ``sys.path`` edit. A
    definition that uses one of them is not moved.
    """
    unchanged = SymbolMoveResult(source, dest)
    try:
        text = source.decode("utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (UnicodeDecodeError, SyntaxError, ValueError) as error:
        return _left_alone(unchanged, 0, f"{move.source_path} cannot be parsed ({error}), so nothing moves")

    node = _top_level_definition(tree, move.name)
    if node is None:
        reason = f"{move.source_path} has no top-level function or class named {move.name!r}; check the key {move.rule!r}"
        defined = [item.name for item in tree.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        close = difflib.get_close_matches(move.name, defined, n=1)
        if close:
            reason += f" (did you mean {move.source_path}:{close[0]}?)"
        return _left_alone(unchanged, 0, reason)
    start = _first_line(node)

    problem = _unsafe_reason(tree, node, move, folder_imports)
    if problem is not None:
        return _left_alone(unchanged, start, problem)

    dest_text = _moved_with_rope(text, "" if dest is None else dest.decode("utf-8"), node, move)
    if isinstance(dest_text, Skipped):
        return SymbolMoveResult(source, dest, dest_text, start)
    source_after = _with_reexport(text, node, move)
    return SymbolMoveResult(source_after.encode("utf-8"), dest_text.encode("utf-8"), None, start)


def _left_alone(result: SymbolMoveResult, line: int, reason: str) -> SymbolMoveResult:
    return SymbolMoveResult(result.source_after, result.dest_after, Skipped(line, reason, code="symbol-kept"), line)


def _top_level_definition(tree: ast.Module, name: str) -> Optional[Definition]:
    found = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name
    ]
    return found[0] if len(found) == 1 else None


def _first_line(node: Definition) -> int:
    return min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])


# Safety checks


def _unsafe_reason(
    tree: ast.Module, node: Definition, move: SymbolMove, folder_imports: Collection[str]
) -> Optional[str]:
    used = _free_names(node) - {move.name}
    definitions = _module_definitions(tree, node)
    shared = sorted(used & set(definitions))
    if shared:
        name = shared[0]
        return (
            f"{move.name} uses {name} (line {definitions[name]}), which stays in {move.source_path}; "
            f"the new module would import the old one, a cycle. Move {name} in the same batch or by hand"
        )
    local_only = sorted(used & set(folder_imports))
    if local_only:
        return (
            f"{move.name} uses {local_only[0]}, imported in {move.source_path} from its own folder or a sys.path "
            "edit, which the new module cannot import the same way; move that module first"
        )
    relative = sorted(used & _relative_import_names(tree))
    if relative:
        return f"{move.name} uses {relative[0]} from a relative import, which would point elsewhere in the new module"
    if _declares_global(node):
        return f"{move.name} declares a global, which would become a global of the new module; move it by hand"
    return None


def _free_names(node: Definition) -> set[str]:
    """Return the names a definition reads but does not bind itself (its parameters and locals)."""
    loaded: set[str] = set()
    bound: set[str] = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Name):
            (loaded if isinstance(item.ctx, ast.Load) else bound).add(item.id)
        elif isinstance(item, ast.arg):
            bound.add(item.arg)
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and item is not node:
            bound.add(item.name)
    # NOTE: a name both bound locally and read as a global in another scope of the definition counts as local.
    return loaded - bound


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _module_definitions(tree: ast.Module, moved: Definition) -> dict[str, int]:
    """Return the names the module binds at top level other than by imports, with their lines."""
    names: dict[str, int] = {}
    pending: list[ast.stmt] = [statement for statement in tree.body if statement is not moved]
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.setdefault(statement.name, statement.lineno)
            continue
        for item in _walk_outside_scopes(statement):
            if isinstance(item, ast.Name) and not isinstance(item.ctx, ast.Load):
                names.setdefault(item.id, statement.lineno)
            elif isinstance(item, ast.stmt) and item is not statement:
                pending.append(item)
    return names


def _walk_outside_scopes(statement: ast.stmt) -> list[ast.AST]:
    """Return the nodes of ``statement`` outside nested functions, classes and lambdas."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [statement]
    while stack:
        item = stack.pop()
        found.append(item)
        if item is not statement and isinstance(item, (*_SCOPES, ast.stmt)):
            continue  # nested statements are visited on their own
        stack.extend(ast.iter_child_nodes(item))
    return found


def _relative_import_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.level:
            names.update(alias.asname or alias.name for alias in statement.names)
    return names


def _declares_global(node: Definition) -> bool:
    return any(isinstance(item, ast.Global) for item in ast.walk(node))


# The move


def _moved_with_rope(source: str, dest: str, node: Definition, move: SymbolMove) -> Union[str, Skipped]:
    """Return the new text of the destination module as rope's MoveGlobal writes it."""
    with tempfile.TemporaryDirectory(prefix="codemod-move-") as scratch:
        root = Path(scratch)
        _write_scratch(root, move.source_path, source)
        _write_scratch(root, move.dest_path, dest)
        for init in _package_inits(move.dest_path):
            if not (root / init).exists():
                _write_scratch(root, init, "")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rope 1.x warns about its own internals
            return _run_rope(root, source, node, move)


def _run_rope(root: Path, source: str, node: Definition, move: SymbolMove) -> Union[str, Skipped]:
    from rope.base import libutils
    from rope.base.exceptions import RopeError
    from rope.base.project import Project
    from rope.refactor.move import MoveGlobal

    project = Project(str(root), ropefolder=None)
    try:
        resource = libutils.path_to_resource(project, str(root / move.source_path))
        destination = libutils.path_to_resource(project, str(root / move.dest_path))
        offset = _name_offset(source, node)
        refactoring = MoveGlobal(project, resource, offset)
        changes = refactoring.get_changes(destination, resources=[resource, destination])
    except RopeError as error:
        reason = f"rope cannot move {move.name}: {error}; move it by hand"
        return Skipped(_first_line(node), reason, code="symbol-kept")
    finally:
        project.close()

    for change in changes.changes:
        if change.resource.path == move.dest_path:
            return _checked_destination(change.new_contents, move, node)
    return Skipped(_first_line(node), f"rope left {move.dest_path} unchanged; move {move.name} by hand", code="symbol-kept")


def _checked_destination(text: str, move: SymbolMove, node: Definition) -> Union[str, Skipped]:
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return Skipped(_first_line(node), f"rope's text for {move.dest_path} does not parse ({error})", code="symbol-kept")
    if _top_level_definition(tree, move.name) is None:
        return Skipped(_first_line(node), f"rope did not place {move.name} at the top level of {move.dest_path}", code="symbol-kept")
    return text if text.endswith("\n") else text + "\n"


def _write_scratch(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _package_inits(dest_path: str) -> list[str]:
    return [(parent / "__init__.py").as_posix() for parent in PurePosixPath(dest_path).parents if parent.as_posix() != "."]


def _name_offset(source: str, node: Definition) -> int:
    """Return the character offset of the definition's name, where rope expects it."""
    lines = source.splitlines(keepends=True)
    line_start = sum(len(line) for line in lines[: node.lineno - 1])
    keyword = "class" if isinstance(node, ast.ClassDef) else "def"
    line = lines[node.lineno - 1]
    column = line.index(node.name, line.index(keyword) + len(keyword))
    return line_start + column


def _with_reexport(source: str, node: Definition, move: SymbolMove) -> str:
    """Replace the definition's lines by an import that binds the same name at the same place."""
    lines = source.splitlines(keepends=True)
    first, last = _first_line(node), node.end_lineno or node.lineno
    ending = _line_ending(lines[first - 1])
    reexport = f"from {move.new_module} import {move.name}  {REEXPORT_COMMENT}{ending}"
    return "".join([*lines[: first - 1], reexport, *lines[last:]])


def _line_ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n"
