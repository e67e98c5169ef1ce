"""Facts about one Python file, read from its syntax tree without running it.

``scan_source`` is pure: the same path and bytes always give the same
``FileFacts``, which is what lets the cache key them by content hash.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import io
import keyword
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Optional, Union

from inventory import pathexpr
from inventory.model import (
    CONTEXT_AFTER_PATH_EDIT,
    CONTEXT_CLASS,
    CONTEXT_CONDITIONAL,
    CONTEXT_EXCEPT_BRANCH,
    CONTEXT_FUNCTION,
    CONTEXT_TRY_IMPORT_ERROR,
    CONTEXT_TYPE_CHECKING,
    FileFacts,
    Hazard,
    ImportSite,
    PathEdit,
    StringReference,
)
from inventory.resolve import is_stdlib_module

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_SUBPROCESS_CALLS = frozenset(
    {
        "run", "call", "check_call", "check_output", "Popen", "system", "popen",
        "execv", "execvp", "execl", "execlp", "spawnv", "spawnl",
        "create_subprocess_exec", "create_subprocess_shell",
    }
)  # fmt: skip
_SUBPROCESS_OWNERS = frozenset({"subprocess", "os", "asyncio", ""})
_PICKLE_MODULES = frozenset({"pickle", "cPickle", "_pickle", "joblib", "dill", "cloudpickle"})
_PICKLE_FUNCTIONS = frozenset({"dump", "dumps", "load", "loads", "Pickler", "Unpickler"})
_EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit"})
_PATH_FUNCTIONS = frozenset(
    {
        "dirname", "abspath", "realpath", "normpath", "join", "relpath", "expanduser",
        "Path", "PurePath", "PosixPath", "PurePosixPath", "resolve", "absolute",
        "joinpath", "with_name", "with_suffix", "str", "fspath",
    }
)  # fmt: skip
_PATH_ATTRIBUTES = frozenset({"parent", "parents"})

_INTERESTING_CALLS = frozenset(
    {"insert", "append", "extend", "addsitedir", "patch", "multiple", "dict", "setattr",
     "import_module", "__import__", "run_module", "spec_from_file_location", "SourceFileLoader",
     "run_path", "getLogger", "open", "to_pickle", "read_pickle", "exit", "quit", "_exit"}
    | _SUBPROCESS_CALLS
    | _PICKLE_FUNCTIONS
)  # fmt: skip
# Methods of ``sys.modules`` whose first argument names a module.
_SYS_MODULES_METHODS = frozenset({"get", "pop", "setdefault"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
# Text that an expression must contain for the expression walk to find anything in it.
# "modules" is there for `sys.modules["a.b"]`, which contains no interesting call.
_HOT_TOKEN = re.compile(
    rb"__file__|import|\b(?:"
    + b"|".join(re.escape(name.encode()) for name in sorted(_INTERESTING_CALLS | {"modules"}))
    + rb")\b"
)

# Kinds of string references that name a module outright.
DUNDER_IMPORT = "__import__"  # `__import__("a.b")` whose result is the module itself or unused
DUNDER_IMPORT_TOP_LEVEL = "__import__-top-level"  # `m = __import__("a.b")`, which sets `m` to the package `a`
SYS_MODULES_KEY = "sys.modules"  # `sys.modules["a.b"]`, `"a.b" in sys.modules`, `patch.dict(sys.modules, {...})`

_DOTTED_STRING = re.compile(r"[A-Za-z_]\w*(?:\.\w+)+")
_PY_PATH_TOKEN = re.compile(r"[\w./${}()-]*\w\.py\b")
_IMPORT_TEXT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+[\w*(]"
    r"|import[ \t]+([A-Za-z_][\w.]*)(?:[ \t]+as[ \t]+\w+)?[ \t]*(?:,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*)*;?[ \t]*$)",
    re.MULTILINE,
)


def scan_source(path: str, source: bytes) -> FileFacts:
    """Collect the facts of the Python file ``path`` from its bytes.

    A file that does not parse gives facts with ``parse_error`` set and a
    ``parse-error`` hazard; this function raises no parse exception.
    """
    sha = hashlib.sha256(source).hexdigest()
    name_hazards = tuple(path_name_hazards(path))
    is_test = is_test_path(path)

    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError) as error:
        message = describe_parse_error(error, source)
        hazard = Hazard(path, _error_line(error, source), "parse-error", message)
        return FileFacts(
            path=path,
            sha=sha,
            size=len(source),
            hazards=name_hazards + (hazard,),
            parse_error=message,
            is_test=is_test,
        )

    scanner = _Scanner(path, source)
    scanner.scan_module(tree)
    return FileFacts(
        path=path,
        sha=sha,
        size=len(source),
        imports=tuple(scanner.imports),
        path_edits=tuple(scanner.path_edits),
        strings=tuple(scanner.strings),
        hazards=name_hazards + tuple(scanner.hazards),
        is_entry_point=scanner.main_line > 0,
        main_line=scanner.main_line,
        defines=tuple(scanner.defines),
        dunder_all=scanner.dunder_all,
        is_test=is_test,
    )


def is_test_path(path: str) -> bool:
    """Return True for pytest-style test files and anything under a ``tests`` folder."""
    folders, _, basename = path.rpartition("/")
    if basename == "conftest.py" or basename.startswith("test_") or basename.endswith("_test.py"):
        return True
    return "tests" in folders.split("/")


def path_name_hazards(path: str) -> Iterator[Hazard]:
    """Yield hazards for folder and file names that cannot be module names or shadow one."""
    parts = path.split("/")
    for folder in parts[:-1]:
        problem = _name_problem(folder)
        if problem:
            yield Hazard(path, 0, "invalid-name", f"folder {folder} {problem}")

    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    if stem != "__init__":
        problem = _name_problem(stem)
        if problem:
            yield Hazard(path, 0, "invalid-name", f"file name {parts[-1]} {problem}")

    module = parts[-2] if stem == "__init__" and len(parts) > 1 else stem
    if module != "__main__" and module.isidentifier() and is_stdlib_module(module):
        yield Hazard(
            path, 0, "stdlib-shadow", f"module name {module} shadows the standard-library module"
        )


def _name_problem(name: str) -> Optional[str]:
    if keyword.iskeyword(name):
        return "is a Python keyword, so it cannot be imported by name"
    if not name.isidentifier():
        return "is not a valid Python identifier, so it cannot be imported by name"
    return None


def describe_parse_error(error: BaseException, source: bytes) -> str:
    """Return ``"line N: message"`` for an exception raised by ``ast.parse``."""
    line = _error_line(error, source)
    if isinstance(error, SyntaxError):
        message = error.msg
    elif isinstance(error, RecursionError):
        message = "nesting too deep to parse"
    elif isinstance(error, MemoryError):
        message = "file too large to parse"
    else:
        message = str(error)
    return f"line {line}: {message}"


def _error_line(error: BaseException, source: bytes) -> int:
    if isinstance(error, SyntaxError) and error.lineno:
        return error.lineno
    if isinstance(error, UnicodeDecodeError):
        return source[: error.start].count(b"\n") + 1
    if b"\0" in source:
        return source[: source.index(b"\0")].count(b"\n") + 1
    return 1


class _Context(NamedTuple):
    """Enclosing blocks of the statement being scanned."""

    in_function: bool = False
    in_class: bool = False
    try_import: bool = False
    except_branch: bool = False
    type_checking: bool = False
    conditional: bool = False
    in_main: bool = False

    @property
    def at_module_level(self) -> bool:
        return not self.in_function and not self.in_class


@dataclass
class _Scope:
    """A module or function body: names assigned so far and whether it edited sys.path."""

    assignments: dict[str, ast.expr] = field(default_factory=dict)
    edited_path: bool = False


_Statement = Union[ast.stmt, ast.ExceptHandler]


class _Scanner:
    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        self.source = source
        self._lines: Optional[list[bytes]] = None
        self._encoding: Optional[str] = None
        self.imports: list[ImportSite] = []
        self.path_edits: list[PathEdit] = []
        self.strings: list[StringReference] = []
        self.hazards: list[Hazard] = []
        self.defines: dict[str, None] = {}
        self.dunder_all: Optional[tuple[str, ...]] = None
        self.main_line = 0
        self.scopes: list[_Scope] = [_Scope()]
        self._file_seen = False
        self._discarded: Optional[ast.expr] = None  # the expression statement being walked, if any
        self._hot_lines = _hot_lines(source)

    # Statements

    def scan_module(self, tree: ast.Module) -> None:
        self._body(tree.body, _Context())

    def _body(self, body: list[ast.stmt], ctx: _Context) -> None:
        for statement in body:
            self._statement(statement, ctx)

    def _statement(self, node: ast.stmt, ctx: _Context) -> None:
        kind = type(node)
        if kind is ast.Import or kind is ast.ImportFrom:
            self._import(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.Expr:
            value = node.value  # type: ignore[attr-defined]
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                self._expressions(node, value, ctx)  # a bare string is a docstring or comment
        elif kind is ast.Assign:
            self._assign(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.AnnAssign or kind is ast.AugAssign:
            self._other_assign(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            self._function(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.ClassDef:
            self._class(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.If:
            self._if(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.Try or kind.__name__ == "TryStar":
            self._try(node, ctx)  # type: ignore[arg-type]
        elif kind is ast.Global:
            # A function that declares a name global binds it in the module when it runs.
            self.defines.update(dict.fromkeys(node.names))  # type: ignore[attr-defined]
        else:
            self._generic(node, ctx)

    def _generic(self, node: ast.stmt, ctx: _Context) -> None:
        """Scan the expressions of a statement, then its nested bodies in order."""
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.expr):
                self._expressions(node, value, ctx)
            elif isinstance(value, list) and value:
                first = value[0]
                if isinstance(first, ast.stmt):
                    self._body(value, ctx)
                elif isinstance(first, ast.expr):
                    for item in value:
                        self._expressions(node, item, ctx)
                elif isinstance(first, ast.withitem):
                    for item in value:
                        self._expressions(node, item.context_expr, ctx)
                        self._record_binding(item.optional_vars, ctx)
                elif hasattr(first, "body") and hasattr(first, "pattern"):  # match cases
                    for case in value:
                        self._body(
                            case.body,
                            ctx._replace(conditional=ctx.at_module_level or ctx.conditional),
                        )
        if isinstance(node, (ast.For, ast.AsyncFor)):
            self._record_binding(node.target, ctx)

    def _import(self, node: Union[ast.Import, ast.ImportFrom], ctx: _Context) -> None:
        context = self._context_flags(ctx)
        end_line = getattr(node, "end_lineno", None) or node.lineno
        if isinstance(node, ast.Import):
            for alias in node.names:
                site = ImportSite(
                    file=self.path,
                    line=node.lineno,
                    col=node.col_offset,
                    kind="import",
                    module=alias.name,
                    alias=alias.asname,
                    context=context,
                    end_line=end_line,
                )
                self._add_import(site, ctx)
            return

        for alias in node.names:
            site = ImportSite(
                file=self.path,
                line=node.lineno,
                col=node.col_offset,
                kind="from",
                module=node.module or "",
                level=node.level or 0,
                name=alias.name,
                alias=alias.asname,
                context=context,
                end_line=end_line,
            )
            self._add_import(site, ctx)

    def _add_import(self, site: ImportSite, ctx: _Context) -> None:
        self.imports.append(site)
        if ctx.at_module_level and site.name != "*":
            self.defines[site.bound_name] = None

    def _context_flags(self, ctx: _Context) -> tuple[str, ...]:
        flags = []
        if ctx.in_function:
            flags.append(CONTEXT_FUNCTION)
        if ctx.try_import:
            flags.append(CONTEXT_TRY_IMPORT_ERROR)
        if ctx.except_branch:
            flags.append(CONTEXT_EXCEPT_BRANCH)
        if ctx.type_checking:
            flags.append(CONTEXT_TYPE_CHECKING)
        if ctx.conditional:
            flags.append(CONTEXT_CONDITIONAL)
        if ctx.in_class:
            flags.append(CONTEXT_CLASS)
        if any(scope.edited_path for scope in self.scopes):
            flags.append(CONTEXT_AFTER_PATH_EDIT)
        return tuple(flags)

    def _assign(self, node: ast.Assign, ctx: _Context) -> None:
        self._expressions(node, node.value, ctx)
        for target in node.targets:
            if isinstance(target, ast.Subscript) and _dotted(target.value) == "sys.path":
                self._slice_path_edit(node, target, ctx)
            elif isinstance(target, (ast.Subscript, ast.Attribute)):
                self._expressions(node, target, ctx)
            self._record_binding(target, ctx, node.value)

        if ctx.at_module_level and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id == "__all__":
                self.dunder_all = _literal_strings(node.value)

    def _other_assign(self, node: Union[ast.AnnAssign, ast.AugAssign], ctx: _Context) -> None:
        if node.value is not None:
            self._expressions(node, node.value, ctx)
        if isinstance(node, ast.AugAssign):
            if _dotted(node.target) == "sys.path" and isinstance(node.op, ast.Add):
                for element in _sequence_elements(node.value):
                    self._add_path_edit(node, "extend", element, None, ctx)
            return
        if node.value is not None or ctx.at_module_level:
            self._record_binding(node.target, ctx, node.value)

    def _record_binding(
        self, target: Optional[ast.expr], ctx: _Context, value: Optional[ast.expr] = None
    ) -> None:
        if target is None:
            return
        if isinstance(target, ast.Name):
            if value is not None:
                self.scopes[-1].assignments[target.id] = value
            else:
                self.scopes[-1].assignments.pop(target.id, None)
            if ctx.at_module_level:
                self.defines[target.id] = None
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._record_binding(element, ctx)
        elif isinstance(target, ast.Starred):
            self._record_binding(target.value, ctx)

    def _function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef], ctx: _Context) -> None:
        for decorator in node.decorator_list:
            self._expressions(node, decorator, ctx)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self._expressions(node, default, ctx)
        if ctx.at_module_level:
            self.defines[node.name] = None
        self.scopes[-1].assignments.pop(node.name, None)

        self.scopes.append(_Scope())
        inner = _Context(in_function=True, type_checking=ctx.type_checking)
        self._body(node.body, inner)
        self.scopes.pop()

    def _class(self, node: ast.ClassDef, ctx: _Context) -> None:
        for expression in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self._expressions(node, expression, ctx)
        if ctx.at_module_level:
            self.defines[node.name] = None
        self.scopes[-1].assignments.pop(node.name, None)

        self.scopes.append(_Scope())
        self._body(node.body, ctx._replace(in_class=True))
        self.scopes.pop()

    def _if(self, node: ast.If, ctx: _Context) -> None:
        self._expressions(node, node.test, ctx)
        if _is_type_checking(node.test):
            self._body(node.body, ctx._replace(type_checking=True))
            self._body(node.orelse, self._conditional(ctx))
            return

        if ctx.at_module_level and not ctx.in_main and _is_main_check(node.test):
            if not self.main_line:
                self.main_line = node.lineno
            self._body(node.body, self._conditional(ctx)._replace(in_main=True))
            self._body(node.orelse, self._conditional(ctx))
            return

        branch = self._conditional(ctx)
        self._body(node.body, branch)
        self._body(node.orelse, branch)

    @staticmethod
    def _conditional(ctx: _Context) -> _Context:
        if ctx.in_function:
            return ctx
        return ctx._replace(conditional=True)

    def _try(self, node: ast.Try, ctx: _Context) -> None:
        catches = any(_catches_import_error(handler.type) for handler in node.handlers)
        self._body(node.body, ctx._replace(try_import=True) if catches else ctx)
        for handler in node.handlers:
            if handler.type is not None:
                self._expressions(handler, handler.type, ctx)
            if handler.name:
                self.scopes[-1].assignments.pop(handler.name, None)
            handles_import = _catches_import_error(handler.type)
            branch = ctx._replace(try_import=False, except_branch=True) if handles_import else ctx
            self._body(handler.body, branch)
        self._body(node.orelse, ctx)
        self._body(node.finalbody, ctx)

    # Expressions

    def _expressions(self, statement: _Statement, root: ast.expr, ctx: _Context) -> None:
        """Scan every call, string and ``__file__`` use inside one expression."""
        if not self._spans_hot_line(root):
            return
        self._file_seen = False
        # The value of an expression statement is thrown away, so a call there returns nothing that is used.
        self._discarded = root if isinstance(statement, ast.Expr) else None
        stack: list[tuple[ast.AST, bool]] = [(root, False)]
        name_type, constant_type, call_type, lambda_type = (
            ast.Name,
            ast.Constant,
            ast.Call,
            ast.Lambda,
        )
        while stack:
            node, in_lambda = stack.pop()
            kind = type(node)
            if kind is name_type:
                if node.id == "__file__":  # type: ignore[attr-defined]
                    self._file_seen = True
                continue
            if kind is constant_type:
                value = node.value  # type: ignore[attr-defined]
                if value.__class__ is str and "import" in value:
                    self._import_text(node, value)  # type: ignore[arg-type]
                continue
            if kind is call_type:
                self._call(node, ctx, in_lambda)  # type: ignore[arg-type]
            elif kind is lambda_type:
                in_lambda = True
            elif kind is ast.Subscript or kind is ast.Compare:
                self._sys_modules_key(node)  # type: ignore[arg-type]
            for name in _child_fields(kind):
                value = getattr(node, name, None)
                if value is None:
                    continue
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, ast.AST):
                            stack.append((item, in_lambda))
                elif isinstance(value, ast.AST):
                    stack.append((value, in_lambda))

        if self._file_seen:
            for expression in _file_relative_expressions(root):
                text = self._segment(expression)
                self.hazards.append(
                    Hazard(self.path, expression.lineno, "file-relative-path", text)
                )

    def _spans_hot_line(self, node: ast.expr) -> bool:
        """Return False when no line of ``node`` has text the expression walk looks for.

        Most expressions hold no call, string or name that matters here, so
        skipping them saves most of the walk.
        """
        lines = self._hot_lines
        if lines is None:
            return True
        index = bisect.bisect_left(lines, node.lineno)
        return index < len(lines) and lines[index] <= (node.end_lineno or node.lineno)

    def _call(self, node: ast.Call, ctx: _Context, in_lambda: bool) -> None:
        func = node.func
        last_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last_name in _SYS_MODULES_METHODS and isinstance(func, ast.Attribute):
            if _dotted(func.value) == "sys.modules" and node.args:
                self._module_key(node.args[0])
            return
        if last_name not in _INTERESTING_CALLS:
            return
        dotted = _dotted(func)
        if dotted is None:
            if isinstance(node.func, ast.Attribute):
                dotted = "?." + node.func.attr
            else:
                return
        owner, _, last = dotted.rpartition(".")

        if owner == "sys.path" and last in ("insert", "append", "extend"):
            self._call_path_edit(node, last, ctx)
        elif dotted == "site.addsitedir" and node.args:
            self._add_path_edit(node, "append", node.args[0], None, ctx)
        elif last == "patch" or owner.endswith("patch") and last in ("multiple", "dict"):
            self._dotted_string(node, "mock.patch")
            if last == "dict":
                self._patched_sys_modules(node)
        elif last == "setattr" and owner.endswith("monkeypatch"):
            self._dotted_string(node, "monkeypatch")
        elif last == "import_module":
            self._import_module(node)
        elif dotted == "__import__":
            self._dotted_string(node, _dunder_import_kind(node, discarded=node is self._discarded))
        elif dotted in ("run_module", "runpy.run_module"):
            self._dotted_string(node, "run_module")
        elif last in ("spec_from_file_location", "SourceFileLoader"):
            self._file_location(node, last, 1, "location")
        elif last == "run_path":
            self._file_location(node, "run_path", 0, "path_name")
        elif last in _SUBPROCESS_CALLS and owner in _SUBPROCESS_OWNERS:
            self._subprocess(node)
        elif last == "getLogger" and owner in ("logging", "") and _first_is_name(node):
            self.hazards.append(Hazard(self.path, node.lineno, "logger-name", self._segment(node)))
        elif _is_pickle_call(owner, last):
            self.hazards.append(
                Hazard(self.path, node.lineno, "pickle", f"{dotted.lstrip('?.')}() call")
            )

        if dotted in _EXIT_CALLS and ctx.at_module_level and not ctx.in_main and not in_lambda:
            self.hazards.append(
                Hazard(
                    self.path,
                    node.lineno,
                    "module-exit",
                    f"{dotted}() runs when the module is imported",
                )
            )

    # Path edits

    def _call_path_edit(self, node: ast.Call, operation: str, ctx: _Context) -> None:
        if operation == "insert" and len(node.args) == 2:
            self._add_path_edit(node, "insert", node.args[1], _constant_int(node.args[0]), ctx)
        elif operation == "append" and len(node.args) == 1:
            self._add_path_edit(node, "append", node.args[0], None, ctx)
        elif operation == "extend" and len(node.args) == 1:
            for element in _sequence_elements(node.args[0]):
                self._add_path_edit(node, "extend", element, None, ctx)

    def _slice_path_edit(self, node: ast.Assign, target: ast.Subscript, ctx: _Context) -> None:
        """Record ``sys.path[0:0] = [...]`` (front insertion) and ``sys.path[i] = x``."""
        index = target.slice
        if isinstance(index, ast.Slice):
            position = 0 if index.lower is None else _constant_int(index.lower)
            for element in _sequence_elements(node.value):
                self._add_path_edit(node, "assign", element, position, ctx)
        else:
            self._add_path_edit(node, "assign", node.value, _constant_int(index), ctx)

    def _add_path_edit(
        self,
        node: _Statement | ast.expr,
        operation: str,
        argument: ast.expr,
        position: Optional[int],
        ctx: _Context,
    ) -> None:
        result = pathexpr.evaluate_path(argument, self.path, self._lookup)
        edit = PathEdit(
            file=self.path,
            line=node.lineno,
            op=operation,  # type: ignore[arg-type]
            expression=self._segment(argument),
            position=position,
            target=result.target,
            absolute=result.absolute,
            reason=result.reason,
            in_function=ctx.in_function,
        )
        self.path_edits.append(edit)
        self.scopes[-1].edited_path = True
        if result.absolute is not None and result.absolute.startswith("/"):
            detail = f"sys.path gets the absolute path {result.absolute}"
            self.hazards.append(Hazard(self.path, node.lineno, "hard-coded-path", detail))

    def _lookup(self, name: str) -> Optional[ast.expr]:
        for scope in reversed(self.scopes):
            if name in scope.assignments:
                return scope.assignments[name]
        return None

    # String references

    def _dotted_string(self, node: ast.Call, kind: str) -> None:
        value = _first_string(node)
        imports = kind in (DUNDER_IMPORT, DUNDER_IMPORT_TOP_LEVEL)
        if value is not None and _DOTTED_STRING.fullmatch(value) or imports and value:
            module = value if imports or kind == "run_module" else None
            self._add_string(node, kind, value, module=module)  # type: ignore[arg-type]

    def _sys_modules_key(self, node: Union[ast.Subscript, ast.Compare]) -> None:
        """Record ``sys.modules["a.b"]`` and ``"a.b" in sys.modules``."""
        if isinstance(node, ast.Subscript):
            if _dotted(node.value) == "sys.modules":
                self._module_key(node.slice)
        elif len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            if _dotted(node.comparators[0]) == "sys.modules":
                self._module_key(node.left)

    def _patched_sys_modules(self, node: ast.Call) -> None:
        """Record the keys of ``patch.dict(sys.modules, {"a.b": fake})``, which name modules."""
        target = node.args[0] if node.args else None
        is_sys_modules = target is not None and (
            _dotted(target) == "sys.modules" or isinstance(target, ast.Constant) and target.value == "sys.modules"
        )
        if not is_sys_modules:
            return
        values = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "values"), None)
        if isinstance(values, ast.Dict):
            for key in values.keys:
                if key is not None:
                    self._module_key(key)

    def _module_key(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
            self._add_string(node, SYS_MODULES_KEY, node.value, module=node.value)

    def _import_module(self, node: ast.Call) -> None:
        value = _first_string(node)
        if not value:
            return
        module: Optional[str] = value
        if value.startswith("."):
            package: object = _keyword_string(node, "package")
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                package = node.args[1].value
            module = _absolute_name(value, package) if isinstance(package, str) else None
        self._add_string(node, "import_module", value, module=module)

    def _file_location(self, node: ast.Call, kind: str, index: int, keyword_name: str) -> None:
        argument: Optional[ast.expr] = node.args[index] if len(node.args) > index else None
        if argument is None:
            argument = next((k.value for k in node.keywords if k.arg == keyword_name), None)
        if argument is None:
            return
        result = pathexpr.evaluate_path(argument, self.path, self._lookup)
        value = argument.value if isinstance(argument, ast.Constant) else self._segment(argument)
        self._add_string(node, kind, str(value), path=result.target)

    def _subprocess(self, node: ast.Call) -> None:
        arguments = list(node.args) + [k.value for k in node.keywords if k.arg == "args"]
        for argument in _flatten_sequences(arguments):
            if isinstance(argument, ast.Constant):
                if isinstance(argument.value, str) and ".py" in argument.value:
                    for match in _PY_PATH_TOKEN.finditer(argument.value):
                        target = pathexpr.evaluate_path(ast.Constant(match.group()), self.path)
                        self._add_string(argument, "subprocess", match.group(), path=target.target)
                continue
            result = pathexpr.evaluate_path(argument, self.path, self._lookup)
            if result.target is not None and result.target.endswith(".py"):
                self._add_string(
                    argument, "subprocess", self._segment(argument), path=result.target
                )

    def _import_text(self, node: ast.Constant, value: str) -> None:
        for match in _IMPORT_TEXT.finditer(value):
            module = match.group(1) if match.group(1) is not None else match.group(2)
            line = node.lineno + value.count("\n", 0, match.start())
            text = match.group().strip()
            self.strings.append(
                StringReference(
                    self.path, line, node.col_offset, "import-text", text, module=module
                )
            )

    def _add_string(
        self,
        node: ast.expr,
        kind: str,
        value: str,
        module: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        reference = StringReference(
            self.path, node.lineno, node.col_offset, kind, value, module=module, path=path
        )
        self.strings.append(reference)

    # Source text

    def _segment(self, node: ast.AST) -> str:
        """Return the source text of ``node``, decoded with the file's encoding."""
        if self._lines is None:
            self._lines = self.source.splitlines()
            if self._lines and self._lines[0].startswith(b"\xef\xbb\xbf"):
                self._lines[0] = self._lines[0][3:]
            try:
                self._encoding = tokenize.detect_encoding(io.BytesIO(self.source).readline)[0]
            except SyntaxError:
                self._encoding = "utf-8"
        lines = self._lines
        start, end = node.lineno - 1, (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
        start_col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        if start == end:
            raw = lines[start][start_col:end_col]
        else:
            raw = b"\n".join(
                [lines[start][start_col:]] + lines[start + 1 : end] + [lines[end][:end_col]]
            )
        return raw.decode(self._encoding or "utf-8", errors="replace")


def _hot_lines(source: bytes) -> Optional[list[int]]:
    """Return the sorted numbers of lines holding a ``_HOT_TOKEN``; None when lines cannot be counted by ``\\n``.

    NOTE: a string whose value spells "import" only after escapes or implicit
    concatenation (``"imp" "ort x"``) is missed when nothing else on its lines
    is hot.
    """
    if b"\r" in source and b"\r" in source.replace(b"\r\n", b""):
        return None  # a lone carriage return ends a line for Python too
    lines: list[int] = []
    line, offset = 1, 0
    for match in _HOT_TOKEN.finditer(source):
        line += source.count(b"\n", offset, match.start())
        offset = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _child_fields(kind: type) -> tuple[str, ...]:
    """Return the fields of an expression node type that can hold other nodes."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(name for name in kind._fields if name != "ctx")  # type: ignore[attr-defined]
    return fields


def _dotted(node: ast.expr) -> Optional[str]:
    """Return ``a.b.c`` for a chain of names and attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _dunder_import_kind(node: ast.Call, *, discarded: bool) -> str:
    """Return the kind of an ``__import__("a.b")`` call by what the caller gets back.

    Without a non-empty ``fromlist`` the call returns the top-level package
    ``a``, and code that uses it reaches ``a.b`` as an attribute chain, so a
    new name with another top-level package would break that code.
    """
    fromlist: Optional[ast.expr] = node.args[3] if len(node.args) > 3 else None
    if fromlist is None:
        fromlist = next((k.value for k in node.keywords if k.arg == "fromlist"), None)
    non_empty = isinstance(fromlist, (ast.List, ast.Tuple, ast.Set)) and bool(fromlist.elts)
    return DUNDER_IMPORT if discarded or non_empty else DUNDER_IMPORT_TOP_LEVEL


def _first_string(node: ast.Call) -> Optional[str]:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    if not node.args and node.keywords:
        for keyword_argument in node.keywords:
            if keyword_argument.arg in ("target", "name") and isinstance(
                keyword_argument.value, ast.Constant
            ):
                value = keyword_argument.value.value
                return value if isinstance(value, str) else None
    return None


def _keyword_string(node: ast.Call, name: str) -> Optional[str]:
    for keyword_argument in node.keywords:
        if keyword_argument.arg == name and isinstance(keyword_argument.value, ast.Constant):
            value = keyword_argument.value.value
            return value if isinstance(value, str) else None
    return None


def _absolute_name(relative: str, package: str) -> Optional[str]:
    """Resolve ``..b`` against ``a.x`` to ``a.b`` the way ``importlib`` does."""
    level = len(relative) - len(relative.lstrip("."))
    bits = package.split(".") if package else []
    if level > len(bits):
        return None
    base = bits[: len(bits) - level + 1]
    rest = relative[level:]
    return ".".join(base + ([rest] if rest else []))


def _constant_int(node: ast.expr) -> Optional[int]:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    return None


def _first_is_name(node: ast.Call) -> bool:
    return bool(node.args) and isinstance(node.args[0], ast.Name) and node.args[0].id == "__name__"


def _is_pickle_call(owner: str, last: str) -> bool:
    if owner in _PICKLE_MODULES and last in _PICKLE_FUNCTIONS:
        return True
    if owner == "shelve" and last == "open":
        return True
    return last in ("to_pickle", "read_pickle")


def _literal_strings(node: ast.expr) -> Optional[tuple[str, ...]]:
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    values = []
    for element in node.elts:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            return None
        values.append(element.value)
    return tuple(values)


def _sequence_elements(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return list(node.elts)
    return [node]


def _flatten_sequences(nodes: list[ast.expr]) -> Iterator[ast.expr]:
    for node in nodes:
        if isinstance(node, (ast.List, ast.Tuple)):
            yield from _flatten_sequences(list(node.elts))
        elif isinstance(node, ast.Starred):
            continue
        else:
            yield node


def _is_type_checking(test: ast.expr) -> bool:
    return _dotted(test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING")


def _is_main_check(test: ast.expr) -> bool:
    if not (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    sides = (test.left, test.comparators[0])
    has_name = any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
    has_main = any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides)
    return has_name and has_main


def _catches_import_error(handler_type: Optional[ast.expr]) -> bool:
    if handler_type is None:
        return True  # a bare except catches ImportError too
    for node in _sequence_elements(handler_type):
        name = _dotted(node)
        if name is not None and name.rpartition(".")[2] in _IMPORT_ERRORS:
            return True
    return False


def _file_relative_expressions(root: ast.expr) -> Iterator[ast.expr]:
    """Yield the largest path expressions built on ``__file__`` inside ``root``."""
    if _is_path_chain(root) and not isinstance(root, ast.Name):
        yield root
        return
    for child in ast.iter_child_nodes(root):
        if isinstance(child, ast.expr):
            yield from _file_relative_expressions(child)


def _is_path_chain(node: ast.AST) -> bool:
    """Return True when ``node`` is ``__file__`` or path arithmetic applied to it."""
    if isinstance(node, ast.Name):
        return node.id == "__file__"
    if isinstance(node, ast.Call):
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name not in _PATH_FUNCTIONS:
            return False
        receiver = [node.func.value] if isinstance(node.func, ast.Attribute) else []
        return any(_is_path_chain(child) for child in receiver + list(node.args))
    if isinstance(node, ast.Attribute):
        return node.attr in _PATH_ATTRIBUTES and _is_path_chain(node.value)
    if isinstance(node, ast.Subscript):
        return _is_path_chain(node.value)
    if isinstance(node, ast.BinOp):
        return _is_path_chain(node.left) or _is_path_chain(node.right)
    return False
