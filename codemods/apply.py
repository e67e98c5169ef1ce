"""Apply a batch: build it in a temporary worktree as two commits on `codemod/<batch>`.

Commit 1 contains only renames, so `git log --follow` and `git blame` follow
each file. Commit 2 contains the rewritten imports, new `__init__.py` files,
the shims at the old paths and the shim manifest. A batch that moves only
functions and classes (`path.py:Name` keys) renames nothing, so it gets
commit 2 alone, with the moved definitions and the re-exports. The user's
checkout is never touched. The branch appears only once every commit
exists, and any failure or interrupt removes the worktree (docs/safety.md
has the details).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

from codemods.config import BatchConfig, Config, MoveRule, load_config
from codemods.errors import BatchError, ConfigError, GitError, OutOfOrderError
from codemods.gitops import (
    BRANCH_PREFIX,
    BaseRecord,
    Repository,
    Worktree,
    batch_of,
    made_by_codemod,
)
from codemods.manifests import manifests_at, manifests_in
from codemods.model import DEFAULT_REWRITE_OPTIONS, RewriteOptions
from codemods.move_symbol import REEXPORT_COMMENT, SymbolMove
from codemods.plan import (
    REWRITABLE_STRING_KINDS,
    FileMove,
    Finding,
    Plan,
    batch_focus,
    expand_moves,
    path_to_module,
    plan_batch,
)
from codemods.uncommitted import uncommitted_for_batch, uncommitted_warning
from codemods.workspace import ProgressCallback, file_reader, scan_target, write_file
from inventory import build_graph
from inventory.model import Inventory
from shimgen.manifest import ManifestError, ShimRecord, manifest_path, merge_records, save_manifest
from shimgen.render import is_generated_shim, render_shim

logger = logging.getLogger(__name__)


PAUSE_ENV = "CODEMOD_TEST_PAUSE_AT"  # "<step>:<marker file>", for the interrupt tests only


@dataclass(frozen=True)
class ApplyResult:
    batch: str
    branch: str
    base: str
    rename_commit: str  # "" when the batch renames no file (only `path.py:Name` moves)
    rewrite_commit: str
    plan: Plan
    already_applied: bool = False
    base_ref: str = "HEAD"  # "HEAD" or the branch of the batch this one is stacked on
    base_reason: str = ""
    cleaned: Optional[str] = None  # what an interrupted run had left and this run removed
    rebuilt: bool = False


def branch_name(batch: str) -> str:
    return f"{BRANCH_PREFIX}{batch}"


def apply_batch(
    root: Path,
    batch: str,
    *,
    rebuild: bool = False,
    progress: Optional[ProgressCallback] = None,
    options: RewriteOptions = DEFAULT_REWRITE_OPTIONS,
    warn: Optional[Callable[[str], None]] = None,
) -> ApplyResult:
    """Build ``batch`` on its own branch and return what was committed.

    With ``rebuild``, an existing branch whose base moved on is built again
    from the new base, provided every commit on it is one codemod made.
    Before a build, ``warn`` (default: the log) receives one message listing
    the uncommitted files that matter to the batch, which the branch leaves out.
    """
    repository = Repository(root)
    config = load_config(repository.root)
    config.batch(batch)
    branch = branch_name(batch)
    repository.check_branch_name(branch)
    try:
        manifest_path(batch)
    except ManifestError as error:
        raise ConfigError(f"{config.path}: {error}") from None
    warn = warn or logger.warning

    with repository.lock(), _sigterm_as_interrupt():
        pause_point("locked")
        cleaned = clean_leftovers(repository)
        _check_repository(repository)
        replaces: Optional[str] = None
        if repository.branch_exists(branch):
            if not rebuild:
                return _already_applied(repository, config, batch, branch, cleaned)
            replaces = _check_rebuild(repository, batch, branch)
        elif _merged_in_head(repository, config, batch):
            return _merged_already(repository, config, batch, cleaned)

        base = choose_base(repository, config, batch)
        if replaces is not None and base_of_branch(repository, branch, batch) == base.commit:
            result = _already_applied(repository, config, batch, branch, cleaned)
            return replace(result, base=base.commit, base_ref=base.ref, base_reason=base.reason)
        _warn_uncommitted(repository, config, batch, base, "apply", warn)
        pause_point("base-chosen")
        result = _build_in_worktree(repository, config, batch, branch, base, replaces, progress, options)
        _record_base(repository, batch, base, result.rewrite_commit)
        return replace(result, cleaned=cleaned, rebuilt=replaces is not None)


def _warn_uncommitted(
    repository: Repository, config: Config, batch: str, base: Base, command: str, warn: Callable[[str], None]
) -> None:
    """Pass ``warn`` one message that lists the uncommitted files that matter to ``batch``, if there are any."""
    files = uncommitted_for_batch(repository, config, batch)
    if files:
        head_branch = repository.current_branch()
        warn(uncommitted_warning(files, batch=batch, command=command, base_ref=base.ref, base_commit=base.commit, head_branch=head_branch))


def _record_base(repository: Repository, batch: str, base: Base, tip: str) -> None:
    """Record the branch the batch was built on, so `status` can name it later.

    On HEAD that is the checked-out branch, which may point at the same
    commit as a batch branch. Without a record, `status` works it out from
    the commits alone.
    """
    name = base.ref if base.ref != "HEAD" else repository.current_branch() or ""
    try:
        repository.record_base(BaseRecord(batch=batch, tip=tip, base_commit=base.commit, base=name))
    except OSError as error:
        logger.warning("could not record the base of batch %s in the git folder: %s", batch, error)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Raise KeyboardInterrupt on SIGTERM too, so `kill PID` cleans up as Ctrl-C does.

    Only the main thread can set signal handlers; elsewhere SIGTERM keeps its
    default action and the next command removes what the run left.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {number}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def pause_point(step: str) -> None:
    """Wait at ``step`` while the marker file named by ``CODEMOD_TEST_PAUSE_AT`` exists.

    The interrupt tests set it to stop a real `codemod apply` at a known step
    and kill it there. The run writes the marker when it arrives and goes on
    when the test deletes the marker.
    """
    requested = os.environ.get(PAUSE_ENV, "")
    name, _, marker = requested.partition(":")
    if name != step or not marker:
        return
    path = Path(marker)
    path.write_text(str(os.getpid()), encoding="utf-8")
    while path.exists():
        time.sleep(0.02)


def clean_leftovers(repository: Repository) -> Optional[str]:
    """Remove what interrupted runs left behind; return a message when there was something.

    Every command that writes to the repository calls this first, under the lock.
    """
    leftovers = repository.find_leftovers()
    if not leftovers:
        return None
    parts = []
    for leftover in leftovers:
        repository.clean_leftover(leftover)
        parts.append(f"worktree {leftover.worktree}")
        if leftover.branch:
            parts.append(f"branch {leftover.branch}")
    message = f"cleaned up after an interrupted codemod run: removed {' and '.join(parts)}"
    logger.warning(message)  # every writing command reports it this way, whatever it prints after
    return message


def _check_repository(repository: Repository) -> None:
    repository.head_commit()
    problem = repository.identity_problem()
    if problem:
        raise GitError(f"{repository.root}: {problem}")


def _check_rebuild(repository: Repository, batch: str, branch: str) -> str:
    """Return the branch's tip when it may be rebuilt; raise when it contains commits codemod did not make."""
    if repository.current_branch() == branch:
        raise BatchError(f"{branch} is checked out; switch to another branch first (`git switch -`), then rebuild.")
    elsewhere = repository.branch_checked_out_at(branch)
    if elsewhere is not None:
        raise BatchError(
            f"{branch} is checked out in the worktree {elsewhere}; a rebuild would move the branch under it and "
            f"leave that worktree with a staged reverse diff. Remove that worktree (`git worktree remove {elsewhere}`) "
            "or switch it to another branch, then rebuild."
        )
    tip = repository.branch_commit(branch)
    base = base_of_branch(repository, branch, batch)
    foreign = repository.foreign_commits(base, tip)
    if foreign:
        listing = ", ".join(f"{commit.hexsha[:10]} {commit.summary!r}" for commit in foreign[:5])
        raise BatchError(
            f"{branch} has commits that codemod did not make ({listing}); a rebuild would drop them. Move them "
            f"to another branch, or delete {branch} yourself with `git branch -D {branch}` and apply again."
        )
    return tip


