"""Apply a batch: build it in a temporary worktree as two commits on `codemod/<batch>`.

Commit 1 contains only renames, so `git log --follow` and `git blame` follow
each file. Commit 2 contains the rewritten imports, new `__init__.py` files,
the shims at the old paths and the shim manifest. The user's checkout is
never touched. The branch appears only once both commits exist, and any
failure or interrupt removes the worktree (docs/safety.md has the details).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from codemods.config import Config, load_config
from codemods.errors import BatchError, GitError
from codemods.gitops import BRANCH_PREFIX, Repository, Worktree, batch_of, made_by_codemod
from codemods.model import DEFAULT_REWRITE_OPTIONS, RewriteOptions
from codemods.plan import FileMove, Finding, Plan, expand_moves, plan_batch
from codemods.workspace import ProgressCallback, file_reader, scan_target, write_file
from inventory import build_graph
from inventory.model import Inventory
from shimgen.manifest import (
    MANIFEST_PATH,
    ManifestError,
    ShimRecord,
    load_manifest,
    merge_records,
    parse_manifest,
    save_manifest,
)
from shimgen.render import is_generated_shim, render_shim

logger = logging.getLogger(__name__)


PAUSE_ENV = "CODEMOD_TEST_PAUSE_AT"  # "<step>:<marker file>", for the interrupt tests only


@dataclass(frozen=True)
class ApplyResult:
    batch: str
    branch: str
    base: str
    rename_commit: str
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
) -> ApplyResult:
    """Build ``batch`` on its own branch and return what was committed.

    With ``rebuild``, an existing branch whose base moved on is built again
    from the new base, provided every commit on it is one codemod made.
    """
    repository = Repository(root)
    config = load_config(repository.root)
    config.batch(batch)
    branch = branch_name(batch)
    repository.check_branch_name(branch)

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
        pause_point("base-chosen")
        result = _build_in_worktree(repository, config, batch, branch, base, replaces, progress, options)
        return replace(result, cleaned=cleaned, rebuilt=replaces is not None)


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
    module exists.
    """
    # NOTE: a batch that moves only tests leaves neither shims nor records, so it is not detected here.
    head = repository.head_commit()
    manifest = repository.show_file(head, MANIFEST_PATH)
    if manifest:
        try:
            records = parse_manifest(manifest.decode("utf-8", "replace"), source=f"HEAD:{MANIFEST_PATH}")
        except ManifestError:
            records = []
        if any(record.batch == batch for record in records):
            return True
    rules = [rule for rule in config.batch(batch).moves if rule.kind == "file"]
    if not rules:
        return False
    for rule in rules:
        source = repository.show_file(head, rule.source)
        header = is_generated_shim(source.decode("utf-8", "replace")) if source is not None else None
        if header is None or header.batch != batch:
            return False
        target = _module_paths(config, rule.target)
        if not any(repository.show_file(head, path) is not None for path in target):
            return False
    return True


