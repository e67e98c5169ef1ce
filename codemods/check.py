"""Find code that still reaches a shim: an import of an old name, or a `mock.patch` string.

`codemod check` runs this over the files a pre-commit hook passes, or over
the whole repository, so new code stops using the old names that the shims
keep alive. The shims come from the manifests of the checkout (every
`.codemod/shims/<batch>.json`, and `.codemod/shims.json` of earlier
versions); without a manifest there is nothing to find.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

from codemods.config import Config, load_config
from codemods.errors import CodemodError, ConfigError
from codemods.exitcodes import ExitCode
from codemods.manifests import manifests_in
from codemods.plan import Reachability
from codemods.shim_usage import USE_IMPORT, USE_STRING, ShimUsage, find_shim_users, scan_files
from codemods.workspace import scan_target
from inventory.discover import compile_globs, discover_files
from inventory.model import Inventory, ResolvedImport
from shimgen.manifest import ShimRecord

NOT_PYTHON = "not a Python file (no .py suffix and no python shebang)"

# String references that name a module to import or patch. Others (a path given to
# subprocess, import text written into generated code) are left to `codemod shims`.
MODULE_STRING_KINDS = frozenset(
    {"mock.patch", "monkeypatch", "import_module", "__import__", "__import__-top-level", "run_module", "sys.modules"}
)


@dataclass(frozen=True)
class ShimUse:
    """One place in the code that reaches a shim, and the name to use instead."""

    file: str
    line: int
    kind: str  # "import", or the kind of string reference ("mock.patch", "import_module", ...)
    old_name: str  # the import statement as `codemod shims` spells it, or the string's value
    new_name: str  # the module (or for a string, the dotted name) to use instead
    shim: str  # repository-relative path of the shim file reached
    reason: str = ""  # for a use left on the shim on purpose: why the new name would not work there


@dataclass(frozen=True)
class SkippedPath:
    """A path given to `codemod check` that exists in the repository but is not scanned, and why."""

    path: str  # as given on the command line
    reason: str


@dataclass(frozen=True)
class CheckReport:
    """The uses of shimmed names that `codemod check` found in the scanned files."""

    files: int  # Python files scanned
    shims: int  # shims listed in the manifest
    uses: tuple[ShimUse, ...] = ()
    skipped: tuple[SkippedPath, ...] = ()
    kept: tuple[ShimUse, ...] = ()  # uses where the new package is not importable; they do not fail the check

    @property
    def ok(self) -> bool:
        return not self.uses


class CheckPathError(CodemodError):
    """A path given to `codemod check` does not exist, is a folder, or lies outside the repository."""

    exit_code: int = ExitCode.USAGE


def check_shim_uses(
    root: Path,
    paths: Sequence[str] = (),
    *,
    cwd: Optional[Path] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> CheckReport:
    """Find every use of a shimmed name in the files ``paths``, or in every file when ``paths`` is empty.

    As on any command line, relative ``paths`` start from ``cwd`` (default: the
    current folder), and absolute ones are taken as they are. Raises
    CheckPathError, naming each path, when one does not exist, is a folder or
    lies outside the repository. A path that exists but is not a Python file,
    or that the configuration excludes, is listed in ``CheckReport.skipped``.
    ``progress(done, total)`` follows the scan of the whole repository; a scan
    of given paths does not call it.
    """
    root = root.resolve()
    arguments = _repository_paths(root, paths, Path.cwd() if cwd is None else Path(cwd))
    records = manifests_in(root).records
    if not records:
        return CheckReport(files=0, shims=0)

    config = _optional_config(root)
    skipped: list[SkippedPath] = []
    if paths:
        selected, skipped = _select_python_files(root, config, arguments)
        inventory = _scan_selected(root, config, selected)
    else:
        inventory = scan_target(root, config, progress=progress)
    usages = find_shim_users(inventory, records)
    uses = sorted(_code_uses(usages), key=lambda use: (use.file, use.line, use.old_name))
    uses, kept = _split_kept(root, config, inventory, uses, whole=not paths)
    return CheckReport(
        files=len(inventory.files), shims=len(records), uses=tuple(uses), skipped=tuple(skipped), kept=tuple(kept)
    )


def _split_kept(
    root: Path, config: Optional[Config], inventory: Inventory, uses: Sequence[ShimUse], *, whole: bool
) -> tuple[list[ShimUse], list[ShimUse]]:
    """Split ``uses`` into those to change and those that must stay on the shim, by the plan's rules.

    A use stays when the new package is not importable where it runs. That
    is a script that reaches the old module through its own folder or a
    ``sys.path`` edit, or a relative import in a file that some importer
    loads that way. Telling the latter needs the importers, so a scan of
    given files falls back to the whole repository (from the cache) when
    one of their uses is a relative import.
    """
    if config is None or not uses:
        return list(uses), []
    imports: dict[tuple[str, int], list[ResolvedImport]] = {}
    for item in inventory.imports:
        imports.setdefault((item.site.file, item.site.line), []).append(item)
    strings = {(reference.file, reference.line, reference.value): reference for facts in inventory.files for reference in facts.strings}
    if not whole and any(item.site.level for use in uses for item in imports.get((use.file, use.line), ())):
        inventory = scan_target(root, config)
    reachability = Reachability(config, inventory)

    changes: list[ShimUse] = []
    kept: list[ShimUse] = []
    for use in uses:
        if use.kind == "import":
            items = [item for item in imports.get((use.file, use.line), ()) if _reaches(item, use.shim)]
            problems = [reachability.import_problem(item) for item in items]
        else:
            reference = strings.get((use.file, use.line, use.old_name))
            problems = [reachability.string_problem(reference)] if reference is not None else []
        problem = next((reason for reason in problems if reason), None)
        if problem is None:
            changes.append(use)
        else:
            kept.append(replace(use, reason=problem))
    return changes, kept


def _reaches(item: ResolvedImport, shim: str) -> bool:
    resolution = item.resolution
    if shim in (resolution.target, resolution.member_target):
        return True
    # A moved package's submodules are served by its stub, so their old names resolve below its folder.
    folder = shim[: -len("/__init__.py")] if shim.endswith("/__init__.py") else ""
    return bool(folder) and (resolution.target or "").startswith(folder + "/")


def _repository_paths(root: Path, paths: Sequence[str], cwd: Path) -> list[tuple[str, str]]:
    """Pair each given path with its repository-relative POSIX path; raise CheckPathError for bad ones."""
    found: list[tuple[str, str]] = []
    problems: list[str] = []
    for argument in paths:
        candidate = Path(os.path.abspath(Path(cwd, argument)))  # an absolute argument replaces cwd
        if not candidate.exists():
            problems.append(f"{argument}: file not found (looked for {candidate})")
            continue
        if candidate.is_dir():
            problems.append(f"{argument}: a folder; pass the Python files in it, or no paths to check every file")
            continue
        # Resolve the folder but not the file name, so a symlinked file keeps its own repository path.
        real = Path(os.path.realpath(candidate.parent)) / candidate.name
        try:
            found.append((argument, real.relative_to(root).as_posix()))
        except ValueError:
            problems.append(f"{argument}: outside the repository {root}")
    if problems:
        raise CheckPathError(
            "\n".join(problems) + f"\nPaths are relative to the current folder ({cwd}) or absolute; "
            f"pass files inside the repository {root}."
        )
    return found


def _select_python_files(
    root: Path, config: Optional[Config], arguments: Sequence[tuple[str, str]]
) -> tuple[list[str], list[SkippedPath]]:
    """Split the given files into the Python files to scan and the skipped ones, each with its reason."""
    excluded = compile_globs(config.exclude) if config else None
    selected: list[str] = []
    skipped: list[SkippedPath] = []
    for argument, path in arguments:
        if path in selected:
            continue
        if not _is_python_file(root / path):
            skipped.append(SkippedPath(argument, NOT_PYTHON))
        elif excluded is not None and excluded.fullmatch(path) is not None:
            assert config is not None
            skipped.append(SkippedPath(argument, f"excluded by `exclude` in {config.path.name}"))
        else:
            selected.append(path)
    return selected, skipped


def _is_python_file(path: Path) -> bool:
    """Return True for a ``.py`` file, or a file without a suffix whose shebang line starts Python.

    pre-commit's `types: [python]` also selects files by suffix, and by the
    shebang line when the suffix is not a known one.
    """
    if path.suffix:
        return path.suffix == ".py"
    with path.open("rb") as handle:
        first_line = handle.readline(256)
    return first_line.startswith(b"#!") and b"python" in first_line


def _optional_config(root: Path) -> Optional[Config]:
    try:
        return load_config(root)
    except ConfigError:
        return None


def _scan_selected(root: Path, config: Optional[Config], selected: Sequence[str]) -> Inventory:
    """Scan only the ``selected`` files, resolving their imports against every file of the repository.

    A file named on the command line counts even before `git add`.
    """
    discovery = discover_files(root, config.exclude if config else ())
    roots = config.roots if config else ()
    return scan_files(root, sorted(selected), tree_paths=discovery.all_paths, roots=roots)


def _code_uses(usages: Iterable[ShimUsage]) -> Iterable[ShimUse]:
    """Keep the uses in Python code, each with the name to use instead."""
    for usage in usages:
        record = usage.record
        for use in usage.uses:
            if use.kind == USE_IMPORT:
                new_name = _new_dotted_name(_imported_module(use.text), record)
                yield ShimUse(use.file, use.line, "import", use.text, new_name, record.old_path)
            elif use.kind == USE_STRING and use.detail in MODULE_STRING_KINDS:
                yield ShimUse(use.file, use.line, use.detail, use.text, _new_dotted_name(use.text, record), record.old_path)


def _imported_module(statement: str) -> str:
    """Return the module part of an import statement as `codemod shims` spells it."""
    if statement.startswith("import "):
        return statement[len("import ") :].split(" as ")[0]
    return statement[len("from ") :].split(" import ")[0]


def _new_dotted_name(value: str, record: ShimRecord) -> str:
    if record.old_module and (value == record.old_module or value.startswith(record.old_module + ".")):
        return record.new_module + value[len(record.old_module) :]
    return record.new_module