def base_of_branch(repository: Repository, branch: str, batch: str) -> str:
    """Return the commit the batch's branch was built on: the parent of its oldest codemod commit of ``batch``.

    Commits on top that codemod did not make are skipped, so a branch that
    someone committed to still reports its base.
    """
    oldest = None
    for commit in repository.first_parents(repository.branch_commit(branch)):
        if made_by_codemod(commit) and batch_of(commit) == batch:
            oldest = commit
        elif oldest is not None:
            break
    if oldest is None or not oldest.parents:
        raise BatchError(
            f"branch {branch} has no commit that codemod made for batch {batch!r}; delete it with "
            f"`git branch -D {branch}` and apply again."
        )
    return oldest.parents[0].hexsha


def _already_applied(
    repository: Repository, config: Config, batch: str, branch: str, cleaned: Optional[str]
) -> ApplyResult:
    """Describe an existing branch without checking it out, so a repeated apply returns at once."""
    tip = repository.branch_commit(branch)
    return ApplyResult(
        batch, branch, base="", rename_commit="", rewrite_commit=tip, plan=_empty_plan(config, batch), already_applied=True, cleaned=cleaned
    )


def _merged_in_head(repository: Repository, config: Config, batch: str) -> bool:
    """Return True when HEAD already contains the batch, merged and with its branch possibly deleted.

    HEAD contains it when HEAD's shim manifest has records of ``batch``, or
    when every file rule of the batch names a shim of ``batch`` whose target
    module exists. A batch without file rules is in HEAD when one of its
    `path.py:Name` moves is (see :func:`moved_symbols_at`).
    """
    # NOTE: a batch that moves only tests leaves neither shims nor records, so it is not detected here.
    head = repository.head_commit()
    if any(record.batch == batch for record in manifests_at(repository, head, label="HEAD").records):
        return True
    rules = [rule for rule in config.batch(batch).moves if rule.kind == "file"]
    if not rules:
        return bool(moved_symbols_at(repository, config.batch(batch), head))
    for rule in rules:
        source = repository.show_file(head, rule.source)
        header = is_generated_shim(source.decode("utf-8", "replace")) if source is not None else None
        if header is None or header.batch != batch:
            return False
        target = module_paths(config, rule.target)
        if not any(repository.show_file(head, path) is not None for path in target):
            return False
    return True


