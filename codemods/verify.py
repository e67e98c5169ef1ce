"""Prove that a batch branch keeps everything working that worked on its base.

Static: every import that resolved on the base still resolves on the branch,
to the moved code or through a shim. Dynamic, each check in a fresh
interpreter: old and new names give one module object and the old one warns
once; every moved entry point still runs by its old path with the same exit
status and output. A failure that the base shows too is pre-existing and does
not fail the batch.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from codemods.apply import branch_name
from codemods.config import BatchConfig, load_config
from codemods.errors import BatchError
from codemods.gitops import Repository, batch_of, made_by_codemod
from codemods.processes import ProcessResult, run_python
from codemods.workspace import scan_target
from inventory.model import Inventory
from shimgen.manifest import MANIFEST_PATH, ShimRecord, load_manifest

logger = logging.getLogger(__name__)

_IDENTITY_CHECK = r"""
import importlib, json, sys, warnings
old_name, new_name = sys.argv[1], sys.argv[2]
result = {"same": False, "warnings": 0, "message": "", "error": ""}
try:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = importlib.import_module(old_name)
        new = importlib.import_module(new_name)
    messages = [
        str(item.message) for item in caught
        if issubclass(item.category, DeprecationWarning) and str(item.message).startswith(old_name + " is deprecated")
    ]
    result.update(same=old is new, warnings=len(messages), message=messages[0] if messages else "")
except BaseException as error:
    result["error"] = f"{type(error).__name__}: {error}"
print("CODEMOD-RESULT " + json.dumps(result))
"""

_IMPORT_CHECK = r"""
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
try:
    importlib.import_module(sys.argv[1])
    print("CODEMOD-RESULT " + json.dumps({"error": ""}))
except BaseException as error:
    print("CODEMOD-RESULT " + json.dumps({"error": f"{type(error).__name__}: {error}"}))
"""


@dataclass(frozen=True)
class Check:
    """One verification result."""

    kind: str  # "static", "identity", "entry-point", "expiry"
    subject: str
    status: str  # "passed", "failed", "pre-existing", "skipped"
    detail: str = ""


@dataclass(frozen=True)
class VerifyReport:
    batch: str
    branch: str
    base: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.status == "failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    def counts(self) -> Counter:
        return Counter(check.status for check in self.checks)


def verify_batch(
    root: Path,
    batch: str,
    *,
    python: Optional[str] = None,
    isolate_network: bool = True,
    run_entry_points: bool = True,
    timeout: float = 60.0,
) -> VerifyReport:
    """Check the branch of ``batch`` against its base; see the module docstring."""
    repository = Repository(root)
    config = load_config(repository.root)
    batch_config = config.batch(batch)
    branch = branch_name(batch)
    if not repository.branch_exists(branch):
        raise BatchError(f"batch {batch!r} has no branch {branch}; run `codemod apply --batch {batch}` first.")
    tip = repository.branch_commit(branch)
    base = base_of(repository, tip, batch)

    checks: list[Check] = []
    with repository.temporary_checkout(base) as before, repository.temporary_checkout(tip) as after:
        inventory_before = scan_target(before, config, use_cache=False)
        inventory_after = scan_target(after, config, use_cache=False)
        records = [record for record in load_manifest(after / MANIFEST_PATH) if record.batch == batch]
        moves = {record.old_path: _new_path(record, config.package_root) for record in records}

        checks.extend(static_checks(inventory_before, inventory_after, moves))
        checks.extend(_identity_checks(records, before, after, python, isolate_network, timeout))
        if run_entry_points:
            checks.extend(_entry_point_checks(batch_config, records, inventory_before, before, after, python, isolate_network, timeout))
    return VerifyReport(batch=batch, branch=branch, base=base, checks=tuple(checks))


def base_of(repository: Repository, tip: str, batch: str) -> str:
    """Return the parent of the oldest commit the tool made for ``batch`` on the branch."""
    oldest = None
    commit = repository.repo.commit(tip)
    while True:
        if made_by_codemod(commit) and batch_of(commit) == batch:
            oldest = commit
        elif oldest is not None:
            break
        if not commit.parents:
            break
        commit = commit.parents[0]
    if oldest is None or not oldest.parents:
        raise BatchError(f"branch {branch_name(batch)} has no commit made by codemod for batch {batch!r}; apply it again.")
    return oldest.parents[0].hexsha


def _new_path(record: ShimRecord, package_root: str) -> str:
    suffix = "/__init__.py" if record.kind == "package" else ".py"
    relative = record.new_module.replace(".", "/") + suffix
    return f"{package_root}/{relative}" if package_root else relative


# Static ----------------------------------------------------------------------


def static_checks(before: Inventory, after: Inventory, moves: Mapping[str, str]) -> Iterable[Check]:
    """Compare where each file's imports land before and after the batch."""
    targets_before = _local_targets(before, moves, shims={})
    targets_after = _local_targets(after, {}, shims=moves)
    problems = 0
    for file, expected in sorted(targets_before.items()):
        found = targets_after.get(moves.get(file, file), Counter())
        missing = expected - found
        for target, count in sorted(missing.items()):
            problems += 1
            yield Check(
                "static",
                moves.get(file, file),
                "failed",
                f"{count} import(s) reached {target} before the batch and no longer do",
            )
    new_unresolved = _unresolved(after) - _unresolved(before, moves)
    for file, spelling in sorted(new_unresolved):
        problems += 1
        yield Check("static", file, "failed", f"`{spelling}` no longer resolves")
    if not problems:
        resolved = sum(sum(counter.values()) for counter in targets_before.values())
        yield Check("static", "imports", "passed", f"all {resolved} local imports still resolve")