def _module_paths(config: Config, module: str) -> tuple[str, str]:
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
    inventory = scan_target(folder, config, use_cache=False, progress=progress)
    plan = plan_batch(config, batch, inventory, file_reader(folder), options=options)
    if not plan.moves:
        raise BatchError(f"batch {batch!r} selects no files; check its moves.")
    plan = _leave_symlinks(folder, plan)
    pause_point("planned")

    rename_commit = _commit_renames(worktree, plan)
    pause_point("renames-committed")
    rewrite_commit = _commit_rewrites(worktree, folder, plan)
    return ApplyResult(
        batch, branch, base.commit, rename_commit, rewrite_commit, plan, base_ref=base.ref, base_reason=base.reason
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
    unmerged = [name for name in _unmerged_batches(repository, config, head) if not _stacks_on(repository, name, batch, head)]
    unapplied = [name for name in earlier if not _is_applied(repository, name, head)]
    if not unmerged and not unapplied:
        return Base(head, "HEAD", "no other batch is applied and waiting to be merged")

    with repository.temporary_checkout(head) as folder:
        inventory = scan_target(folder, config, use_cache=False)
    footprints = _footprints(config, inventory)
    _reject_out_of_order(config, batch, unapplied, inventory, footprints)

    touched = footprints[batch].touched
    sharing = [name for name in unmerged if footprints[name].touched & touched]
    if not sharing:
        return Base(head, "HEAD", f"no file is shared with the unmerged batch(es) {', '.join(unmerged)}")
    top = _topmost_branch(repository, batch, sharing)
    shared = sorted(footprints[top].touched & touched)
    return Base(
        repository.branch_commit(branch_name(top)),
        branch_name(top),
        f"batch {top} is applied but not merged and shares {_count(len(shared), 'file')} with {batch} "
        f"({', '.join(shared[:3])}{', ...' if len(shared) > 3 else ''})",
    )


def _earlier_batches(config: Config, batch: str) -> list[str]:
    names = [item.name for item in config.batches]
    return names[: names.index(batch)]


def _unmerged_batches(repository: Repository, config: Config, head: str) -> list[str]:
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


def _is_applied(repository: Repository, batch: str, head: str) -> bool:
    """Return True when the batch has a branch, or its shims are already in HEAD's manifest."""
    if repository.branch_exists(branch_name(batch)):
        return True
    manifest = repository.show_file(head, MANIFEST_PATH) or b""
    return f'"batch": "{batch}"'.encode() in manifest


@dataclass(frozen=True)
class _Footprint:
    """The files of one batch in a checkout: those it moves, and those plus their importers."""

    moved: frozenset[str]
    touched: frozenset[str]


def _footprints(config: Config, inventory: Inventory) -> dict[str, _Footprint]:
    """Return the footprint of every configured batch on ``inventory``."""
    facts_by_path = {facts.path: facts for facts in inventory.files}
    importers: dict[str, set[str]] = {}
    for source, target in build_graph(inventory).edges:
        importers.setdefault(target, set()).add(source)

    footprints = {}
    for item in config.batches:
        try:
            moved = frozenset(move.old_path for move in expand_moves(config, item, facts_by_path))
        except BatchError:
            moved = frozenset()  # NOTE: a batch whose files are gone (merged, or a wrong path) shares nothing
        footprints[item.name] = _Footprint(moved, moved.union(*(importers.get(path, set()) for path in moved)))
    return footprints


def _reject_out_of_order(
    config: Config, batch: str, unapplied: list[str], inventory: Inventory, footprints: dict[str, _Footprint]
) -> None:
    """Raise when a file ``batch`` moves imports a module that an earlier, unapplied batch moves."""
    edges = build_graph(inventory).edges
    moved = footprints[batch].moved
    needed = []
    for name in unapplied:
        theirs = footprints[name].moved
        if any(source in moved and target in theirs for source, target in edges):
            needed.append(name)
    if needed:
        order = " then ".join(f"`codemod apply --batch {name}`" for name in [*needed, batch])
        raise BatchError(
            f"batch {batch!r} moves files that import modules of {', '.join(repr(name) for name in needed)}, "
            f"which {'comes' if len(needed) == 1 else 'come'} before it in {config.path.name} and "
            f"{'is' if len(needed) == 1 else 'are'} not applied yet; apply in the configured order: {order}."
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
) -> tuple[Plan, Base]:
    """Plan ``batch`` on the base that `apply` would use.

    On HEAD the plan reads the working tree (uncommitted edits included) and
    the inventory cache; on a stacked base it reads that branch's tree.
    """
    config = load_config(root)
    config.batch(batch)
    try:
        repository = Repository(root)
        repository.head_commit()
    except GitError as error:
        inventory = scan_target(root, config, progress=progress)
        reason = f"the working tree, because {str(error).split(': ', 1)[-1].split(';')[0]}"
        return plan_batch(config, batch, inventory, file_reader(root), options=options), Base("", "working tree", reason)

    with repository.lock():
        clean_leftovers(repository)
        base = choose_base(repository, config, batch)
        if base.ref == "HEAD":
            inventory = scan_target(repository.root, config, progress=progress)
            return plan_batch(config, batch, inventory, file_reader(repository.root), options=options), base
        with repository.temporary_checkout(base.commit) as folder:
            inventory = scan_target(folder, config, use_cache=False, progress=progress)
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
    current = folder / path
    while current != folder:
        if current.is_symlink():
            return True
        current = current.parent
    return False


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


def _commit_rewrites(worktree: Worktree, folder: Path, plan: Plan) -> str:
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
        write_file(folder, spec.old_path, text.encode("utf-8"))
        written.append(spec.old_path)
        records.append(ShimRecord.from_spec(spec, text))
    manifest = folder / MANIFEST_PATH
    save_manifest(manifest, merge_records(load_manifest(manifest), records))
    pause_point("rewritten")

    worktree.add(written)
    worktree.add([MANIFEST_PATH], force=True)
    subject = f"Rewrite imports and add shims for {plan.batch}"
    body = "\n".join(
        [
            f"Import sites rewritten: {plan.rewritten_sites}",
            f"String references rewritten: {plan.rewritten_strings}",
            f"Import sites left on shims: {len(plan.kept)}",
            f"New __init__.py files: {len(plan.new_init_files)}",
            f"Shims at old paths: {len(plan.shims)} (listed in {MANIFEST_PATH})",
            "",
            "Each shim warns with a DeprecationWarning naming the new module and",
            "keeps old imports and `python old/path.py` commands working until",
            f"{plan.shims[0].remove_after if plan.shims else 'its removal date'}.",
        ]
    )
    return worktree.commit(f"{subject}\n\n{body}", plan.batch)


def _common_package(moves: Sequence[FileMove]) -> str:
    parents = [move.new_module.split(".")[:-1] or move.new_module.split(".") for move in moves]
    common = parents[0]
    for parts in parents[1:]:
        length = 0
        while length < min(len(common), len(parts)) and common[length] == parts[length]:
            length += 1
        common = common[:length]
    return ".".join(common) or moves[0].new_module.split(".")[0]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
