"""Data model of the inventory: frozen values that every later stage reads.

Paths are repository-relative POSIX strings (``scripts/etl/foo.py``); the
repository root itself is ``""``. Lines are 1-based.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Callable, Literal, Optional

ImportKind = Literal["import", "from"]

# Context flags of an import statement; a site can carry several of them.
CONTEXT_FUNCTION = "function"  # inside a def or lambda: runs lazily
CONTEXT_TRY_IMPORT_ERROR = "try-import-error"  # in a try whose handler catches ImportError
CONTEXT_EXCEPT_BRANCH = "except-branch"  # inside the except ImportError handler itself
CONTEXT_TYPE_CHECKING = "type-checking"  # under `if TYPE_CHECKING:`
CONTEXT_CONDITIONAL = "conditional"  # under another `if` at module level
CONTEXT_AFTER_PATH_EDIT = "after-path-edit"  # below a sys.path edit in the same file
CONTEXT_CLASS = "class"  # in a class body


@dataclass(frozen=True)
class ImportSite:
    """One imported name in one import statement.

    ``import a.b as c, d`` gives two sites; ``from a import x, y`` gives two.
    """

    file: str
    line: int  # first line of the statement
    col: int
    kind: ImportKind
    module: str  # dotted text after `import`, or after `from` and its dots ("" for `from . import x`)
    level: int = 0  # number of leading dots of a relative from-import
    name: Optional[str] = None  # the imported name of a from-import; "*" for a star import
    alias: Optional[str] = None  # the `as` name, if any
    context: tuple[str, ...] = ()
    end_line: int = 0  # last line of the statement

    @property
    def bound_name(self) -> str:
        """Return the local name the statement binds for this site."""
        if self.alias:
            return self.alias
        if self.kind == "from":
            return self.name or ""
        return self.module.split(".")[0]


@dataclass(frozen=True)
class PathEdit:
    """A `sys.path.insert/append` call (or `sys.path[...]` edit) found in a file."""

    file: str
    line: int
    op: Literal["insert", "append", "extend", "assign"]
    expression: str  # source text of the argument
    position: Optional[int] = None  # index given to insert, when constant
    target: Optional[str] = None  # evaluated folder, repository-relative; None when not evaluated
    absolute: Optional[str] = None  # evaluated absolute path that lies outside the repository
    reason: Optional[str] = None  # why it could not be evaluated, or a note on a hard-coded path
    in_function: bool = False


@dataclass(frozen=True)
class StringReference:
    """A string in Python code that names a module or a Python file."""

    file: str
    line: int
    col: int
    kind: str  # "mock.patch", "patch.object", "import_module", "__import__", "__import__-top-level", "sys.modules", "spec_from_file_location", "subprocess", "import-text"
    value: str  # the string as it is in the code (without quotes)
    module: Optional[str] = None  # the dotted module name it names, when it names one
    path: Optional[str] = None  # repository-relative file it names, when it names one


@dataclass(frozen=True)
class ExternalReference:
    """A reference from a non-Python file (shell, cron, systemd, CI, Makefile, docs)."""

    file: str
    line: int
    kind: str  # "shell", "crontab", "systemd", "dockerfile", "compose", "makefile", "ci", "yaml", "toml", "ini", "markdown", "other"
    text: str  # the matched text as it is in the file
    target: str  # repository-relative path of the Python file it names
    form: Literal["path", "dotted"] = "path"
    starts_python: bool = False  # the line runs it with python (`python x.py`, `python -m x`)


@dataclass(frozen=True)
class Hazard:
    """Something in a file that can break or change meaning when code moves."""

    file: str
    line: int
    kind: str  # "file-relative-path", "module-exit", "logger-name", "pickle", "invalid-name", "keyword-name", "stdlib-shadow", "duplicate-basename", "parse-error", "import-text", "hard-coded-path"
    detail: str


@dataclass(frozen=True)
class FileFacts:
    """Everything the scanner learns from one Python file, without importing it."""

    path: str
    sha: str  # content hash, the cache key together with the path
    size: int
    imports: tuple[ImportSite, ...] = ()
    path_edits: tuple[PathEdit, ...] = ()
    strings: tuple[StringReference, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    is_entry_point: bool = False  # has `if __name__ == "__main__":`
    main_line: int = 0
    defines: tuple[str, ...] = ()  # top-level names the module binds (def, class, assignment, import)
    dunder_all: Optional[tuple[str, ...]] = None
    parse_error: Optional[str] = None  # "line 12: invalid syntax" when the file does not parse
    is_test: bool = False


ResolutionStatus = Literal["local", "stdlib", "external", "unresolved"]


@dataclass(frozen=True)
class Resolution:
    """Where one import site goes at run time.

    ``target`` is the file (module file, package ``__init__.py``) or folder
    (namespace package) that the module part names; ``member_target`` is set
    for a from-import whose imported name is itself a module or package.
    """

    status: ResolutionStatus
    module_name: str  # absolute dotted name of the module part as Python finds it
    target: Optional[str] = None
    member_target: Optional[str] = None
    via: str = ""  # "root", "script-folder", "path-edit", "relative", "configured-root"
    search_entry: Optional[str] = None  # the sys.path folder that found it ("" is the root)
    reason: Optional[str] = None  # for unresolved: why


@dataclass(frozen=True)
class ResolvedImport:
    site: ImportSite
    resolution: Resolution


@dataclass(frozen=True)
class Focus:
    """The selection of a focused scan: the files in ``paths``, and every file whose bytes contain a needle.

    A plan needs the facts of the files that can reach the moved modules.
    Every spelling of a moved module contains its file stem or the name of
    its folder, so a file without any of them cannot reach it.
    """

    paths: frozenset[str]
    needles: tuple[bytes, ...]
    # Given the facts parsed so far, return needles of further files to parse; called until it adds none.
    expand: Optional[Callable[[tuple[FileFacts, ...]], Iterable[bytes]]] = field(default=None, compare=False)

    def selects(self, path: str, data: bytes) -> bool:
        return path in self.paths or any(needle in data for needle in self.needles)


@dataclass(frozen=True)
class Inventory:
    """The scan of one repository: every file, or in a focused scan the files a batch can reach.

    ``unscanned`` lists the Python files a focused scan did not parse: they
    are in ``files`` with their path, hash and size only, and none of their
    imports, strings or hazards are known.
    """

    root: str  # absolute path of the repository
    files: tuple[FileFacts, ...]
    imports: tuple[ResolvedImport, ...]
    references: tuple[ExternalReference, ...] = ()
    non_python_files: int = 0
    parsed: int = 0  # files parsed in this run (the rest came from the cache)
    seconds: float = 0.0
    unscanned: frozenset[str] = frozenset()
    stats: dict = field(default_factory=dict, compare=False, hash=False)

    def facts(self, path: str) -> Optional[FileFacts]:
        for facts in self.files:
            if facts.path == path:
                return facts
        return None

    def importers_of(self, target: str) -> tuple[ResolvedImport, ...]:
        """Return every import site whose module part or imported name is ``target``."""
        return tuple(
            item
            for item in self.imports
            if item.resolution.target == target or item.resolution.member_target == target
        )

    def names_of(self, target: str) -> dict[str, list[ImportSite]]:
        """Return every dotted name under which ``target`` is imported, with its sites."""
        names: dict[str, list[ImportSite]] = {}
        for item in self.imports:
            resolution = item.resolution
            if resolution.target == target:
                names.setdefault(resolution.module_name, []).append(item.site)
            if resolution.member_target == target and item.site.name:
                dotted = f"{resolution.module_name}.{item.site.name}".lstrip(".")
                names.setdefault(dotted, []).append(item.site)
        return names
