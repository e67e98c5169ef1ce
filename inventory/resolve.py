"""Resolution of import sites to the files Python would load, without a file-system call.

The search follows Python's path-based finder: for each ``sys.path`` entry a
regular package (``name/__init__.py``) wins, then a module (``name.py``),
and a folder without ``__init__.py`` is remembered as a namespace portion.
Namespace portions are used only when no entry has a regular package or
module. Submodules are searched in the parent package's folders only.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple, Optional, Union

from inventory.model import FileFacts, ImportSite, Resolution, ResolvedImport, StringReference

# Standard-library top-level modules of CPython 3.11 (``sys.stdlib_module_names``
# without private names), used where that attribute is missing (Python 3.9).
# The union with the running interpreter's list keeps modules removed in
# later versions (``distutils``, ``imp``) counted as standard library.
# fmt: off
_BUNDLED_STDLIB = frozenset(
    {
    "__future__", "abc", "aifc", "antigravity", "argparse", "array", "ast", "asynchat",
    "asyncio", "asyncore", "atexit", "audioop", "base64", "bdb", "binascii", "bisect",
    "builtins", "bz2", "cProfile", "calendar", "cgi", "cgitb", "chunk", "cmath", "cmd", "code",
    "codecs", "codeop", "collections", "colorsys", "compileall", "concurrent", "configparser",
    "contextlib", "contextvars", "copy", "copyreg", "crypt", "csv", "ctypes", "curses",
    "dataclasses", "datetime", "dbm", "decimal", "difflib", "dis", "distutils", "doctest",
    "email", "encodings", "ensurepip", "enum", "errno", "faulthandler", "fcntl", "filecmp",
    "fileinput", "fnmatch", "fractions", "ftplib", "functools", "gc", "genericpath", "getopt",
    "getpass", "gettext", "glob", "graphlib", "grp", "gzip", "hashlib", "heapq", "hmac",
    "html", "http", "idlelib", "imaplib", "imghdr", "imp", "importlib", "inspect", "io",
    "ipaddress", "itertools", "json", "keyword", "lib2to3", "linecache", "locale", "logging",
    "lzma", "mailbox", "mailcap", "marshal", "math", "mimetypes", "mmap", "modulefinder",
    "msilib", "msvcrt", "multiprocessing", "netrc", "nis", "nntplib", "nt", "ntpath",
    "nturl2path", "numbers", "opcode", "operator", "optparse", "os", "ossaudiodev", "pathlib",
    "pdb", "pickle", "pickletools", "pipes", "pkgutil", "platform", "plistlib", "poplib",
    "posix", "posixpath", "pprint", "profile", "pstats", "pty", "pwd", "py_compile", "pyclbr",
    "pydoc", "pydoc_data", "pyexpat", "queue", "quopri", "random", "re", "readline", "reprlib",
    "resource", "rlcompleter", "runpy", "sched", "secrets", "select", "selectors", "shelve",
    "shlex", "shutil", "signal", "site", "smtpd", "smtplib", "sndhdr", "socket",
    "socketserver", "spwd", "sqlite3", "sre_compile", "sre_constants", "sre_parse", "ssl",
    "stat", "statistics", "string", "stringprep", "struct", "subprocess", "sunau", "symtable",
    "sys", "sysconfig", "syslog", "tabnanny", "tarfile", "telnetlib", "tempfile", "termios",
    "textwrap", "this", "threading", "time", "timeit", "tkinter", "token", "tokenize",
    "tomllib", "trace", "traceback", "tracemalloc", "tty", "turtle", "turtledemo", "types",
    "typing", "unicodedata", "unittest", "urllib", "uu", "uuid", "venv", "warnings", "wave",
    "weakref", "webbrowser", "winreg", "winsound", "wsgiref", "xdrlib", "xml", "xmlrpc",
    "zipapp", "zipfile", "zipimport", "zlib", "zoneinfo",
    }
)
# fmt: on
STDLIB_MODULES = _BUNDLED_STDLIB | frozenset(
    name for name in getattr(sys, "stdlib_module_names", ()) if not name.startswith("_")
)
_BUILTIN_MODULES = frozenset(sys.builtin_module_names)

VIA_ROOT = "root"
VIA_SCRIPT_FOLDER = "script-folder"
VIA_PATH_EDIT = "path-edit"
VIA_CONFIGURED_ROOT = "configured-root"
VIA_RELATIVE = "relative"


def is_stdlib_module(dotted: str) -> bool:
    """Return True when the top-level name of ``dotted`` is a standard-library module."""
    top = dotted.partition(".")[0]
    return top in STDLIB_MODULES or top in _BUILTIN_MODULES


def resolve_imports(
    files: Sequence[FileFacts],
    *,
    all_paths: Collection[str],
    roots: Sequence[str] = (),
) -> tuple[ResolvedImport, ...]:
    """Resolve every import site of ``files`` against the repository's ``all_paths``."""
    return Resolver(PathIndex.build(all_paths), roots).resolve_all(files)