def moved_symbols_at(repository: Repository, batch: BatchConfig, commit: str) -> list[MoveRule]:
    """Return the `path.py:Name` rules of ``batch`` whose move ``commit`` contains.

    A move is there when the old module has the line codemod writes in place
    of the definition, ``from <target> import <Name>  # moved by codemod``.
    Spacing may differ, so a formatter run after the merge does not hide it.
    """
    # NOTE: once a later batch moves the old module itself, its path contains a shim and the line is not found.
    found = []
    texts: dict[str, Optional[bytes]] = {}
    for rule in batch.moves:
        if rule.kind != "symbol":
            continue
        if rule.source not in texts:
            texts[rule.source] = repository.show_file(commit, rule.source)
        source = texts[rule.source]
        expected = f"from {rule.target} import {rule.symbol} {REEXPORT_COMMENT}"
        if source is not None and any(
            " ".join(line.split()) == expected for line in source.decode("utf-8", "replace").splitlines()
        ):
            found.append(rule)
    return found


def module_paths(config: Config, module: str) -> tuple[str, str]:
    """Return the paths module ``module`` can have in the package: a module file or a package ``__init__.py``."""
    relative = module.replace(".", "/")
    prefix = f"{config.package_root}/" if config.package_root else ""
    return f"{prefix}{relative}.py", f"{prefix}{relative}/__init__.py"


def _merged_already(repository: Repository, config: Config, batch: str, cleaned: Optional[str]) -> ApplyResult:
    """Describe a batch that HEAD already contains; its branch may be gone, so report the checked-out branch."""
    head = repository.head_commit()
    return ApplyResult(
        batch,
        repository.current_branch() or "HEAD",
        base="",
        rename_commit="",
        rewrite_commit=head,
        plan=_empty_plan(config, batch),
        already_applied=True,
        cleaned=cleaned,
    )


def _empty_plan(config: Config, batch: str) -> Plan:
    return Plan(batch, config.package, config.package_root, (), (), (), (), (), (), ())


def _build_in_worktree(
    repository: Repository,
    config: Config,
    batch: str,
    branch: str,
    base: Base,
    replaces: Optional[str],
    progress: Optional[ProgressCallback],
    options: RewriteOptions = DEFAULT_REWRITE_OPTIONS,
) -> ApplyResult:
    """Commit the batch on a detached worktree at the base, then point the branch at the result.

    The branch appears (or moves, for a rebuild) in one ref update after both
    commits exist, so an interrupt can leave a worktree behind but never a
    half-made branch.
    """
    folder = repository.add_worktree(base.commit)
    try:
        pause_point("worktree-added")
        result = _build_batch(folder, config, batch, branch, base, progress, options)
        pause_point("committed")
        repository.create_branch(branch, result.rewrite_commit, replaces=replaces)
        pause_point("branch-created")
    except BaseException:
        repository.abandon_apply(folder, None)
        raise
    repository.remove_worktree(folder)
    repository.finish_apply(folder)
    return result


