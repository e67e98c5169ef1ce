"""Keep ``__file__``-relative folder expressions pointing at the same folder after a module moves.

A legacy script often finds the repository root from its own location, as in
``Path(__file__).parent.parent.parent`` or
``os.path.dirname(os.path.dirname(os.path.abspath(__file__)))``. Once the
file sits at another depth, the number of steps up must change. This
transform works out the folder each expression reached from the old path and,
when that folder is also an ancestor of the new path, changes the number of
steps so the expression reaches it again. An expression that reaches a
folder the new path is not under, such as the module's own folder, is
reported and left alone.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable, Literal, Optional, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemods.model import Skipped, TransformResult
from codemods.rewrite_imports import can_hold_statements, iter_nodes, replace_nodes

StepKind = Literal["parent", "parents", "dirname", "join"]

_OS_PATH_FUNCTIONS = ("abspath", "dirname", "join", "normpath", "realpath")
_PATH_CLASSES = ("Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath")
# Calls that turn a path into the same location in another form.
_SAME_LOCATION = frozenset({"abspath", "normpath", "realpath", "Path", "str"})
_SAME_LOCATION_METHODS = frozenset({"resolve", "absolute"})
_SIBLING_METHODS = frozenset({"with_name", "with_suffix", "with_stem"})
_UNKNOWN_PART = "*"


@dataclass(frozen=True)
class _Step:
    """One adjustable step up inside an expression: a `.parent`, a `.parents[n]`, a dirname or join's ``..``."""

    kind: StepKind
    node: cst.BaseExpression


@dataclass(frozen=True)
class _FileRelativePath:
    """The path an expression rooted in ``__file__`` computes: steps up, then parts down.

    ``base`` is the module-level name the expression starts from (``ROOT`` in
    ``ROOT.parent``), which reaches ``base_ups`` steps up from the file. Only
    the steps of the expression itself are in ``steps``.
    """

    ups: int
    steps: tuple[_Step, ...] = ()  # outermost first
    below: tuple[str, ...] = ()
    base: Optional[str] = None
    base_ups: int = 0

    def up(self, count: int, step: Optional[_Step]) -> _FileRelativePath:
        steps = self.steps if step is None else (step, *self.steps)
        return dataclasses.replace(self, ups=self.ups + count, steps=steps)

    def down(self, parts: Sequence[str]) -> _FileRelativePath:
        return dataclasses.replace(self, below=(*self.below, *parts))


def rewrite_file_paths(
    module: cst.Module, old_path: str, new_path: str
) -> tuple[cst.Module, TransformResult]:
    """Adjust ``__file__``-relative expressions in a module moving from ``old_path`` to ``new_path``."""
    old_parts = PurePosixPath(old_path).parts
    new_parts = PurePosixPath(new_path).parts
    if old_parts == new_parts:
        return module, TransformResult(changed=False)

    spellings = _PathSpellings.of(module)
    found, definitions = _find_file_relative_paths(module, file_name=old_parts[-1], spellings=spellings)
    if not found:
        return module, TransformResult(changed=False)

    replacements: dict[cst.CSTNode, cst.CSTNode] = {}
    left_alone: list[tuple[cst.BaseExpression, str]] = []
    names_after: dict[str, _NameAfter] = {}
    for node, path in found:
        if path.base is None:
            outcome = _adjusted(module, node, path, old_parts, new_parts, spellings)
        else:
            outcome = _adjusted_from_name(module, node, path, old_parts, new_parts, names_after)
        if isinstance(outcome, str):
            if outcome:
                left_alone.append((node, outcome))
        elif outcome is not None:
            replacements[node] = outcome
        name = definitions.get(id(node))
        if name is not None:
            names_after[name] = _name_after(path, outcome, names_after)
    skipped = _skipped_with_lines(module, left_alone)

    new_module = replace_nodes(module, replacements)
    assert isinstance(new_module, cst.Module)
    result = TransformResult(changed=bool(replacements), skipped=tuple(skipped), applied=len(replacements))
    return new_module, result


