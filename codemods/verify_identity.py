"""The identity checks of `codemod verify`: each old name of a shim gives the new module object and warns once.

A shim's old file is often imported under several names: its dotted name
from the repository root (``scripts.pbp.snapshot``), a shorter name through
a ``sys.path`` edit (``pbp.snapshot``), and its bare name from a script in
its own folder (``snapshot``). The inventory records every spelling that an
import site uses. Each one that is a valid module name gets its own check,
run with the folder it is found through first on ``sys.path``, as the
importing script would have it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemods.shim_usage import is_module_name, shim_paths
from codemods.verify_checks import Check, import_error, run_json
from inventory.model import Inventory
from inventory.names import spellings_by_file
from shimgen.manifest import ShimRecord

# Imports the old name, then the new one, in a fresh interpreter, and counts the DeprecationWarnings that
# name the old name. The imported code may change the warning filters (`warnings.filterwarnings("ignore")`
# at import time hides every later warning), so the script also wraps `warnings.warn`, which the stub
# calls, and records each call before any filter decides whether to show it. The count is the larger of
# the calls recorded and the warnings that passed the filters, so a stub that warns by another route is still counted.
IDENTITY_CHECK = r"""
import importlib, json, os, sys, warnings
old_name, new_name, folder = sys.argv[1], sys.argv[2], sys.argv[3]
if folder:
    sys.path.insert(0, os.path.abspath(folder))
result = {"same": False, "warnings": 0, "visible": 0, "message": "", "error": ""}
# A submodule of a moved package folder warns through the stub of its package, which names
# the package. So a warning that names the old name or any of its dotted parents counts.
parts = old_name.split(".")
prefixes = tuple(".".join(parts[:length]) + " is deprecated" for length in range(len(parts), 0, -1))
recorded = []
original_warn = warnings.warn


def is_shim_warning(message, category):
    kind = type(message) if isinstance(message, Warning) else (category or UserWarning)
    return isinstance(kind, type) and issubclass(kind, DeprecationWarning) and str(message).startswith(prefixes)


def recording_warn(message, category=None, stacklevel=1, *args, **kwargs):
    if is_shim_warning(message, category):
        recorded.append(str(message))
    # One more level, so the warning is still attributed to the line the stub meant.
    return original_warn(message, category, stacklevel + 1, *args, **kwargs)


try:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn = recording_warn
        try:
            old = importlib.import_module(old_name)
            new = importlib.import_module(new_name)
        finally:
            warnings.warn = original_warn
    visible = [str(item.message) for item in caught if is_shim_warning(item.message, item.category)]
    messages = recorded if len(recorded) >= len(visible) else visible
    result.update(same=old is new, warnings=len(messages), visible=len(visible), message=messages[0] if messages else "")
except BaseException as error:
    result["error"] = f"{type(error).__name__}: {error}"
print("CODEMOD-RESULT " + json.dumps(result))
"""


@dataclass(frozen=True)
class OldName:
    """One name under which code imports a shim's old file, and the folder that Python finds it through."""

    record: ShimRecord
    name: str  # the dotted module name, as Python names the module for this spelling
    folder: str  # repository-relative folder put first on sys.path; "" runs from the root as it is
    via: str  # how the inventory found it: "root", "script-folder", "path-edit", "relative", ...

    @property
    def subject(self) -> str:
        return f"{self.name} -> {self.record.new_module}"


def old_names(records: Sequence[ShimRecord], inventories: Sequence[Inventory]) -> list[OldName]:
    """Return, per record, its dotted name from the root and then every other spelling that import sites use.

    The spellings come from ``inventories`` (the base, where the old file was
    still in place, and the branch, where the shim is). A spelling counts
    when it is a valid dotted name and the folder it is found through follows
    from the file's path: the path minus the name's parts. Spellings
    of a package count for its ``__init__.py`` and for its folder, which is
    what the inventory resolves a namespace package to.
    """
    spellings = [spellings_by_file(inventory) for inventory in inventories]
    found = []
    for record in records:
        seen = {record.old_module}
        if record.old_module:
            found.append(OldName(record, record.old_module, "", "root"))
        others = []
        for by_file in spellings:
            for path in shim_paths(record):
                for spelling in by_file.get(path, ()):
                    folder = search_folder(path, spelling.absolute)
                    if spelling.absolute in seen or folder is None or not is_module_name(spelling.absolute):
                        continue
                    seen.add(spelling.absolute)
                    others.append(OldName(record, spelling.absolute, folder, spelling.via))
        found.extend(sorted(others, key=lambda item: item.name))
    return found


def search_folder(path: str, name: str) -> Optional[str]:
    """Return the folder on ``sys.path`` through which ``name`` finds the file or package folder at ``path``.

    ``scripts/pbp/snapshot.py`` is ``pbp.snapshot`` through ``scripts`` and
    ``snapshot`` through ``scripts/pbp``. Returns None when ``name`` does not
    match the end of ``path``.
    """
    parts = path.split("/")
    if parts[-1] == "__init__.py":
        parts = parts[:-1]
    elif parts[-1].endswith(".py"):
        parts[-1] = parts[-1][: -len(".py")]
    names = name.split(".")
    if len(names) > len(parts) or parts[len(parts) - len(names) :] != names:
        return None
    return "/".join(parts[: len(parts) - len(names)])


def identity_checks(
    names: Sequence[OldName],
    records: Sequence[ShimRecord],
    before: Path,
    after: Path,
    python: Optional[str],
    isolate: bool,
    timeout: float,
) -> Iterable[Check]:
    """Check each of ``names`` on the branch checkout ``after``; a record without any name is skipped.

    An import that fails on the branch is pre-existing when the same name,
    through the same folder, fails to import on the base checkout ``before`` too.
    """
    for record in records:
        named = [name for name in names if name.record == record]
        if not named:
            yield Check("identity", record.old_path, "skipped", "the old path has no importable dotted name")
        for name in named:
            yield _identity_check(name, before, after, python, isolate, timeout)


def identity_check_count(names: Sequence[OldName], records: Sequence[ShimRecord]) -> int:
    """Return how many checks ``identity_checks`` gives for ``names`` and ``records``."""
    named = {name.record for name in names}
    return len(names) + sum(1 for record in records if record not in named)


def _identity_check(name: OldName, before: Path, after: Path, python: Optional[str], isolate: bool, timeout: float) -> Check:
    arguments = ["-c", IDENTITY_CHECK, name.name, name.record.new_module, name.folder]
    result = run_json(after, arguments, python, isolate, timeout)
    where = _where(name)
    if result.get("error"):
        status = "pre-existing" if import_error(before, name.name, name.folder, python, isolate, timeout) else "failed"
        return Check("identity", name.subject, status, f"import failed: {result['error']}{where}")
    if not result.get("same"):
        return Check("identity", name.subject, "failed", f"the old and new names give two different module objects{where}")
    if result.get("warnings") != 1:
        return Check("identity", name.subject, "failed", f"expected one DeprecationWarning, got {result.get('warnings')}{where}")
    detail = result.get("message", "") + where
    if not result.get("visible"):
        detail += (
            "; the warning filters that the imported code sets hide this warning, so code that imports "
            "the old name does not see it"
        )
    return Check("identity", name.subject, "passed", detail)


def _where(name: OldName) -> str:
    if not name.folder and name.via == "root":
        return ""
    folder = f"{name.folder}/" if name.folder else "the repository root"
    return f"; imported with {folder} first on sys.path, as a {name.via} import"