def _build_batch(
    folder: Path,
    config: Config,
    batch: str,
    branch: str,
    base: Base,
    progress: Optional[ProgressCallback],
    options: RewriteOptions = DEFAULT_REWRITE_OPTIONS,
) -> ApplyResult:
    worktree = Worktree(folder)
    inventory = scan_target(folder, config, use_cache=False, progress=progress, focus=batch_focus(config, batch))
    plan = plan_batch(config, batch, inventory, file_reader(folder), options=options)
    _reject_empty_plan(config, plan)
    plan = _leave_symlinks(folder, plan)
    pause_point("planned")

    # A batch of `path.py:Name` moves alone renames no file, so it gets no rename commit.
    rename_commit = _commit_renames(worktree, plan) if plan.moves else ""
    pause_point("renames-committed")
    rewrite_commit = _commit_rewrites(worktree, folder, plan, base.ref)
    return ApplyResult(
        batch, branch, base.commit, rename_commit, rewrite_commit, plan, base_ref=base.ref, base_reason=base.reason
    )


def _reject_empty_plan(config: Config, plan: Plan) -> None:
    """Raise when the plan moves neither a file nor a function or class, naming why each symbol move was left alone."""
    if plan.moves or plan.symbol_moves:
        return
    left_alone = [finding for finding in plan.hazards if finding.kind == "symbol-kept"]
    if left_alone:
        reasons = "; ".join(
            f"{finding.file}:{finding.line}: {finding.message}" if finding.line else f"{finding.file}: {finding.message}"
            for finding in left_alone[:3]
        )
        more = f" (and {len(left_alone) - 3} more)" if len(left_alone) > 3 else ""
        raise BatchError(
            f"batch {plan.batch!r} moves nothing: it selects no file, and every function or class move was left "
            f"alone: {reasons}{more}. Fix those moves in {config.path.name}; `codemod plan --batch {plan.batch}` "
            "lists every hazard."
        )
    raise BatchError(
        f"batch {plan.batch!r} selects neither files nor functions or classes to move; check its moves in "
        f"{config.path.name} (`codemod plan --batch {plan.batch}` shows what each rule selects and which files it keeps)."
    )


# Bases and stacking ------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """The commit a batch's branch starts from, and why."""

    commit: str
    ref: str  # "HEAD", or the branch of the batch this one stacks on
    reason: str


def choose_base(repository: Repository, config: Config, batch: str) -> Base:
    """Pick the base of ``batch``: HEAD, or the branch of an applied, unmerged batch it shares files with.

    Two batches share a file when a file that one moves or rewrites is one
    that the other moves or rewrites. Raise when an earlier batch of the
    configuration that ``batch`` depends on is not applied yet, or when the
    batches it shares files with sit on separate branches.
    """
    head = repository.head_commit()
    earlier = _earlier_batches(config, batch)
    waiting = _unmerged_batches(repository, config, head)
    above = [name for name in waiting if name != batch and _stacks_on(repository, name, batch, head)]
    unmerged = [name for name in waiting if name != batch and name not in above]
    unapplied = [name for name in earlier if not _is_applied(repository, config, name, head)]
    if not unmerged and not unapplied:
        return Base(head, "HEAD", _head_reason(batch, unmerged, above, unapplied))

    every_batch = batch_focus(config, *(item.name for item in config.batches))
    if _working_tree_is_head(repository, config):
        # The same files as HEAD, so the checkout and its cache serve; no temporary worktree is needed.
        inventory = scan_target(repository.root, config, focus=every_batch)
    else:
        with repository.temporary_checkout(head) as folder:
            inventory = scan_target(folder, config, use_cache=False, focus=every_batch)
    footprints = _footprints(config, inventory)
    _reject_out_of_order(config, batch, unapplied, inventory, footprints)

    touched = footprints[batch].touched
    sharing = [name for name in unmerged if footprints[name].touched & touched]
    if not sharing:
        return Base(head, "HEAD", _head_reason(batch, unmerged, above, unapplied))
    top = _topmost_branch(repository, batch, sharing)
    shared = sorted(footprints[top].touched & touched)
    return Base(
        repository.branch_commit(branch_name(top)),
        branch_name(top),
        f"batch {top} is applied but not merged and shares {_count(len(shared), 'file')} with {batch} "
        f"({', '.join(shared[:3])}{', ...' if len(shared) > 3 else ''})",
    )


