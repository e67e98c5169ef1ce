"""Find code that still reaches a shim: an import of an old name, or a `mock.patch` string.

`codemod check` runs this over the files a pre-commit hook passes, or over
the whole repository, so new code stops using the old names that the shims
keep alive. The shims come from the manifest `.codemod/shims.json` of the
checkout; without a manifest there is nothing to find.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from codemods.config import Config, load_config
from codemods.errors import ConfigError, ManifestReadError
from codemods.shim_usage import USE_IMPORT, USE_STRING, ShimUsage, find_shim_users
from codemods.workspace import file_reader, scan_target
from inventory import resolve_imports, scan_source
from inventory.discover import compile_globs, discover_files
from inventory.model import Inventory
from inventory.resolve import locate_strings
from shimgen.manifest import MANIFEST_PATH, ManifestError, ShimRecord, load_manifest

logger = logging.getLogger(__name__)

# String references that name a module to import or patch. Others (a path given to
# subprocess, import text written into generated code) are left to `codemod shims`.
MODULE_STRING_KINDS = frozenset({"mock.patch", "monkeypatch", "import_module", "__import__", "run_module"})


@dataclass(frozen=True)
class ShimUse:
    """One place in the code that reaches a shim, and the name to use instead."""

    file: str
    line: int
    kind: str  # "import", or the kind of string reference ("mock.patch", "import_module", ...)
    old_name: str  # the import statement as `codemod shims` spells it, or the string's value
    new_name: str  # the module (or for a string, the dotted name) to use instead
    shim: str  # repository-relative path of the shim file reached


@dataclass(frozen=True)
class CheckReport:
    """The uses of shimmed names that `codemod check` found in the scanned files."""

    files: int  # Python files scanned
    shims: int  # shims listed in the manifest
    uses: tuple[ShimUse, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.uses


def check_shim_uses(
    root: Path, paths: Sequence[str] = (), *, progress: Optional[Callable[[int, int], None]] = None
) -> CheckReport:
    """Find every use of a shimmed name in ``paths`` (repository-relative), or in every file when empty.

    ``progress(done, total)`` follows the scan of the whole repository; a scan of given paths does not call it.
    """
    root = root.resolve()
    records = _load_records(root)
    if not records:
        return CheckReport(files=0, shims=0)

    config = _optional_config(root)
    inventory = _scan(root, config, paths, progress)
    usages = find_shim_users(inventory, records)
    uses = sorted(_code_uses(usages), key=lambda use: (use.file, use.line, use.old_name))
    return CheckReport(files=len(inventory.files), shims=len(records), uses=tuple(uses))


def _load_records(root: Path) -> list[ShimRecord]:
    try:
        return load_manifest(root / MANIFEST_PATH)
    except ManifestError as error:
        raise ManifestReadError(str(error)) from None


def _optional_config(root: Path) -> Optional[Config]:
    try:
        return load_config(root)
    except ConfigError:
        return None


def _scan(
    root: Path, config: Optional[Config], paths: Sequence[str], progress: Optional[Callable[[int, int], None]]
) -> Inventory:
    """Scan the given files only, or the whole repository (through its cache) when ``paths`` is empty."""
    if not paths:
        return scan_target(root, config, progress=progress)

    exclude = config.exclude if config else ()
    discovery = discover_files(root, exclude)
    roots = config.roots if config else ()
    # A file named on the command line counts even before `git add`, unless it is excluded.
    excluded = compile_globs(exclude)
    selected = sorted(
        path
        for path in set(_python_paths(root, paths))
        if (root / path).is_file() and (excluded is None or excluded.fullmatch(path) is None)
    )
    all_paths = discovery.all_paths | frozenset(selected)
    read = file_reader(root)
    facts = tuple(scan_source(path, read(path)) for path in selected)
    # NOTE: hard-coded absolute sys.path edits are not mapped onto this checkout
    # here, as the full scan does; imports that rely on them may stay unresolved.
    facts = locate_strings(facts, all_paths=all_paths, roots=roots)
    imports = resolve_imports(facts, all_paths=all_paths, roots=roots)
    return Inventory(root=str(root), files=facts, imports=imports)


def _python_paths(root: Path, paths: Iterable[str]) -> Iterable[str]:
    for path in paths:
        absolute = Path(path).resolve() if Path(path).is_absolute() else (root / path).resolve()
        try:
            relative = absolute.relative_to(root).as_posix()
        except ValueError:
            logger.warning("%s is outside the repository %s; not checked", path, root)
            continue
        if relative.endswith(".py"):
            yield relative


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