def _find_file_relative_paths(
    module: cst.Module, file_name: str, spellings: Optional[_PathSpellings] = None
) -> tuple[list[tuple[cst.BaseExpression, _FileRelativePath]], dict[int, str]]:
    """Return the largest expressions that compute a folder or file path from ``__file__``.

    Paths are followed through module-level names assigned once, so after
    ``HERE = Path(__file__).parent``, ``ROOT = HERE.parent`` is found too.
    The second value maps the id of each such name's value to the name.
    """
    analyzer = _FileRelativeAnalyzer(spellings or _PathSpellings.of(module), file_name)
    assignments = _single_module_assignments(module)
    definitions: dict[int, str] = {}
    found: list[tuple[cst.BaseExpression, _FileRelativePath]] = []

    def descend(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleStatementLine) and id(node) in assignments:
            name, value = assignments[id(node)]
            path = analyzer.analyze(value)
            if path is not None and not path.below:
                analyzer.names[name] = path
                definitions[id(value)] = name
        if not isinstance(node, (cst.Call, cst.Attribute, cst.Subscript, cst.BinaryOperation)):
            return True
        path = analyzer.analyze(node)
        if path is None or path.ups == 0:
            return True
        found.append((node, path))
        return False

    for _ in iter_nodes(module, descend):
        pass
    return found, definitions


def _single_module_assignments(module: cst.Module) -> dict[int, tuple[str, cst.BaseExpression]]:
    """Map each module-level ``NAME = value`` line whose name no other module-level line assigns."""
    lines: dict[int, tuple[str, cst.BaseExpression]] = {}
    counts: dict[str, int] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [target.target for target in small.targets]
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                targets = [small.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    counts[target.value] = counts.get(target.value, 0) + 1
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and len(statement.body) == 1
            ):
                lines[id(statement)] = (small.targets[0].target.value, small.value)
    return {key: value for key, value in lines.items() if counts[value[0]] == 1}


def _skipped_with_lines(module: cst.Module, left_alone: Sequence[tuple[cst.CSTNode, str]]) -> list[Skipped]:
    if not left_alone:
        return []
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return [Skipped(positions[node].start.line, reason, code="file-relative-path") for node, reason in left_alone]


def _adjusted(
    module: cst.Module,
    node: cst.BaseExpression,
    path: _FileRelativePath,
    old_parts: tuple[str, ...],
    new_parts: tuple[str, ...],
    spellings: _PathSpellings,
) -> Union[cst.BaseExpression, str, None]:
    """Return the new expression, None when none is needed, or the reason it is left alone."""
    folder = _folder_reached(old_parts, path.ups)
    new_ups = _ups_to(folder, new_parts)
    if new_ups is None:
        return _adjusted_sideways(module, node, path, folder, new_parts, spellings)
    if new_ups == path.ups:
        return None

    new_node = _with_ups_changed(node, path, new_ups - path.ups)
    if new_node is None:
        return f"cannot change this expression from {path.ups} to {new_ups} steps up, so adjust it by hand"
    if module.code_for_node(new_node).count("\n") != module.code_for_node(node).count("\n"):
        # A changed line count would shift the lines that later transforms look up.
        return "the expression spans several lines and would lose some, so adjust it by hand"
    return new_node