def _head_reason(batch: str, unmerged: list[str], above: list[str], unapplied: list[str]) -> str:
    """Say why ``batch`` starts from HEAD, for the `base:` line of `plan` and `apply`.

    ``unmerged`` are the other applied, unmerged batches, none of which shares a
    file with ``batch``. ``above`` are unmerged batches built on top of ``batch``,
    which cannot be its base. ``unapplied`` are the earlier batches that are not
    applied, none of which ``batch`` depends on.
    """
    if unmerged:
        reason = f"{batch} shares no file with the unmerged {_batches(unmerged)}"
    else:
        reason = "no other batch is applied and waiting to be merged"
        if above:
            reason += f" apart from {_names(above)}, which {'is' if len(above) == 1 else 'are'} built on {batch}"
    if unapplied:
        subject = "" if unmerged else f" {batch}"  # the first clause starts with the batch when it lists unmerged ones
        verb = "is" if len(unapplied) == 1 else "are"
        reason += f", and{subject} does not depend on the earlier {_batches(unapplied)}, which {verb} not applied yet"
    return reason


def _batches(names: list[str]) -> str:
    """Return "batch a" or "batches a and b", for messages."""
    return f"{'batch' if len(names) == 1 else 'batches'} {_names(names)}"


def _names(names: list[str]) -> str:
    """Join names as a sentence lists them: "a", "a and b", "a, b and c"."""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _working_tree_is_head(repository: Repository, config: Config) -> bool:
    """Return True when no file differs from HEAD or is untracked, apart from the configuration file."""
    try:
        config_path = config.path.resolve().relative_to(repository.root.resolve()).as_posix()
    except ValueError:
        config_path = ""
    return all(entry.path == config_path for entry in repository.uncommitted_paths())


def _earlier_batches(config: Config, batch: str) -> list[str]:
    names = [item.name for item in config.batches]
    return names[: names.index(batch)]


def _unmerged_batches(repository: Repository, config: Config, head: str) -> list[str]:
    """Return the configured batches, in their configured order, whose branch exists and is not contained in ``head``."""
    names = []
    for item in config.batches:
        branch = branch_name(item.name)
        if repository.branch_exists(branch) and not repository.is_ancestor(repository.branch_commit(branch), head):
            names.append(item.name)
    return names


def _stacks_on(repository: Repository, other: str, batch: str, head: str) -> bool:
    """Return True when ``other`` is ``batch`` or its branch contains a commit of ``batch`` (any build of it)."""
    if other == batch:
        return True
    tip = repository.branch_commit(branch_name(other))
    return any(batch_of(commit) == batch for commit in repository.commits_between(head, tip))


def _is_applied(repository: Repository, config: Config, batch: str, head: str) -> bool:
    """Return True when the batch has a branch, its shims are in HEAD's manifest, or HEAD has its symbol moves."""
    if repository.branch_exists(branch_name(batch)):
        return True
    if any(record.batch == batch for record in manifests_at(repository, head, label="HEAD").records):
        return True
    return bool(moved_symbols_at(repository, config.batch(batch), head))


@dataclass(frozen=True)
class _Footprint:
    """The files of one batch in a checkout, by the role they play in it."""

    moved: frozenset[str]  # old paths of the files it moves
    touched: frozenset[str]  # every file it edits, creates or moves: stacking compares these
    created: frozenset[str] = frozenset()  # new paths of the files it moves
    symbol_sources: frozenset[str] = frozenset()  # files it moves a function or class out of
    symbol_modules: frozenset[str] = frozenset()  # the paths each module receiving a function or class can have


def _footprints(config: Config, inventory: Inventory) -> dict[str, _Footprint]:
    """Return the footprint of every configured batch on ``inventory``."""
    facts_by_path = {facts.path: facts for facts in inventory.files}
    importers: dict[str, set[str]] = {}
    for source, target in build_graph(inventory).edges:
        importers.setdefault(target, set()).add(source)
    name_importers: dict[tuple[str, str], set[str]] = {}  # (module file, imported name) -> importing files
    for resolved in inventory.imports:
        site = resolved.site
        if site.kind == "from" and site.name and resolved.resolution.target:
            name_importers.setdefault((resolved.resolution.target, site.name), set()).add(site.file)

    footprints = {}
    for item in config.batches:
        try:
            file_moves = expand_moves(config, item, facts_by_path)
        except BatchError:
            file_moves = ()  # NOTE: a batch whose files are gone (merged, or a wrong path) shares nothing
        moved = frozenset(move.old_path for move in file_moves)
        created = frozenset(move.new_path for move in file_moves)
        symbols = [rule for rule in item.moves if rule.kind == "symbol" and rule.source in facts_by_path]
        sources = frozenset(rule.source for rule in symbols)
        modules = frozenset(path for rule in symbols for path in module_paths(config, rule.target))
        symbol_touched: set[str] = set()
        for rule in symbols:
            symbol_touched |= name_importers.get((rule.source, rule.symbol), set())
            symbol_touched |= _files_naming_symbol(inventory, rule)
        touched = moved.union(*(importers.get(path, set()) for path in moved), created, sources, modules, symbol_touched)
        footprints[item.name] = _Footprint(moved, touched, created, sources, modules)
    return footprints


