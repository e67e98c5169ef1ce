"""Static evaluation of path expressions such as ``Path(__file__).resolve().parents[2]``.

The evaluator never touches the file system. It works on repository-relative
paths: ``__file__`` of ``scripts/etl/x.py`` is ``("scripts", "etl", "x.py")``,
and a path that climbs above the root keeps leading ``".."`` parts.
``abspath``, ``realpath`` and ``resolve()`` are treated as identity, so a
symlinked file or folder evaluates to where it sits, not where it points.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Callable, Optional, Union

OUTSIDE_PREFIX = "outside the repository: "
_MAX_NAME_DEPTH = 20

_PATH_CLASSES = frozenset({"Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath"})
_IDENTITY_FUNCTIONS = frozenset({"abspath", "realpath", "normpath", "fspath", "str", "expanduser"})
_IDENTITY_METHODS = frozenset({"resolve", "absolute", "expanduser"})
_RUNTIME_CALLS = {
    "getcwd": "depends on the working directory at run time",
    "cwd": "depends on the working directory at run time",
    "home": "depends on the home folder at run time",
    "gettempdir": "depends on the temporary folder at run time",
}


@dataclass(frozen=True)
class RepoPath:
    """A path relative to the repository root; leading ``..`` parts climb above it."""

    parts: tuple[str, ...]

    def join(self, text: str) -> PathValue:
        if text.startswith("/"):
            return AbsolutePath(posixpath.normpath(text))
        return RepoPath(_normalize(self.parts + tuple(text.split("/"))))

    def parent(self) -> RepoPath:
        if not self.parts or self.parts[-1] == "..":
            return RepoPath(self.parts + ("..",))
        return RepoPath(self.parts[:-1])

    @property
    def is_outside(self) -> bool:
        return bool(self.parts) and self.parts[0] == ".."

    def text(self) -> str:
        return "/".join(self.parts)


@dataclass(frozen=True)
class AbsolutePath:
    """An absolute path written into the code, such as ``/Users/someone/project``."""

    path: str

    def join(self, text: str) -> PathValue:
        return AbsolutePath(posixpath.normpath(posixpath.join(self.path, text)))

    def parent(self) -> AbsolutePath:
        return AbsolutePath(posixpath.dirname(self.path) or "/")


@dataclass(frozen=True)
class TextValue:
    """A constant string that is not (yet) used as a path, such as ``"phase_2"``."""

    text: str


@dataclass(frozen=True)
class NotEvaluated:
    reason: str


PathValue = Union[RepoPath, AbsolutePath]
Value = Union[RepoPath, AbsolutePath, TextValue, NotEvaluated]
NameLookup = Callable[[str], Optional[ast.expr]]


@dataclass(frozen=True)
class PathResult:
    """Outcome of evaluating one expression as a folder or file path.

    When the expression could be evaluated, exactly one of ``target``
    (repository-relative, ``""`` for the root) and ``absolute`` (outside the
    repository) is set. ``reason`` explains a failure or qualifies a success.
    """

    target: Optional[str] = None
    absolute: Optional[str] = None
    reason: Optional[str] = None

    @property
    def evaluated(self) -> bool:
        return self.target is not None or self.absolute is not None


def evaluate_path(
    expression: ast.expr,
    file_path: str,
    lookup: NameLookup = lambda name: None,
) -> PathResult:
    """Evaluate ``expression`` as written in ``file_path`` to a path.

    ``lookup`` returns the expression last assigned to a name in the
    enclosing scopes, or None.
    """
    value = _Evaluator(file_path, lookup).evaluate(expression)
    return _to_result(value)


def _to_result(value: Value) -> PathResult:
    if isinstance(value, NotEvaluated):
        return PathResult(reason=value.reason)
    if isinstance(value, TextValue):
        return _relative_text_result(value.text)
    if isinstance(value, AbsolutePath):
        return PathResult(absolute=value.path, reason="hard-coded absolute path")
    if value.is_outside:
        return PathResult(absolute=value.text(), reason=OUTSIDE_PREFIX + value.text())
    return PathResult(target=value.text())


def _relative_text_result(text: str) -> PathResult:
    if text.startswith("/"):
        return PathResult(absolute=posixpath.normpath(text), reason="hard-coded absolute path")
    parts = _normalize(tuple(text.split("/")))
    note = "relative to the working directory; assumed to be the repository root"
    if parts and parts[0] == "..":
        joined = "/".join(parts)
        return PathResult(absolute=joined, reason=OUTSIDE_PREFIX + joined)
    return PathResult(target="/".join(parts), reason=note)


def _normalize(parts: Iterable[str]) -> tuple[str, ...]:
    result: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == ".." and result and result[-1] != "..":
            result.pop()
        else:
            result.append(part)
    return tuple(result)


class _Evaluator:
    def __init__(self, file_path: str, lookup: NameLookup) -> None:
        self.file_path = file_path
        self.lookup = lookup
        self.depth = 0

    def evaluate(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return TextValue(node.value)
            return NotEvaluated(f"constant {node.value!r} is not a path")
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        return NotEvaluated(f"{type(node).__name__} expression is not supported")

    def _name(self, name: str) -> Value:
        if name == "__file__":
            return RepoPath(tuple(self.file_path.split("/")))
        expression = self.lookup(name)
        if expression is None:
            return NotEvaluated(f"name {name} is not assigned a path in this file")
        if self.depth >= _MAX_NAME_DEPTH:
            return NotEvaluated(f"name {name} refers to itself")
        self.depth += 1
        try:
            return self.evaluate(expression)
        finally:
            self.depth -= 1

    def _fstring(self, node: ast.JoinedStr) -> Value:
        pieces: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                pieces.append(value.value)
                continue
            if not isinstance(value, ast.FormattedValue) or value.format_spec is not None:
                return NotEvaluated("f-string has a part that is not a constant")
            if isinstance(value.value, ast.Constant) and isinstance(
                value.value.value, (int, float)
            ):
                pieces.append(str(value.value.value))
                continue
            inner = self.evaluate(value.value)
            if isinstance(inner, TextValue):
                pieces.append(inner.text)
                continue
            return NotEvaluated("f-string has a part that is not a constant")
        return TextValue("".join(pieces))

    def _attribute(self, node: ast.Attribute) -> Value:
        if node.attr == "parent":
            return _parent(self._as_path(self.evaluate(node.value)))
        if node.attr == "__file__":
            return NotEvaluated("__file__ of another module is not evaluated")
        return NotEvaluated(f"attribute .{node.attr} is not supported")

    def _subscript(self, node: ast.Subscript) -> Value:
        value = node.value
        if not (isinstance(value, ast.Attribute) and value.attr == "parents"):
            return NotEvaluated("subscript is not supported")
        index = node.slice
        if not (isinstance(index, ast.Constant) and isinstance(index.value, int)):
            return NotEvaluated(".parents[...] index is not a constant")
        if index.value < 0:
            return NotEvaluated(".parents[...] with a negative index is not supported")
        base = self._as_path(self.evaluate(value.value))
        for _ in range(index.value + 1):
            base = _parent(base)
        return base

    def _binop(self, node: ast.BinOp) -> Value:
        left = self.evaluate(node.left)
        right = self.evaluate(node.right)
        if isinstance(left, NotEvaluated):
            return left
        if isinstance(right, NotEvaluated):
            return right
        if isinstance(node.op, ast.Div):
            return self._join(self._as_path(left), right)
        if isinstance(node.op, ast.Add):
            return self._concatenate(left, right)
        return NotEvaluated(f"operator {type(node.op).__name__} is not supported")

    def _concatenate(self, left: Value, right: Value) -> Value:
        if not isinstance(right, TextValue):
            return NotEvaluated("adding a path to the right of a string is not supported")
        if isinstance(left, TextValue):
            return TextValue(left.text + right.text)
        if isinstance(left, (RepoPath, AbsolutePath)):
            if right.text.startswith("/"):
                return left.join(right.text.lstrip("/"))
            return NotEvaluated("string concatenation onto a path name is not supported")
        return left

    def _call(self, node: ast.Call) -> Value:
        name = _call_name(node.func)
        if name in _RUNTIME_CALLS:
            return NotEvaluated(f"{name}() {_RUNTIME_CALLS[name]}")
        if isinstance(node.func, ast.Attribute) and name in _IDENTITY_METHODS and not node.args:
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id in ("os", "path")):
                return self._as_path(self.evaluate(owner))
        if name == "joinpath" and isinstance(node.func, ast.Attribute):
            return self._join_all(self.evaluate(node.func.value), node.args)
        if name in _PATH_CLASSES:
            if not node.args:
                return NotEvaluated(f"{name}() without arguments is the working directory")
            return self._join_all(self.evaluate(node.args[0]), node.args[1:])
        if name == "dirname" and len(node.args) == 1:
            return _parent(self._as_path(self.evaluate(node.args[0])))
        if name == "join" and node.args and _is_os_path(node.func):
            return self._join_all(self.evaluate(node.args[0]), node.args[1:])
        if name in _IDENTITY_FUNCTIONS and len(node.args) == 1:
            if name == "expanduser":
                return NotEvaluated("expanduser() depends on the home folder at run time")
            return self.evaluate(node.args[0])
        return NotEvaluated(f"call to {name or 'an expression'}() is not supported")

    def _join_all(self, first: Value, rest: Iterable[ast.expr]) -> Value:
        value: Value = self._as_path(first)
        for argument in rest:
            value = self._join(value, self.evaluate(argument))
        return value

    def _join(self, base: Value, addition: Value) -> Value:
        if isinstance(base, NotEvaluated):
            return base
        if isinstance(addition, NotEvaluated):
            return addition
        if isinstance(addition, (RepoPath, AbsolutePath)):
            return addition  # joining onto a full path replaces the base
        if isinstance(base, TextValue):
            return TextValue(posixpath.join(base.text, addition.text))
        return base.join(addition.text)

    @staticmethod
    def _as_path(value: Value) -> Value:
        if isinstance(value, TextValue):
            if value.text.startswith("/"):
                return AbsolutePath(posixpath.normpath(value.text))
            return value  # stays text: relative to the working directory
        return value


def _parent(value: Value) -> Value:
    if isinstance(value, (RepoPath, AbsolutePath)):
        return value.parent()
    if isinstance(value, TextValue):
        parts = _normalize(tuple(value.text.split("/")))
        if not parts or parts[-1] == "..":
            return TextValue("/".join(parts + ("..",)))
        return TextValue("/".join(parts[:-1]))
    return value


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_os_path(func: ast.expr) -> bool:
    """Return True for ``os.path.join``, ``path.join`` and ``posixpath.join``."""
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if isinstance(owner, ast.Attribute):
        return owner.attr == "path"
    return isinstance(owner, ast.Name) and owner.id in ("path", "posixpath", "ntpath", "osp")


def map_hard_coded_path(
    absolute: str,
    folders: Collection[str],
    checkout_prefixes: Collection[str] = (),
) -> Optional[str]:
    """Map an absolute path from another checkout onto a folder of this repository.

    ``/Users/someone/project/docs/phases`` maps to ``docs/phases`` when this
    repository has that folder. A path with a known checkout prefix maps by
    removing it, so the prefix itself maps to the root ``""``. A single
    trailing folder name is not enough evidence on its own (``/usr/lib``
    would map onto any ``lib/`` folder), so a suffix needs two parts.
    """
    normalized = posixpath.normpath(absolute)
    for prefix in sorted(checkout_prefixes, key=len, reverse=True):
        if normalized == prefix:
            return ""
        if normalized.startswith(prefix + "/"):
            rest = normalized[len(prefix) + 1 :]
            if rest in folders:
                return rest
    parts = [part for part in normalized.split("/") if part]
    for start in range(len(parts) - 1):
        candidate = "/".join(parts[start:])
        if len(parts) - start >= 2 and candidate in folders:
            return candidate
    return None


def checkout_prefixes(
    absolute_paths: Iterable[str], folders: Collection[str], root_name: str
) -> set[str]:
    """Infer where other checkouts of this repository lived from hard-coded paths.

    A path ``/a/b/repo/docs/phases`` whose tail ``docs/phases`` is a folder
    here shows that ``/a/b/repo`` was a checkout root. A path component equal
    to this repository's folder name also marks one.
    """
    prefixes: set[str] = set()
    for absolute in absolute_paths:
        normalized = posixpath.normpath(absolute)
        mapped = map_hard_coded_path(normalized, folders)
        if mapped:
            prefixes.add(normalized[: -len(mapped) - 1] or "/")
        parts = normalized.split("/")
        if root_name and root_name in parts:
            index = len(parts) - 1 - parts[::-1].index(root_name)
            prefixes.add("/".join(parts[: index + 1]))
    prefixes.discard("")
    prefixes.discard("/")
    return prefixes