def locate_strings(
    files: Sequence[FileFacts],
    *,
    all_paths: Collection[str],
    roots: Sequence[str] = (),
) -> tuple[FileFacts, ...]:
    """Fill ``module`` and ``path`` of string references that name local modules or files."""
    return Resolver(PathIndex.build(all_paths), roots).locate_all(files)


@dataclass(frozen=True)
class PathIndex:
    """Every file and folder of the repository, so resolution needs no file-system calls."""

    files: frozenset[str]
    folders: frozenset[str]
    python_folders: frozenset[str]  # folders with a Python file somewhere below them
    locations: dict[str, tuple[str, ...]]  # top-level module name -> files and folders bearing it

    @classmethod
    def build(cls, all_paths: Iterable[str]) -> PathIndex:
        files = frozenset(all_paths)
        folders: set[str] = set()
        python_folders: set[str] = set()
        locations: dict[str, list[str]] = {}
        for path in files:
            parts = path.split("/")
            is_python = path.endswith(".py")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                folders.add(folder)
                if is_python and folder not in python_folders:
                    python_folders.add(folder)
                    locations.setdefault(parts[depth - 1], []).append(folder)
            if is_python and parts[-1] != "__init__.py":
                locations.setdefault(parts[-1][:-3], []).append(path)
        return cls(
            files=files,
            folders=frozenset(folders),
            python_folders=frozenset(python_folders),
            locations={name: tuple(sorted(paths)) for name, paths in locations.items()},
        )


class SearchEntry(NamedTuple):
    """One ``sys.path`` folder on a file's search path, and why it is there."""

    folder: str  # repository-relative; "" is the root
    via: str


@dataclass(frozen=True)
class Found:
    """A module found on the search path."""

    kind: Literal["package", "module", "namespace"]
    target: str  # the module file, the package's __init__.py, or the first namespace folder
    portions: tuple[str, ...]  # folders searched for submodules
    entry: str
    via: str


@dataclass(frozen=True)
class Missing:
    """A dotted name whose first part is local but a later part does not exist."""

    reason: str


SearchPath = tuple[SearchEntry, ...]
Lookup = Union[Found, Missing, None]


def _check_name_defined(site: ImportSite, resolution: Resolution, facts_by_path: dict[str, FileFacts]) -> Resolution:
    """Mark ``from module import name`` unresolved when the module file plainly does not define ``name``.

    Names bound at module level by def, class, assignment, import, for and
    with count, and names a function declares ``global``. NOTE: a name bound
    only by a walrus expression, a match pattern or ``globals()[...]`` is
    reported missing.
    Modules with a star import, a module ``__getattr__`` or a parse error are not checked.
    """
    if site.kind != "from" or not site.name or site.name == "*" or resolution.status != "local":
        return resolution
    if resolution.member_target is not None or not (resolution.target or "").endswith(".py"):
        return resolution
    target = facts_by_path.get(resolution.target or "")
    if target is None or target.parse_error or "__getattr__" in target.defines:
        return resolution
    if site.name in target.defines or any(item.name == "*" for item in target.imports):
        return resolution
    return replace(resolution, status="unresolved", reason=f"{resolution.target} does not define {site.name}")