def _files_naming_symbol(inventory: Inventory, rule: MoveRule) -> set[str]:
    """Return the files with a string reference (`mock.patch` and the like) to the function or class ``rule`` moves."""
    names = {*inventory.names_of(rule.source), path_to_module(rule.source) or ""}
    dotted = {f"{name}.{rule.symbol}" for name in names if name}
    return {
        facts.path
        for facts in inventory.files
        for reference in facts.strings
        if reference.kind in REWRITABLE_STRING_KINDS
        and any(reference.value == name or reference.value.startswith(name + ".") for name in dotted)
    }


def _reject_out_of_order(
    config: Config, batch: str, unapplied: list[str], inventory: Inventory, footprints: dict[str, _Footprint]
) -> None:
    """Raise when ``batch`` depends on an earlier batch of the configuration that is not applied yet.

    It depends on one in three cases. A file it moves imports a module that the
    earlier batch moves. It moves a function or class into a module that the
    earlier batch creates. It moves a file that the earlier batch moves a
    definition out of.
    """
    edges = build_graph(inventory).edges
    mine = footprints[batch]
    needed: dict[str, str] = {}
    for name in unapplied:
        theirs = footprints[name]
        if any(source in mine.moved and target in theirs.moved for source, target in edges):
            needed[name] = f"{batch} moves files that import modules {name} moves"
        elif mine.symbol_modules & theirs.created:
            needed[name] = f"{batch} moves definitions into a module {name} creates"
        elif mine.moved & theirs.symbol_sources:
            needed[name] = f"{batch} moves a file that {name} moves a definition out of"
    if needed:
        order = " then ".join(f"`codemod apply --batch {name}`" for name in [*needed, batch])
        raise OutOfOrderError(
            f"batch {batch!r} depends on {', '.join(repr(name) for name in needed)}, which "
            f"{'comes' if len(needed) == 1 else 'come'} before it in {config.path.name} and "
            f"{'is' if len(needed) == 1 else 'are'} not applied yet ({'; '.join(needed.values())}); "
            f"apply in the configured order: {order}."
        )


def _topmost_branch(repository: Repository, batch: str, sharing: list[str]) -> str:
    """Return the batch among ``sharing`` whose branch contains all the others, or raise."""
    tips = {name: repository.branch_commit(branch_name(name)) for name in sharing}
    for name, tip in tips.items():
        if all(repository.is_ancestor(other, tip) for other in tips.values()):
            return name
    raise BatchError(
        f"batch {batch!r} shares files with the unmerged batches {', '.join(sorted(sharing))}, which are on "
        "separate branches, so no single base contains them all; merge one of them first, or roll one back "
        "(`codemod rollback --batch NAME`) and apply it again so that it stacks on the other."
    )


def plan_with_base(
    root: Path,
    batch: str,
    *,
    progress: Optional[ProgressCallback] = None,
    options: RewriteOptions = DEFAULT_REWRITE_OPTIONS,
    warn: Optional[Callable[[str], None]] = None,
) -> tuple[Plan, Base]:
    """Plan ``batch`` on the base that `apply` would use.

    On HEAD the plan reads the working tree (uncommitted edits included) and
    the inventory cache; on a stacked base it reads that branch's tree.
    Either way, ``warn`` (default: the log) receives one message listing the
    uncommitted files that matter to the batch, which `apply` will not see.
    """
    warn = warn or logger.warning
    config = load_config(root)
    config.batch(batch)
    try:
        repository = Repository(root)
        repository.head_commit()
    except GitError as error:
        inventory = scan_target(root, config, progress=progress, focus=batch_focus(config, batch))
        # The `base:` line reads "base: working tree, because <reason>", so the reason is the error alone.
        reason = str(error).split(": ", 1)[-1].split(";")[0]
        return plan_batch(config, batch, inventory, file_reader(root), options=options), Base("", "working tree", reason)

    with repository.lock():
        clean_leftovers(repository)
        try:
            base = choose_base(repository, config, batch)
        except OutOfOrderError as error:
            # A preview is still useful, so plan on HEAD and warn that apply rejects the batch for now.
            warn(f"{error} Until then this plan shows the batch on HEAD, and `codemod apply` rejects it.")
            base = Base(repository.head_commit(), "HEAD", "an earlier batch it depends on is not applied yet")
        _warn_uncommitted(repository, config, batch, base, "plan", warn)
        if base.ref == "HEAD":
            inventory = scan_target(repository.root, config, progress=progress, focus=batch_focus(config, batch))
            return plan_batch(config, batch, inventory, file_reader(repository.root), options=options), base
        with repository.temporary_checkout(base.commit) as folder:
            inventory = scan_target(folder, config, use_cache=False, progress=progress, focus=batch_focus(config, batch))
            return plan_batch(config, batch, inventory, file_reader(folder), options=options), base