def _local_targets(inventory: Inventory, moves: Mapping[str, str], shims: Mapping[str, str]) -> dict[str, Counter]:
    targets: dict[str, Counter] = {}
    for item in inventory.imports:
        if item.resolution.status != "local":
            continue
        target = item.resolution.member_target or item.resolution.target
        if target is None:
            continue
        target = moves.get(target, target)
        target = shims.get(target, target)
        targets.setdefault(item.site.file, Counter())[target] += 1
    return targets


def _unresolved(inventory: Inventory, moves: Optional[Mapping[str, str]] = None) -> set[tuple[str, str]]:
    moves = moves or {}
    found = set()
    for item in inventory.imports:
        if item.resolution.status == "unresolved":
            site = item.site
            spelling = f"{'.' * site.level}{site.module}" + (f":{site.name}" if site.name else "")
            found.add((moves.get(site.file, site.file), spelling))
    return found


# Dynamic ---------------------------------------------------------------------


def _identity_checks(
    records: Sequence[ShimRecord], before: Path, after: Path, python: Optional[str], isolate: bool, timeout: float
) -> Iterable[Check]:
    for record in records:
        if not record.old_module:
            yield Check("identity", record.old_path, "skipped", "the old path has no importable dotted name")
            continue
        subject = f"{record.old_module} -> {record.new_module}"
        result = _run_json(after, ["-c", _IDENTITY_CHECK, record.old_module, record.new_module], python, isolate, timeout)
        if result.get("error"):
            base = _run_json(before, ["-c", _IMPORT_CHECK, record.old_module], python, isolate, timeout)
            status = "pre-existing" if base.get("error") else "failed"
            yield Check("identity", subject, status, f"import failed: {result['error']}")
        elif not result.get("same"):
            yield Check("identity", subject, "failed", "the old and new names give two different module objects")
        elif result.get("warnings") != 1:
            yield Check("identity", subject, "failed", f"expected one DeprecationWarning, got {result.get('warnings')}")
        else:
            yield Check("identity", subject, "passed", result.get("message", ""))


def _entry_point_checks(
    batch: BatchConfig,
    records: Sequence[ShimRecord],
    inventory: Inventory,
    before: Path,
    after: Path,
    python: Optional[str],
    isolate: bool,
    timeout: float,
) -> Iterable[Check]:
    facts = {item.path: item for item in inventory.files}
    for record in records:
        entry = facts.get(record.old_path)
        if entry is None or not entry.is_entry_point:
            continue
        if record.old_path in batch.never_run:
            yield Check("entry-point", record.old_path, "skipped", "listed in never-run")
            continue
        arguments = [record.old_path, *batch.entry_point_args]
        def run_before() -> ProcessResult:
            return run_python(arguments, cwd=before, python=python, isolate_network=isolate, timeout=timeout)

        old_run = run_before()
        new_run = run_python(arguments, cwd=after, python=python, isolate_network=isolate, timeout=timeout)
        yield _compare_runs(record.old_path, arguments, old_run, new_run, run_before)


def _compare_runs(
    path: str, arguments: Sequence[str], old: ProcessResult, new: ProcessResult, run_before: Callable[[], ProcessResult]
) -> Check:
    command = "python " + " ".join(arguments)
    if old.returncode != new.returncode:
        return Check(
            "entry-point",
            path,
            "failed",
            f"`{command}` exited {old.returncode} before and {new.returncode} after: {_tail(new.stderr)}",
        )
    status = "passed" if old.returncode == 0 else "pre-existing"
    if old.stdout == new.stdout:
        return Check("entry-point", path, status, f"`{command}` exited {new.returncode} before and after, same output")

    # Output with timestamps or timings differs between any two runs; a second run on
    # the base tells that apart from a change the batch made.
    again = run_before()
    if again.returncode == old.returncode and again.stdout != old.stdout:
        return Check(
            "entry-point",
            path,
            status,
            f"`{command}` exited {new.returncode} before and after; its output differs from run to run, so it was not compared",
        )
    return Check("entry-point", path, "failed", f"`{command}` printed different output after the batch")


def _run_json(cwd: Path, arguments: Sequence[str], python: Optional[str], isolate: bool, timeout: float) -> dict:
    result = run_python(arguments, cwd=cwd, python=python, isolate_network=isolate, timeout=timeout)
    for line in reversed(result.stdout.splitlines()):
        if line.startswith("CODEMOD-RESULT "):
            return json.loads(line[len("CODEMOD-RESULT ") :])
    return {"error": f"the check did not finish (exit {result.returncode}): {_tail(result.stderr)}"}


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])