def _adjusted_sideways(
    module: cst.Module,
    node: cst.BaseExpression,
    path: _FileRelativePath,
    folder: _Folder,
    new_parts: tuple[str, ...],
    spellings: _PathSpellings,
) -> Union[cst.BaseExpression, str]:
    """Point the expression at ``folder`` when the new path is not below it: up to a shared folder, then down.

    ``Path(__file__).parent.parent`` in ``scripts/pbp/x.py`` is ``scripts``; in
    ``pkg/pbp/x.py`` it becomes ``(Path(__file__).parent.parent.parent / "scripts")``,
    and a dirname chain gets an ``os.path.join`` in the spelling the module uses.
    """
    target = "/".join([*folder.parts, *path.below])
    reason = f"points at {target}, which does not move with the module"
    if folder.above or not path.steps:
        return reason
    shared = 0
    while shared < min(len(folder.parts), len(new_parts) - 1) and folder.parts[shared] == new_parts[shared]:
        shared += 1
    delta = len(new_parts) - shared - path.ups
    if delta > 0:
        edits = _edits_adding(path.steps[0], delta)
    elif delta < 0:
        edits = _edits_removing(path.steps, -delta)
    else:
        edits = {}
    join = _join_spelling(path.steps[0], spellings)
    if edits is None or join is None:
        return f"{reason}, and this expression cannot be pointed at it from the new path; adjust it by hand"

    outer = path.steps[0].node
    step_edit = edits.get(outer)
    parts = "/".join(folder.parts[shared:])

    def with_parts_below(updated: cst.BaseExpression) -> cst.BaseExpression:
        return _with_parts_below(step_edit(updated) if step_edit else updated, parts, join)

    edits[outer] = with_parts_below
    new_node = node.visit(_StepEditor(edits))
    assert isinstance(new_node, cst.BaseExpression)
    if module.code_for_node(new_node).count("\n") != module.code_for_node(node).count("\n"):
        return "the expression spans several lines and would lose some, so adjust it by hand"
    return new_node


def _join_spelling(step: _Step, spellings: _PathSpellings) -> Optional[str]:
    """Return "/" for a pathlib step, or the module's spelling of ``os.path.join`` for an os.path step, or None."""
    if step.kind in ("parent", "parents"):
        return "/"
    func = _dotted_name(step.node.func) if isinstance(step.node, cst.Call) else None
    if func and "." in func:
        return func.rpartition(".")[0] + ".join"
    return next((local for local, name in spellings.functions.items() if name == "join" and "." not in local), None)