def _leave_symlinks(folder: Path, plan: Plan) -> Plan:
    """Raise when a moved file is a symbolic link; drop rewrites of links and report them as hazards.

    Writing through a link would turn it into a regular file, and the file it
    points to is rewritten on its own when it is inside the repository.
    """
    for move in plan.moves:
        if _is_link(folder, move.old_path):
            raise BatchError(
                f"{move.old_path} is a symbolic link (to {os.readlink(folder / move.old_path)}); moving it would "
                "break the link. Move the file it points to instead, and leave the link out of the batch."
            )
    for symbol in plan.symbol_moves:
        for path in (symbol.source_path, symbol.dest_path):
            link = _link_in_path(folder, path)
            if link is not None:
                raise BatchError(
                    f"{path} goes through the symbolic link {link.relative_to(folder).as_posix()} (to "
                    f"{os.readlink(link)}), so {symbol.rule!r} cannot move the definition without turning the "
                    "link into a regular file; name the real path in the key or target instead."
                )
    links = {change.path for change in plan.changes if change.changed and _is_link(folder, change.path)}
    if not links:
        return plan
    hazards = tuple(
        Finding(path, 0, "symlink", "a symbolic link is not rewritten; the file it points to is rewritten instead")
        for path in sorted(links)
    )
    return replace(
        plan,
        changes=tuple(change for change in plan.changes if change.path not in links),
        hazards=plan.hazards + hazards,
    )


def _is_link(folder: Path, path: str) -> bool:
    """Return True when ``path`` or one of its parent folders inside ``folder`` is a symbolic link."""
    return _link_in_path(folder, path) is not None


def _link_in_path(folder: Path, path: str) -> Optional[Path]:
    """Return the deepest part of ``folder / path`` that is a symbolic link, or None when no part is one."""
    current = folder / path
    while current != folder:
        if current.is_symlink():
            return current
        current = current.parent
    return None


def _commit_renames(worktree: Worktree, plan: Plan) -> str:
    for move in plan.moves:
        worktree.move(move.old_path, move.new_path)
    pause_point("moved")
    subject = f"Move {plan.batch}: {_count(len(plan.moves), 'module')} into {_common_package(plan.moves)}"
    body = "\n".join(
        [
            "Renames only, so that git log --follow and git blame follow each",
            "file to its new path. Imports and shims follow in the next commit.",
            "",
            *(f"  {move.old_path} -> {move.new_path}" for move in plan.moves),
        ]
    )
    return worktree.commit(f"{subject}\n\n{body}", plan.batch)


def _commit_rewrites(worktree: Worktree, folder: Path, plan: Plan, base_label: str) -> str:
    """Commit the rewritten files, new modules, new ``__init__.py`` files, shims and the batch's manifest.

    A rewritten file keeps its mode, so a script git records as 100755 stays
    executable. New files are 100644, apart from the shim at the old path of an
    executable script, which is 100755 and starts with the script's shebang.
    """
    written: list[str] = []
    for change in plan.changes:
        if change.changed:
            write_file(folder, change.new_path, change.after)
            written.append(change.new_path)
    for init in plan.new_init_files:
        write_file(folder, init, b"")
        written.append(init)

    records = []
    for spec in plan.shims:
        text = render_shim(spec)
        write_file(folder, spec.old_path, text.encode("utf-8"), executable=spec.executable)
        written.append(spec.old_path)
        records.append(ShimRecord.from_spec(spec, text))
    manifest = _write_batch_manifest(folder, plan.batch, records, base_label)
    pause_point("rewritten")

    # `git add` takes the mode from the file only while core.fileMode is true, so executable shims are marked.
    worktree.add(written, executable=[spec.old_path for spec in plan.shims if spec.executable])
    if manifest:
        worktree.add([manifest], force=True)
    return worktree.commit(_rewrite_message(plan), plan.batch)


