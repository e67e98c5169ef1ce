"""Prove that a batch branch keeps everything working that worked on its base.

Static: every import that resolved on the base still resolves on the branch,
to the moved code or through a shim or a re-export. The batch adds no import
cycle and no module whose top-level name shadows the standard library.
Dynamic, each check in a fresh interpreter: old and new names give one
module object and the old one warns once. A function or class moved by a
`path.py:Name` key is one object under its old and its new module. Every
moved entry point, and every entry point a definition moved out of, still
runs by its old path with the same exit status and output. Optionally, the
target's own test command runs on both checkouts and the outcomes are
compared test by test. A failure that the base shows too is pre-existing
and does not fail the batch.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Optional

from codemods.apply import branch_name, module_paths, moved_symbols_at
from codemods.config import BatchConfig, Config, check_never_run, load_config, never_run_matches
from codemods.errors import BatchError
from codemods.gitops import Repository, batch_of, made_by_codemod
from codemods.manifests import manifests_in
from codemods.move_symbol import SymbolMove
from codemods.plan import path_to_module
from codemods.processes import ProcessResult, run_python
from codemods.verify_checks import Check, import_error, run_json, tail
from codemods.verify_identity import identity_check_count, identity_checks, old_names
from codemods.verify_tests import (
    SuiteCommand,
    compare_test_runs,
    parse_tests_command,
    run_test_suite,
)
from codemods.workspace import scan_target
from inventory.discover import discover_files
from inventory.graph import build_graph, strongly_connected_components
from inventory.model import Inventory
from inventory.resolve import is_stdlib_module
from shimgen.manifest import ShimRecord
from shimgen.prune import is_due

logger = logging.getLogger(__name__)

_SYMBOL_CHECK = r"""
import importlib, json, sys, warnings
old_module, new_module, name = sys.argv[1], sys.argv[2], sys.argv[3]
result = {"same": False, "defined_in": "", "error": ""}
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The old name first, so it is proven to work on its own, through the re-export.
        old = getattr(importlib.import_module(old_module), name)
        new = getattr(importlib.import_module(new_module), name)
    result.update(same=old is new, defined_in=str(getattr(new, "__module__", "")))
except BaseException as error:
    result["error"] = f"{type(error).__name__}: {error}"