def _with_parts_below(node: cst.BaseExpression, parts: str, join: str) -> cst.BaseExpression:
    text = cst.SimpleString(json.dumps(parts))
    if join == "/":
        return cst.BinaryOperation(
            left=node, operator=cst.Divide(), right=text, lpar=[cst.LeftParen()], rpar=[cst.RightParen()]
        )
    return cst.Call(func=cst.parse_expression(join), args=[cst.Arg(node, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(text)])


# Expressions that start from a name


@dataclass(frozen=True)
class _NameAfter:
    """Where a name's folder is after the rewrite: the same folder as before, or ``ups`` steps above the new path."""

    same: bool
    ups: Optional[int] = None  # None with same=False: not known


def _name_after(
    path: _FileRelativePath, outcome: Union[cst.BaseExpression, str, None], names_after: Mapping[str, _NameAfter]
) -> _NameAfter:
    """Return where a name assigned ``path`` points after the rewrite, given what happened to its value."""
    if not isinstance(outcome, str):
        return _NameAfter(same=True)  # adjusted, or it needed no change
    if path.below:
        return _NameAfter(same=False)
    if path.base is None:
        return _NameAfter(same=False, ups=path.ups)  # the same steps, from the new path
    base = names_after.get(path.base, _NameAfter(same=False, ups=path.base_ups))
    if base.ups is None:
        return _NameAfter(same=False)
    # Left alone, the expression keeps its own steps on top of where its base points now.
    return _NameAfter(same=False, ups=base.ups + path.ups - path.base_ups)


def _adjusted_from_name(
    module: cst.Module,
    node: cst.BaseExpression,
    path: _FileRelativePath,
    old_parts: tuple[str, ...],
    new_parts: tuple[str, ...],
    names_after: Mapping[str, _NameAfter],
) -> Union[cst.BaseExpression, str, None]:
    """Adjust an expression such as ``HERE.parent`` by the change in where ``HERE`` points.

    Returns "" (left alone, nothing to report) when the name itself could not
    be adjusted and the expression adds no steps up: the name's own line is
    reported already.
    """
    assert path.base is not None
    base = names_after.get(path.base, _NameAfter(same=False, ups=path.base_ups))
    if base.same:
        return None
    own_ups = path.ups - path.base_ups
    if base.ups is None:
        return f"starts from {path.base}, whose folder after the move is not known, so adjust it by hand" if own_ups else ""
    folder = _folder_reached(old_parts, path.ups)
    new_total = _ups_to(folder, new_parts)
    if new_total is None or new_total < base.ups:
        if not own_ups:
            return ""
        target = "/".join([*folder.parts, *path.below])
        return f"points at {target} through {path.base}, which cannot reach it after the move"
    delta = new_total - base.ups - own_ups
    if delta == 0:
        return None
    new_node = _with_ups_changed(node, path, delta)
    if new_node is None:
        return f"cannot change the steps up from {path.base} by {delta}, so adjust it by hand"
    if module.code_for_node(new_node).count("\n") != module.code_for_node(node).count("\n"):
        return "the expression spans several lines and would lose some, so adjust it by hand"
    return new_node


# Where an expression points


@dataclass(frozen=True)
class _Folder:
    """A folder relative to the repository root, or ``above`` levels above the root."""

    parts: tuple[str, ...]
    above: int = 0


def _folder_reached(file_parts: tuple[str, ...], ups: int) -> _Folder:
    if ups <= len(file_parts):
        return _Folder(file_parts[: len(file_parts) - ups])
    return _Folder((), above=ups - len(file_parts))


def _ups_to(folder: _Folder, file_parts: tuple[str, ...]) -> Optional[int]:
    """Return how many steps up from ``file_parts`` reach ``folder``, or None when it is not an ancestor."""
    if folder.above:
        return len(file_parts) + folder.above
    depth = len(folder.parts)
    if depth >= len(file_parts) or file_parts[:depth] != folder.parts:
        return None
    return len(file_parts) - depth


# Recognizing expressions rooted in __file__


@dataclass
class _PathSpellings:
    """The local spellings of the os.path functions and pathlib classes that a module imports."""

    functions: dict[str, str] = field(default_factory=dict)  # local dotted name -> os.path function or "Path"

    @classmethod
    def of(cls, module: cst.Module) -> _PathSpellings:
        spellings = cls()
        for name in _OS_PATH_FUNCTIONS:
            spellings.functions[f"os.path.{name}"] = name
        for name in _PATH_CLASSES:
            spellings.functions[name] = "Path"
            spellings.functions[f"pathlib.{name}"] = "Path"
        spellings.functions["str"] = "str"
        spellings.functions["os.fspath"] = "str"
        for node in iter_nodes(module, descend=can_hold_statements):
            if isinstance(node, cst.Import):
                spellings.add_import(node)
            elif isinstance(node, cst.ImportFrom):
                spellings.add_import_from(node)
        return spellings

    def add_os_path_alias(self, alias: str) -> None:
        for name in _OS_PATH_FUNCTIONS:
            self.functions[f"{alias}.{name}"] = name

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            local = _bound_name(alias)
            if local is None:
                continue
            if _dotted_name(alias.name) == "os.path":
                self.add_os_path_alias(local)
            elif _dotted_name(alias.name) == "pathlib":
                for name in _PATH_CLASSES:
                    self.functions[f"{local}.{name}"] = "Path"

    def add_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module_name = _dotted_name(node.module)
        for alias in node.names:
            imported = _dotted_name(alias.name) or ""
            local = _bound_name(alias) or imported
            if module_name == "os" and imported == "path":
                self.add_os_path_alias(local)
            elif module_name in ("os.path", "posixpath") and imported in _OS_PATH_FUNCTIONS:
                self.functions[local] = imported
            elif module_name == "pathlib" and imported in _PATH_CLASSES:
                self.functions[local] = "Path"

    def callee(self, func: cst.BaseExpression) -> Optional[str]:
        return self.functions.get(_dotted_name(func) or "")


def _bound_name(alias: cst.ImportAlias) -> Optional[str]:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


class _FileRelativeAnalyzer:
    """Work out what an expression computes from ``__file__``."""

    def __init__(self, spellings: _PathSpellings, file_name: str) -> None:
        self.spellings = spellings
        self.file_name = file_name
        self.names: dict[str, _FileRelativePath] = {}  # module-level names assigned a path, in source order

    def analyze(self, node: cst.BaseExpression) -> Optional[_FileRelativePath]:
        """Return what ``node`` computes from ``__file__``, or None for any other expression."""
        if isinstance(node, cst.Name):
            if node.value == "__file__":
                return _FileRelativePath(0)
            named = self.names.get(node.value)
            if named is None:
                return None
            if named.ups == 0:
                return _FileRelativePath(0)  # the file itself: as good as __file__
            return _FileRelativePath(named.ups, base=node.value, base_ups=named.ups)
        if isinstance(node, cst.Call):
            return self._analyze_call(node)
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            return self._up_from(node.value, 1, _Step("parent", node))
        if isinstance(node, cst.Subscript):
            return self._analyze_parents(node)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return self._joined(self.analyze(node.left), [node.right], step_node=None)
        return None

    def _up_from(self, inner_node: cst.BaseExpression, count: int, step: _Step) -> Optional[_FileRelativePath]:
        inner = self.analyze(inner_node)
        if inner is None or inner.below:
            return None
        return inner.up(count, step)

    def _analyze_parents(self, node: cst.Subscript) -> Optional[_FileRelativePath]:
        if not (isinstance(node.value, cst.Attribute) and node.value.attr.value == "parents"):
            return None
        index = _single_integer_index(node)
        if index is None:
            return None
        return self._up_from(node.value.value, index + 1, _Step("parents", node))

    def _analyze_call(self, node: cst.Call) -> Optional[_FileRelativePath]:
        args = node.args
        if any(arg.keyword is not None or arg.star for arg in args):
            return self._analyze_method(node)
        callee = self.spellings.callee(node.func)
        if callee in _SAME_LOCATION and len(args) == 1:
            return self.analyze(args[0].value)
        if callee == "dirname" and len(args) == 1:
            return self._up_from(args[0].value, 1, _Step("dirname", node))
        if callee == "join" and args:
            return self._joined(self.analyze(args[0].value), [arg.value for arg in args[1:]], step_node=node)
        return self._analyze_method(node)

    def _analyze_method(self, node: cst.Call) -> Optional[_FileRelativePath]:
        if not isinstance(node.func, cst.Attribute):
            return None
        method, inner_node = node.func.attr.value, node.func.value
        if method in _SAME_LOCATION_METHODS:
            return self.analyze(inner_node)
        if method == "joinpath" and all(arg.keyword is None and not arg.star for arg in node.args):
            return self._joined(self.analyze(inner_node), [arg.value for arg in node.args], step_node=None)
        if method in _SIBLING_METHODS and len(node.args) == 1:
            return self._sibling(self.analyze(inner_node), method, node.args[0].value)
        return None

    def _joined(
        self,
        inner: Optional[_FileRelativePath],
        parts: Sequence[cst.BaseExpression],
        step_node: Optional[cst.Call],
    ) -> Optional[_FileRelativePath]:
        """Follow ``os.path.join``, ``/`` or ``joinpath`` parts, counting leading ``..`` parts as steps up."""
        if inner is None:
            return None
        path = inner
        for part in parts:
            components = _path_components(part)
            for component in components:
                if component != "..":
                    path = path.down([component])
                elif path.below:
                    return None  # going down and back up is not worth following
                else:
                    path = path.up(1, None)
        ups_added = path.ups - inner.ups
        if ups_added and step_node is not None:
            path = dataclasses.replace(path, steps=(_Step("join", step_node), *inner.steps))
        return path

    def _sibling(
        self, inner: Optional[_FileRelativePath], method: str, argument: cst.BaseExpression
    ) -> Optional[_FileRelativePath]:
        # `Path(__file__).with_suffix(".yaml")` names a file beside the module.
        if inner is None or inner.ups or inner.below:
            return None
        value = _string_value(argument)
        if value is None:
            return _FileRelativePath(1, below=(_UNKNOWN_PART,))
        stem, _, suffix = self.file_name.rpartition(".")
        name = {
            "with_name": value,
            "with_suffix": f"{stem}{value}",
            "with_stem": f"{value}.{suffix}",
        }[method]
        return _FileRelativePath(1, below=(name,))


def _path_components(part: cst.BaseExpression) -> list[str]:
    value = _string_value(part)
    if value is None:
        return [_UNKNOWN_PART]
    return [component for component in value.replace("\\", "/").split("/") if component not in ("", ".")]


def _string_value(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _single_integer_index(node: cst.Subscript) -> Optional[int]:
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if not (isinstance(index, cst.Index) and isinstance(index.value, cst.Integer)):
        return None
    value = index.value.evaluated_value
    return value if isinstance(value, int) else None


def _dotted_name(node: cst.BaseExpression) -> Optional[str]:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


# Changing the number of steps up


Edit = Callable[[cst.BaseExpression], cst.BaseExpression]


def _with_ups_changed(
    node: cst.BaseExpression, path: _FileRelativePath, delta: int
) -> Optional[cst.BaseExpression]:
    if not path.steps:
        return None
    edits = _edits_adding(path.steps[0], delta) if delta > 0 else _edits_removing(path.steps, -delta)
    if edits is None:
        return None
    return node.visit(_StepEditor(edits))  # type: ignore[return-value]


def _edits_adding(step: _Step, count: int) -> Optional[dict[cst.CSTNode, Edit]]:
    """Add ``count`` steps up next to the outermost step, in the same spelling."""
    if step.kind == "parent":
        return {step.node: lambda updated: _wrapped_in_parents(updated, count)}
    if step.kind == "parents":
        return {step.node: lambda updated: _with_index_moved(updated, count)}
    if step.kind == "dirname":
        return {step.node: lambda updated: _wrapped_in_dirnames(updated, count)}
    if not any(_leading_dots(arg.value) > 0 for arg in step.node.args[1:]):  # type: ignore[attr-defined]
        return None
    return {step.node: lambda updated: _with_dots_added(updated, count)}


def _edits_removing(steps: Sequence[_Step], count: int) -> Optional[dict[cst.CSTNode, Edit]]:
    """Remove ``count`` steps up, taking them from the outermost steps first."""
    edits: dict[cst.CSTNode, Edit] = {}
    for step in steps:
        if count == 0:
            break
        removed = min(count, _removable(step))
        count -= removed
        if removed:
            edits[step.node] = _remover(step, removed)
    return edits if count == 0 else None


def _removable(step: _Step) -> int:
    node = step.node
    if isinstance(node, cst.Subscript):
        return (_single_integer_index(node) or 0) + 1
    if step.kind == "join" and isinstance(node, cst.Call):
        dots = [_leading_dots(arg.value) for arg in node.args[1:]]
        return sum(dots)
    return 1


def _remover(step: _Step, count: int) -> Edit:
    if step.kind == "parent":
        return lambda updated: updated.value  # type: ignore[attr-defined, no-any-return]
    if step.kind == "dirname":
        return lambda updated: updated.args[0].value  # type: ignore[attr-defined, no-any-return]
    if step.kind == "parents":
        return lambda updated: _with_index_moved(updated, -count)
    return lambda updated: _with_dots_removed(updated, count)


def _wrapped_in_parents(node: cst.BaseExpression, count: int) -> cst.BaseExpression:
    for _ in range(count):
        node = cst.Attribute(value=node, attr=cst.Name("parent"))
    return node


def _wrapped_in_dirnames(node: cst.BaseExpression, count: int) -> cst.BaseExpression:
    call = node
    assert isinstance(call, cst.Call)
    for _ in range(count):
        node = cst.Call(func=call.func.deep_clone(), args=[cst.Arg(value=node)])
    return node


def _with_index_moved(node: cst.BaseExpression, delta: int) -> cst.BaseExpression:
    """Change ``x.parents[n]`` to ``x.parents[n + delta]``, or to ``x`` when that reaches ``-1``."""
    assert isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute)
    index = (_single_integer_index(node) or 0) + delta
    if index < 0:
        return node.value.value
    element = node.slice[0]
    integer = element.slice.value.with_changes(value=str(index))  # type: ignore[attr-defined]
    new_element = element.with_changes(slice=element.slice.with_changes(value=integer))
    return node.with_changes(slice=[new_element])


def _leading_dots(node: cst.BaseExpression) -> int:
    """Count the leading ``..`` parts of a plain string literal (one without escapes)."""
    value = _string_value(node)
    if value is None or not isinstance(node, cst.SimpleString) or node.raw_value != value:
        return 0
    count = 0
    for component in value.split("/"):
        if component != "..":
            break
        count += 1
    return count


def _with_dots_added(node: cst.BaseExpression, count: int) -> cst.BaseExpression:
    """Add ``..`` parts to ``os.path.join(base, ...)``: as more ``".."`` arguments, or inside ``"../x"``."""
    assert isinstance(node, cst.Call)
    args = list(node.args)
    dot_args = [index for index, arg in enumerate(args) if index and _string_value(arg.value) == ".."]
    if dot_args:
        last = dot_args[-1]
        template = args[last]
        copies = [template.with_changes(comma=args[last - 1].comma) for _ in range(count)]
        # Each copy takes the comma of the argument before it, so the layout repeats.
        return node.with_changes(args=[*args[:last], *copies, *args[last:]])
    for index, arg in enumerate(args[1:], start=1):
        if _leading_dots(arg.value):
            args[index] = arg.with_changes(value=_with_prefix_changed(arg.value, "../" * count, 0))
            return node.with_changes(args=args)
    raise AssertionError("a join step always has a '..' part")


def _with_dots_removed(node: cst.BaseExpression, count: int) -> cst.BaseExpression:
    assert isinstance(node, cst.Call)
    args = list(node.args)
    for index in reversed(range(1, len(args))):
        if count and _string_value(args[index].value) == "..":
            del args[index]
            count -= 1
    for index in range(1, len(args)):
        dots = min(count, _leading_dots(args[index].value))
        if dots:
            args[index] = args[index].with_changes(value=_with_prefix_changed(args[index].value, "", dots))
            count -= dots
    if len(args) == 1:
        return args[0].value
    return node.with_changes(args=[*args[:-1], args[-1].with_changes(comma=node.args[-1].comma)])


def _with_prefix_changed(node: cst.BaseExpression, added: str, removed_dots: int) -> cst.BaseExpression:
    """Return the string literal with ``added`` put in front and ``removed_dots`` leading ``..`` parts cut."""
    assert isinstance(node, cst.SimpleString)
    value = node.raw_value  # equal to the value: only strings without escapes get here
    components = value.split("/")[removed_dots:]
    new_value = added + "/".join(components)
    return node.with_changes(value=f"{node.prefix}{node.quote}{new_value}{node.quote}")


class _StepEditor(cst.CSTTransformer):
    def __init__(self, edits: dict[cst.CSTNode, Edit]) -> None:
        super().__init__()
        self._edits = edits

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        edit = self._edits.get(original_node)
        if edit is None:
            return updated_node
        return edit(updated_node)  # type: ignore[arg-type]