def _write_batch_manifest(folder: Path, batch: str, records: Sequence[ShimRecord], base_label: str) -> str:
    """Merge ``records`` into the manifest file of ``batch`` in ``folder``; return its path, or "" when none is written.

    ``folder`` contains the base (``base_label``, such as HEAD or `codemod/A`) with the renames committed.

    Only this batch's file changes, so batches built in parallel never edit the
    same file. A batch without shims adds no empty file. Raises BatchError when
    another manifest file of the base already lists one of the old paths, or has
    a name that differs from this batch's file only in case.
    """
    path = manifest_path(batch)
    manifests = manifests_in(folder, label=base_label)
    if not records and path not in manifests.files:
        return ""

    for record in records:
        holder = manifests.file_of(record.old_path)
        if holder is not None and holder != path:
            raise BatchError(
                f"{holder} already lists a shim at {record.old_path}, which batch {batch!r} now moves; delete that "
                "stale record (`codemod prune` drops records whose shim file is gone) and apply again."
            )
    for other in manifests.files:
        if other != path and other.lower() == path.lower():
            raise BatchError(
                f"{other} and {path} differ only in case and would be one file on case-insensitive file systems "
                f"(macOS, Windows); rename batch {batch!r} in the configuration."
            )

    save_manifest(folder / path, merge_records(manifests.files.get(path, ()), records))
    return path


def _rewrite_message(plan: Plan) -> str:
    """Return the message of the commit that contains the rewrites, the moved definitions and the shims."""
    kept = Counter(finding.kind for finding in plan.kept)
    counts = [
        f"Import sites rewritten: {plan.rewritten_sites}",
        f"String references rewritten: {plan.rewritten_strings}",
    ]
    if plan.moves:
        counts.append(f"Import sites left on shims: {kept['kept-on-shim']}")
    if plan.symbol_moves:
        counts.append(f"Import sites left on re-exports: {kept['kept-on-reexport']}")
    counts.append(f"New __init__.py files: {len(plan.new_init_files)}")
    symbols = [f"  {symbol.rule} -> {symbol.new_module} ({symbol.dest_path})" for symbol in plan.symbol_moves]

    if not plan.moves:
        subject = f"Move {plan.batch}: {_moved_definitions(plan.symbol_moves)}"
        why = [
            "Move each function or class with rope and import it from its new",
            "module at every import site that can reach the package. The old",
            "module keeps the name through a re-export marked `# moved by",
            "codemod`, so imports of the old name keep working. No file is",
            "renamed and no shim is added.",
        ]
        return "\n".join([subject, "", *why, "", *symbols, "", *counts])

    subject = f"Rewrite imports and add shims for {plan.batch}"
    counts.append(f"Shims at old paths: {len(plan.shims)} (listed in {manifest_path(plan.batch)})")
    if plan.symbol_moves:
        counts += [f"Functions and classes moved: {len(plan.symbol_moves)}", *symbols]
    why = [
        "Each shim warns with a DeprecationWarning naming the new module and",
        "keeps old imports and `python old/path.py` commands working until",
        f"{plan.shims[0].remove_after if plan.shims else 'its removal date'}.",
    ]
    return "\n".join([subject, "", *counts, "", *why])


def _moved_definitions(symbols: Sequence[SymbolMove]) -> str:
    """Return the subject's summary of moved definitions: the name and module of one, or a count and a package."""
    if len(symbols) == 1:
        return f"{symbols[0].name} into {symbols[0].new_module}"
    common = _common_prefix([symbol.new_module.split(".") for symbol in symbols])
    return f"{len(symbols)} definitions into {'.'.join(common) or symbols[0].new_module.split('.')[0]}"


def _common_package(moves: Sequence[FileMove]) -> str:
    parents = [move.new_module.split(".")[:-1] or move.new_module.split(".") for move in moves]
    return ".".join(_common_prefix(parents)) or moves[0].new_module.split(".")[0]


def _common_prefix(names: Sequence[list[str]]) -> list[str]:
    """Return the longest list of leading parts that every dotted name in ``names`` shares."""
    common = names[0]
    for parts in names[1:]:
        length = 0
        while length < min(len(common), len(parts)) and common[length] == parts[length]:
            length += 1
        common = common[:length]
    return common


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