print("CODEMOD-RESULT " + json.dumps(result))
"""


@dataclass(frozen=True)
class VerifyReport:
    """Every check of one batch branch against its base commit."""

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


Progress = Callable[[int, int], None]


def verify_batch(
    root: Path,
    batch: str,
    *,
    python: Optional[str] = None,
    isolate_network: bool = True,
    run_entry_points: bool = True,
    timeout: float = 60.0,
    tests_command: Optional[str] = None,
    tests_timeout: float = 1800.0,
    progress: Optional[Progress] = None,
    today: Optional[date] = None,
) -> VerifyReport:
    """Check the branch of ``batch`` against its base; see the module docstring.

    ``tests_command`` is the target's own test command (``pytest -q``); it runs
    in both checkouts and its JUnit XML results are compared test by test.
    ``today`` (default: the current date) decides which shims are past their
    remove-after date.
    """
    tests = parse_tests_command(tests_command) if tests_command is not None else None
    repository = Repository(root)
    config = load_config(repository.root)
    batch_config = config.batch(batch)
    branch = branch_name(batch)
    if not repository.branch_exists(branch):
        raise BatchError(f"batch {batch!r} has no branch {branch}; run `codemod apply --batch {batch}` first.")
    tip = repository.branch_commit(branch)
    rename_commit = oldest_commit_of(repository, tip, batch)
    base = base_of(repository, tip, batch)
    _check_never_run(repository, config, batch_config, base, tip)

    checks: list[Check] = []
    with repository.temporary_checkout(base) as before, repository.temporary_checkout(tip) as after:
        inventory_before = scan_target(before, config, use_cache=False)
        inventory_after = scan_target(after, config, use_cache=False)
        records = [record for record in manifests_in(after, label=branch).records if record.batch == batch]
        shims = {record.old_path: _new_path(record, config.package_root) for record in records}
        # Files that move without a shim, such as tests, are not in the manifest,
        # so the moves come from git's rename commit.
        # NOTE: git pairs files of identical content (empty __init__.py files) by its own rules, which may not
        # match the batch; shim records take precedence, but such a file without a shim could be paired wrongly.
        moves = {**repository.renamed_paths(base, rename_commit), **shims}
        symbols = moved_symbols(repository, config, batch_config, base, tip, after)

        # Each shim is checked under every name that import sites use for its old file, on either side.
        names = old_names(records, [inventory_before, inventory_after])
        entry_point_runs = len(records) + len(symbols) if run_entry_points else 0
        test_runs = 2 if tests else 0
        identity_runs = identity_check_count(names, records)
        steps = _Steps(progress, total=2 + identity_runs + len(symbols) + entry_point_runs + test_runs)

        symbol_targets = {(symbol.source_path, symbol.name): symbol.dest_path for symbol in symbols}
        checks.extend(static_checks(inventory_before, inventory_after, moves, shims, symbol_targets))
        checks.extend(cycle_checks(inventory_before, inventory_after, moves))
        checks.extend(stdlib_shadow_checks(inventory_before, inventory_after, moves, config.package_root))
        checks.extend(expiry_checks(records, batch, today or date.today()))
        steps.advance(2)
        checks.extend(steps.each(identity_checks(names, records, before, after, python, isolate_network, timeout)))
        checks.extend(steps.each(_symbol_checks(symbols, before, after, python, isolate_network, timeout)))
        if run_entry_points:
            # A module a definition moved out of now imports the package, which it may not reach when run as a script.
            started = [record.old_path for record in records] + sorted({symbol.source_path for symbol in symbols})
            entry_points = _entry_point_checks(batch_config, started, moves, inventory_before, before, after, python, isolate_network, timeout)
            checks.extend(steps.each(entry_points))
        if tests:
            checks.extend(check_test_suite(tests, before, after, isolate_network, tests_timeout, steps))
        steps.finish()
    return VerifyReport(batch=batch, branch=branch, base=base, checks=tuple(checks))


def _check_never_run(repository: Repository, config: Config, batch: BatchConfig, base: str, tip: str) -> None:
    """Raise before any script starts when a `never-run` entry matches no Python file.

    An entry may name a file's old path, which exists on the base, or its new
    path on the branch. A file added to the repository since counts too, so a
    top-level entry that names it is not an error for this batch.
    """
    if not batch.never_run:
        return
    paths = repository.python_files_at(base) | repository.python_files_at(tip)
    paths.update(discover_files(repository.root).python_files)
    check_never_run(config, batch, paths, f"at the base {base[:10]}, on {branch_name(batch.name)} or in the working tree")


def base_of(repository: Repository, tip: str, batch: str) -> str:
    """Return the parent of the oldest commit the tool made for ``batch`` on the branch."""
    return repository.repo.commit(oldest_commit_of(repository, tip, batch)).parents[0].hexsha


def oldest_commit_of(repository: Repository, tip: str, batch: str) -> str:
    """Return the oldest commit the tool made for ``batch`` on the branch.

    That is the commit that renames the files, or the only commit of a batch
    that moves functions and classes alone.
    """
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
    return oldest.hexsha


def expiry_checks(records: Sequence[ShimRecord], batch: str, today: date) -> Iterable[Check]:
    """Fail each shim of ``batch`` whose remove-after date has passed; pass once when none has."""
    expired = [record for record in records if is_due(record, today)]
    for record in expired:
        yield Check(
            "expiry",
            record.old_path,
            "failed",
            f"the shim was due for removal after {record.remove_after}; remove it with `codemod prune --batch {batch}` "
            "(it keeps shims that are still used), or set a later shim-remove-after and apply the batch again",
        )
    if records and not expired:
        earliest = min(record.remove_after for record in records)
        yield Check("expiry", "shims", "passed", f"no shim is past its remove-after date (the earliest is {earliest})")


def moved_symbols(
    repository: Repository, config: Config, batch: BatchConfig, base: str, tip: str, checkout: Path
) -> list[SymbolMove]:
    """Return the `path.py:Name` moves of ``batch`` that the branch made: in ``tip`` and not in ``base``.

    ``checkout`` is the tip's worktree, where the module that received each
    definition is found.
    """
    before = {rule.key for rule in moved_symbols_at(repository, batch, base)}
    found = []
    for rule in moved_symbols_at(repository, batch, tip):
        if rule.key in before:
            continue
        candidates = module_paths(config, rule.target)
        dest = next((path for path in candidates if (checkout / path).is_file()), candidates[0])
        found.append(SymbolMove(rule.source, rule.symbol, rule.target, dest, rule.key))
    return found


def _new_path(record: ShimRecord, package_root: str) -> str:
    suffix = "/__init__.py" if record.kind == "package" else ".py"
    relative = record.new_module.replace(".", "/") + suffix
    return f"{package_root}/{relative}" if package_root else relative


# Static ----------------------------------------------------------------------


def static_checks(
    before: Inventory,
    after: Inventory,
    moves: Mapping[str, str],
    shims: Optional[Mapping[str, str]] = None,
    symbols: Optional[Mapping[tuple[str, str], str]] = None,
) -> Iterable[Check]:
    """Compare where each file's imports land before and after the batch.

    ``moves`` maps the old path of every moved file to its new path.
    ``shims`` maps the old path of each shim to the path of the module it
    forwards to, and is ``moves`` when not given. ``symbols`` maps (old
    module file, name) of each moved function or class to the file of its
    new module: on both sides, ``from old import name`` counts as reaching
    the new module, because the old module re-exports the name.
    """
    symbols = symbols or {}
    targets_before = _local_targets(before, moves, shims={}, symbols=symbols)
    targets_after = _local_targets(after, {}, shims=moves if shims is None else shims, symbols=symbols)
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


def _local_targets(
    inventory: Inventory,
    moves: Mapping[str, str],
    shims: Mapping[str, str],
    symbols: Mapping[tuple[str, str], str],
) -> dict[str, Counter]:
    targets: dict[str, Counter] = {}
    for item in inventory.imports:
        if item.resolution.status != "local":
            continue
        target = item.resolution.member_target or item.resolution.target
        if target is None:
            continue
        if item.site.kind == "from" and item.site.name:
            target = symbols.get((target, item.site.name), target)
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


def cycle_checks(before: Inventory, after: Inventory, moves: Mapping[str, str]) -> Iterable[Check]:
    """Fail for each import cycle on the branch that no cycle of the base contains.

    Both graphs are compared on the branch's paths: a moved file's old path
    on the base becomes its new path, and on the branch a shim at the old
    path counts as the module it forwards to.
    """
    cycles_before = _cycles(before, moves)
    cycles_after = _cycles(after, moves)
    new_cycles = [cycle for cycle in cycles_after if not any(cycle <= known for known in cycles_before)]
    for cycle in new_cycles:
        listing = " -> ".join(sorted(cycle))
        yield Check("cycle", sorted(cycle)[0], "failed", f"new import cycle between {listing}")
    if not new_cycles:
        yield Check("cycle", "imports", "passed", f"no new import cycle ({len(cycles_before)} on the base)")


def _cycles(inventory: Inventory, moves: Mapping[str, str]) -> list[frozenset[str]]:
    graph = build_graph(inventory)
    nodes = sorted({moves.get(node, node) for node in graph.nodes})
    successors: dict[str, list[str]] = {node: [] for node in nodes}
    for source, target in sorted(graph.edges):
        source, target = moves.get(source, source), moves.get(target, target)
        if source != target:
            successors[source].append(target)
    components = strongly_connected_components(nodes, successors)
    return [frozenset(component) for component in components if len(component) > 1]


def stdlib_shadow_checks(
    before: Inventory, after: Inventory, moves: Mapping[str, str], package_root: str
) -> Iterable[Check]:
    """Fail for each module the batch adds whose top-level name is a standard-library module.

    Such a module hides the standard-library one for every script that has
    its folder on ``sys.path``: a new top-level package ``logging/``, or a
    new top-level module ``email.py``.

    NOTE: a new module deeper in a package (``pkg/logging.py``) is not
    flagged; it shadows only when its own folder is put on ``sys.path``.
    """
    existing = {moves.get(facts.path, facts.path) for facts in before.files}
    shadowing: dict[str, list[str]] = {}
    for facts in after.files:
        if facts.path in existing:
            continue
        top = _top_level_name(facts.path, package_root)
        if top and is_stdlib_module(top):
            shadowing.setdefault(top, []).append(facts.path)
    for top, paths in sorted(shadowing.items()):
        yield Check(
            "stdlib-shadow",
            top,
            "failed",
            f"new module {top} ({', '.join(sorted(paths)[:3])}) shadows the standard-library module {top}; "
            "choose another package name or target",
        )
    if not shadowing:
        yield Check("stdlib-shadow", "modules", "passed", "no new module shadows the standard library")


def _top_level_name(path: str, package_root: str) -> str:
    if package_root:
        prefix = package_root.rstrip("/") + "/"
        if path.startswith(prefix):
            path = path[len(prefix) :]
    first = path.split("/")[0]
    return first[:-3] if first.endswith(".py") else first


# Dynamic ---------------------------------------------------------------------


def _symbol_checks(
    symbols: Sequence[SymbolMove], before: Path, after: Path, python: Optional[str], isolate: bool, timeout: float
) -> Iterable[Check]:
    """Check that each moved function or class is one object under its old and its new module."""
    for symbol in symbols:
        old_module = path_to_module(symbol.source_path)
        if not old_module:
            yield Check("symbol", symbol.rule, "skipped", f"{symbol.source_path} has no importable dotted name")
            continue
        subject = f"{old_module}.{symbol.name} -> {symbol.new_module}.{symbol.name}"
        arguments = ["-c", _SYMBOL_CHECK, old_module, symbol.new_module, symbol.name]
        result = run_json(after, arguments, python, isolate, timeout)
        if result.get("error"):
            status = "pre-existing" if import_error(before, old_module, "", python, isolate, timeout) else "failed"
            yield Check("symbol", subject, status, f"import failed: {result['error']}")
        elif not result.get("same"):
            yield Check("symbol", subject, "failed", "the old and new modules give two different objects")
        else:
            detail = f"old and new imports give the same object, defined in {result.get('defined_in') or '?'}"
            yield Check("symbol", subject, "passed", detail)


def _entry_point_checks(
    batch: BatchConfig,
    paths: Sequence[str],
    moves: Mapping[str, str],
    inventory: Inventory,
    before: Path,
    after: Path,
    python: Optional[str],
    isolate: bool,
    timeout: float,
) -> Iterable[Check]:
    """Run each of ``paths`` that is an entry point by its old path, before and after the batch.

    A file whose old path, or new path in ``moves``, matches a `never-run` glob is not started.
    """
    facts = {item.path: item for item in inventory.files}
    for path in paths:
        entry = facts.get(path)
        if entry is None or not entry.is_entry_point:
            continue
        if never_run_matches(batch.never_run, path) or never_run_matches(batch.never_run, moves.get(path, path)):
            yield Check("entry-point", path, "skipped", "listed in never-run")
            continue
        arguments = [path, *batch.entry_point_args]
        run_before = functools.partial(run_python, arguments, cwd=before, python=python, isolate_network=isolate, timeout=timeout)

        old_run = run_before()
        new_run = run_python(arguments, cwd=after, python=python, isolate_network=isolate, timeout=timeout)
        yield _compare_runs(path, arguments, old_run, new_run, run_before)


def _compare_runs(
    path: str, arguments: Sequence[str], old: ProcessResult, new: ProcessResult, run_before: Callable[[], ProcessResult]
) -> Check:
    command = "python " + " ".join(arguments)
    if old.returncode != new.returncode:
        return Check(
            "entry-point",
            path,
            "failed",
            f"`{command}` exited {old.returncode} before and {new.returncode} after: {tail(new.stderr)}",
        )
    status = "passed" if old.returncode == 0 else "pre-existing"
    if old.stdout == new.stdout:
        return Check("entry-point", path, status, f"`{command}` exited {new.returncode} before and after, same output")

    # Output with timestamps or timings differs between any two runs, so a second run on
    # the base separates such output from a change the batch made.
    again = run_before()
    if again.returncode == old.returncode and again.stdout != old.stdout:
        return Check(
            "entry-point",
            path,
            status,
            f"`{command}` exited {new.returncode} before and after; its output differs from run to run, so it was not compared",
        )
    return Check("entry-point", path, "failed", f"`{command}` printed different output after the batch")


class _Steps:
    """Report progress of verification to an optional ``progress(done, total)`` callback."""

    def __init__(self, progress: Optional[Progress], total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def advance(self, count: int = 1) -> None:
        self.done = min(self.done + count, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def each(self, checks: Iterable[Check]) -> Iterable[Check]:
        for check in checks:
            self.advance()
            yield check

    def finish(self) -> None:
        self.done = self.total - 1
        self.advance()


# The target's own tests ------------------------------------------------------


def check_test_suite(
    command: SuiteCommand, before: Path, after: Path, isolate: bool, timeout: float, steps: _Steps
) -> list[Check]:
    """Run the test command in both checkouts and compare the outcomes test by test."""
    base_run = run_test_suite(command, before, isolate, timeout)
    steps.advance()
    branch_run = run_test_suite(command, after, isolate, timeout)
    steps.advance()
    return compare_test_runs(command.text, base_run, branch_run)