class Resolver:
    """Resolves dotted names for files of one repository; results are memoized."""

    def __init__(self, index: PathIndex, roots: Sequence[str] = ()) -> None:
        self.index = index
        self.roots = tuple(_normalize_folder(root) for root in roots)
        self._cache: dict[tuple[SearchPath, str], Lookup] = {}
        self._resolutions: dict[tuple[int, str, str, Optional[str]], Resolution] = {}
        self._path_numbers: dict[SearchPath, int] = {}  # small keys for the memo above

    def resolve_all(self, files: Iterable[FileFacts]) -> tuple[ResolvedImport, ...]:
        files = list(files)
        facts_by_path = {facts.path: facts for facts in files}
        resolved = []
        for facts in files:
            search_path = self.search_path(facts)
            number = self._path_numbers.setdefault(search_path, len(self._path_numbers))
            for site in facts.imports:
                resolution = self._resolve_site(site, search_path, number)
                resolved.append(ResolvedImport(site, _check_name_defined(site, resolution, facts_by_path)))
        return tuple(resolved)

    def locate_all(self, files: Iterable[FileFacts]) -> tuple[FileFacts, ...]:
        located = []
        for facts in files:
            if not facts.strings:
                located.append(facts)
                continue
            search_path = self.search_path(facts)
            strings = tuple(
                self.locate_string(reference, search_path) for reference in facts.strings
            )
            located.append(replace(facts, strings=strings))
        return tuple(located)

    def search_path(self, facts: FileFacts) -> SearchPath:
        """Return the ``sys.path`` entries in effect for ``facts.path``, first entry first.

        Front-inserted path edits come first (a later ``insert(0, ...)`` ends up
        in front of an earlier one), then the file's own folder, then
        ``insert(i, ...)`` with ``i > 0``, the repository root, the configured
        roots, and appended edits last.

        NOTE: every evaluated edit of the file counts for all its imports, also
        imports written above the edit, and edits made by other modules of the
        same process (sys.path is global) are not applied.
        """
        front: list[str] = []
        after_script: list[str] = []
        back: list[str] = []
        slice_line, slice_index = -1, 0
        for edit in facts.path_edits:
            if edit.target is None:
                continue
            if edit.op == "insert" and edit.position is not None and edit.position > 0:
                after_script.append(edit.target)
            elif edit.op == "insert":
                front.insert(0, edit.target)
            elif edit.op == "assign":
                # One `sys.path[0:0] = [a, b]` statement keeps a before b.
                slice_index = slice_index + 1 if edit.line == slice_line else 0
                slice_line = edit.line
                front.insert(slice_index, edit.target)
            else:
                back.append(edit.target)

        folder = facts.path.rpartition("/")[0]
        ordered = [SearchEntry(entry, VIA_PATH_EDIT) for entry in front]
        ordered.append(SearchEntry(folder, VIA_SCRIPT_FOLDER if folder else VIA_ROOT))
        ordered += [SearchEntry(entry, VIA_PATH_EDIT) for entry in after_script]
        ordered.append(SearchEntry("", VIA_ROOT))
        ordered += [SearchEntry(root, VIA_CONFIGURED_ROOT) for root in self.roots]
        ordered += [SearchEntry(entry, VIA_PATH_EDIT) for entry in back]

        # An entry keeps its first position. Its label records why the folder
        # is there. The file's own folder is always "script-folder" (an edit that
        # re-adds it changes nothing when the file runs as a script), and any
        # other folder that a path edit adds is "path-edit" even where the root
        # comes first, because the root is on sys.path only under `python -m`
        # or PYTHONPATH, so a script started by path depends on the edit.
        edited = set(front) | set(after_script) | set(back)
        seen: set[str] = set()
        unique = []
        for entry in ordered:
            if entry.folder in seen:
                continue
            seen.add(entry.folder)
            if folder and entry.folder == folder:
                entry = SearchEntry(folder, VIA_SCRIPT_FOLDER)
            elif entry.folder in edited:
                entry = SearchEntry(entry.folder, VIA_PATH_EDIT)
            unique.append(entry)
        return tuple(unique)

    def resolve_site(self, site: ImportSite, search_path: SearchPath) -> Resolution:
        number = self._path_numbers.setdefault(search_path, len(self._path_numbers))
        return self._resolve_site(site, search_path, number)

    def _resolve_site(self, site: ImportSite, search_path: SearchPath, number: int) -> Resolution:
        if site.level:
            return self._resolve_relative(site)

        key = (number, site.kind, site.module, site.name)
        resolution = self._resolutions.get(key)
        if resolution is None:
            resolution = self._resolutions[key] = self._resolve_absolute(site, search_path)
        return resolution

    def _resolve_absolute(self, site: ImportSite, search_path: SearchPath) -> Resolution:
        found = self.find(site.module, search_path)
        if isinstance(found, Found):
            return self._local(site, site.module, found, via=found.via, entry=found.entry)
        if isinstance(found, Missing):
            resolution = Resolution("unresolved", site.module, reason=found.reason)
        else:
            resolution = self._not_local(site.module)
        return self._with_missing_edit_targets(resolution, search_path)

    def _with_missing_edit_targets(self, resolution: Resolution, search_path: SearchPath) -> Resolution:
        """Name the folders that this file's sys.path edits add but that do not exist, on an unresolved import."""
        if resolution.status != "unresolved":
            return resolution
        missing = [
            entry.folder
            for entry in search_path
            if entry.via == VIA_PATH_EDIT and entry.folder and entry.folder not in self.index.folders
        ]
        if not missing:
            return resolution
        note = "; the evaluated sys.path edit adds " + ", ".join(missing) + ", which does not exist"
        return replace(resolution, reason=(resolution.reason or "not found") + note)

    def find(self, dotted: str, search_path: SearchPath) -> Lookup:
        """Find ``dotted`` on ``search_path``; None when its first part is not local."""
        key = (search_path, dotted)
        if key not in self._cache:
            self._cache[key] = self._find(dotted, search_path)
        return self._cache[key]

    def _find(self, dotted: str, search_path: SearchPath) -> Lookup:
        top, *rest = dotted.split(".")
        if top in _BUILTIN_MODULES:
            return None
        entries = [entry.folder for entry in search_path]
        found = self._find_in(entries, top)
        if found is None:
            return None
        entry = search_path[entries.index(found[2])]
        kind, target, _, portions = found
        if kind == "namespace" and (top in STDLIB_MODULES or not self._has_python(portions)):
            # A regular module later on sys.path (the standard library, an
            # installed package) wins over namespace portions.
            return None
        current = Found(kind, target, portions, entry.folder, entry.via)
        return self._descend(current, rest)

    def _descend(self, current: Found, parts: Sequence[str]) -> Union[Found, Missing]:
        for index, part in enumerate(parts):
            if current.kind == "module":
                return Missing(
                    f"{current.target} is a module, not a package, so it has no submodule {part}"
                )
            found = self._find_in(list(current.portions), part)
            if found is None:
                where = current.portions[0]
                if index < len(parts) - 1:
                    return Missing(f"{_join(where, part)} does not exist")
                return Missing(f"no module {part} in {where or 'the repository root'}")
            kind, target, _, portions = found
            current = Found(kind, target, portions, current.entry, current.via)
        return current

    def _find_in(
        self, folders: Sequence[str], name: str
    ) -> Optional[tuple[Literal["package", "module", "namespace"], str, str, tuple[str, ...]]]:
        """Search ``folders`` for ``name`` like one pass of the path-based finder.

        Return (kind, target, folder that found it, portions), or None.
        """
        files, all_folders = self.index.files, self.index.folders
        portions: list[str] = []
        first_folder = ""
        for folder in folders:
            base = _join(folder, name)
            if base + "/__init__.py" in files:
                return "package", base + "/__init__.py", folder, (base,)
            if base + ".py" in files:
                return "module", base + ".py", folder, ()
            if base in all_folders:
                if not portions:
                    first_folder = folder
                portions.append(base)
        if portions:
            return "namespace", portions[0], first_folder, tuple(portions)
        return None

    def _has_python(self, folders: Iterable[str]) -> bool:
        return any(folder in self.index.python_folders for folder in folders)

    def _local(
        self, site: ImportSite, module_name: str, found: Found, via: str, entry: str
    ) -> Resolution:
        member_target = None
        if site.kind == "from" and site.name and site.name != "*" and found.kind != "module":
            member = self._find_in(list(found.portions), site.name)
            if member is not None:
                member_target = member[1]
        return Resolution(
            status="local",
            module_name=module_name,
            target=found.target,
            member_target=member_target,
            via=via,
            search_entry=entry,
        )

    def _not_local(self, dotted: str) -> Resolution:
        top = dotted.partition(".")[0]
        if is_stdlib_module(top):
            return Resolution("stdlib", dotted)
        elsewhere = self._found_elsewhere(dotted)
        if elsewhere:
            shown = ", ".join(elsewhere[:3]) + (" and others" if len(elsewhere) > 3 else "")
            reason = f"no module {top} on this file's sys.path; {dotted} exists at {shown}"
            return Resolution("unresolved", dotted, reason=reason)
        return Resolution("external", dotted)

    def _found_elsewhere(self, dotted: str) -> list[str]:
        """Return files of the repository that ``dotted`` names when their folder is on sys.path.

        A same-named folder whose contents do not match the rest of the name
        (a local ``nba_api/`` beside the installed ``nba_api.stats``) does
        not count, so such an import stays external.
        """
        top, *rest = dotted.split(".")
        found = []
        for location in self.index.locations.get(top, ()):
            parent = location.rpartition("/")[0]
            match = self._find_in([parent], top)
            if match is None:
                continue
            kind, target, _, portions = match
            result = self._descend(Found(kind, target, portions, parent, VIA_ROOT), rest)
            if isinstance(result, Found):
                found.append(result.target)
        return found

    def _resolve_relative(self, site: ImportSite) -> Resolution:
        parts = site.file.split("/")
        package = parts[:-1]
        written = "." * site.level + site.module
        if site.level > len(package):
            if not package:
                reason = (
                    "relative import in a file at the repository root, which has no parent package"
                )
            else:
                reason = f"relative import {written} goes beyond the top-level package {package[0]}"
            return Resolution("unresolved", written, reason=reason)

        base = package[: len(package) - site.level + 1]
        module_parts = site.module.split(".") if site.module else []
        module_name = ".".join(base + module_parts)
        base_folder = "/".join(base)
        init = base_folder + "/__init__.py"
        kind: Literal["package", "namespace"] = (
            "package" if init in self.index.files else "namespace"
        )
        start = Found(
            kind, init if kind == "package" else base_folder, (base_folder,), "", VIA_RELATIVE
        )
        found = self._descend(start, module_parts)
        if isinstance(found, Missing):
            return Resolution("unresolved", module_name, reason=found.reason, via=VIA_RELATIVE)
        return self._local(site, module_name, found, via=VIA_RELATIVE, entry="")

    def locate_string(self, reference: StringReference, search_path: SearchPath) -> StringReference:
        """Return ``reference`` with the local module or file it names filled in."""
        if reference.kind in ("mock.patch", "monkeypatch"):
            return self._locate_attribute_path(reference, search_path)
        if reference.module and not reference.module.startswith("."):
            found = self.find(reference.module, search_path)
            if isinstance(found, Found):
                return replace(reference, path=found.target)
            return reference
        if reference.path is not None:
            return replace(reference, path=self._existing_file(reference.path, reference.file))
        return reference

    def _locate_attribute_path(
        self, reference: StringReference, search_path: SearchPath
    ) -> StringReference:
        """Find the longest module prefix of a ``mock.patch`` target such as ``a.b.func``."""
        parts = reference.value.split(".")
        for end in range(len(parts), 0, -1):
            found = self.find(".".join(parts[:end]), search_path)
            if isinstance(found, Found) and found.kind != "namespace":
                return replace(reference, module=".".join(parts[:end]), path=found.target)
        return reference

    def _existing_file(self, path: str, referrer: str) -> Optional[str]:
        if path in self.index.files:
            return path
        beside = _join(referrer.rpartition("/")[0], path)
        if beside in self.index.files:
            return beside
        return None


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _normalize_folder(folder: str) -> str:
    return "/".join(part for part in folder.replace("\\", "/").split("/") if part not in ("", "."))
