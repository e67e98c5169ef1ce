"""State of each configured batch, and rollback of an unmerged one."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from codemods.apply import base_of_branch, branch_name, clean_leftovers, moved_symbols_at
from codemods.config import BatchConfig, Config, MoveRule, load_config
from codemods.errors import BatchError, CodemodError
from codemods.gitops import BRANCH_PREFIX, Repository
from codemods.manifests import manifests_at
from codemods.plan import batch_focus
from codemods.workspace import scan_target
from inventory.model import Inventory
from shimgen.manifest import ShimRecord

logger = logging.getLogger(__name__)

PLANNED = "planned"  # no branch, and neither a shim nor a moved function or class of the batch in HEAD
APPLIED = "applied"  # its branch exists and is not merged into HEAD
MERGED = "merged"  # its shims, or for a batch without shims its moved functions and classes, are in HEAD
PRUNED = "pruned"  # merged, and none of its shims is left in HEAD


@dataclass(frozen=True)
class BatchStatus:
    """One configured batch as `codemod status` shows it."""

    name: str
    branch: str
    state: str  # PLANNED, APPLIED, MERGED or PRUNED
    base: str = ""  # the branch the batch was built on (`main`, or `codemod/A` when stacked), else its commit
    commits: int = 0  # commits on the branch that HEAD does not have
    tip: str = ""
    moved: int = 0  # files the batch moved
    shims: int = 0  # shims of the batch in the checkout it is measured on
    old_name_uses: Optional[int] = None  # import sites that still reach a shim, or import a moved name from its old module
    symbols: int = 0  # functions and classes the batch moved (`path.py:Name` keys)
    stale: str = ""  # why an applied batch must be rebuilt: the branch it is stacked on moved on


def batch_statuses(root: Path, *, count_uses: bool = True) -> list[BatchStatus]:
    """Return one row per configured batch, in configuration order.

    ``old_name_uses`` is measured on HEAD's working tree for merged batches
    and on the branch for applied ones, from a fresh inventory of each.
    """
    repository = Repository(root)
    config = load_config(repository.root)
    head = repository.head_commit()
    head_records = manifests_at(repository, head, label="HEAD").records
    working_tree: Optional[Inventory] = None

    rows = []
    for batch in config.batches:
        row = _batch_row(repository, batch, head, head_records)
        if count_uses and row.state == MERGED:
            if working_tree is None:
                working_tree = scan_target(repository.root, config)
            symbols = moved_symbols_at(repository, batch, head)
            row = _with_uses(row, working_tree, head_records, symbols)
        elif count_uses and row.state == APPLIED:
            symbols = moved_symbols_at(repository, batch, repository.branch_commit(row.branch))
            inventory = _scan_branch(repository, config, row.branch, batch.name)
            row = _with_uses(row, inventory, _branch_records(repository, row.branch), symbols)
        rows.append(row)
    return rows


def _batch_row(repository: Repository, batch: BatchConfig, head: str, head_records: list[ShimRecord]) -> BatchStatus:
    name = batch.name
    branch = branch_name(name)
    in_head = [record for record in head_records if record.batch == name]
    if not repository.branch_exists(branch):
        symbols = len(moved_symbols_at(repository, batch, head))
        if not in_head:
            # A batch of `path.py:Name` moves alone leaves no shim record, only its re-exports.
            return BatchStatus(name, branch, MERGED if symbols else PLANNED, symbols=symbols)
        live = _live_shims(repository, head, in_head)
        return BatchStatus(name, branch, MERGED if live else PRUNED, moved=len(in_head), shims=live, symbols=symbols)

    tip = repository.branch_commit(branch)
    base = _describe_base(repository, branch, name, head)
    branch_records = [record for record in _branch_records(repository, branch) if record.batch == name]
    moved = _count_renames(repository, branch, name)
    if repository.is_ancestor(tip, head):
        records = branch_records or in_head
        live = _live_shims(repository, head, records)
        symbols = len(moved_symbols_at(repository, batch, head))
        state = MERGED if live or not records else PRUNED  # a batch that made no shim has none to prune
        return BatchStatus(name, branch, state, base, 0, tip[:10], moved, live, symbols=symbols)
    commits = len(repository.commits_between(head, tip))
    symbols = len(moved_symbols_at(repository, batch, tip))
    stale = _stale_base(repository, name, base, tip)
    return BatchStatus(
        name, branch, APPLIED, base, commits, tip[:10], moved, len(branch_records), symbols=symbols, stale=stale
    )


def _stale_base(repository: Repository, batch: str, base: str, tip: str) -> str:
    """Say why a batch stacked on another batch's branch needs a rebuild, or return "" when it does not.

    The batch below was rebuilt or amended when its branch tip is no longer
    part of this batch's branch. Merging this branch would then bring back
    the old build of the batch below.
    """
    if not base.startswith(BRANCH_PREFIX) or not repository.branch_exists(base):
        return ""
    if repository.is_ancestor(repository.branch_commit(base), tip):
        return ""
    return (
        f"{base} was rebuilt or changed after {batch} was stacked on it; rebuild {batch} with "
        f"`codemod apply --batch {batch} --rebuild`"
    )


def _describe_base(repository: Repository, branch: str, batch: str, head: str) -> str:
    """Name what the batch's branch was built on: the branch `apply` started from, else the base commit.

    `apply` records that branch. Without a record (a branch built by an older
    codemod, or in another clone), a base that is a codemod commit of another
    batch, not merged into HEAD, means the batch was stacked on that batch's
    branch. Any other base was a HEAD at the time, named after a branch that
    is not a batch branch and still points at it.
    """
    try:
        base = base_of_branch(repository, branch, batch)
    except CodemodError:
        return "?"
    record = repository.recorded_base(batch)
    if record is not None and record.base_commit == base:
        return record.base or base[:10]

    below = repository.batch_of_commit(base)
    if below and below != batch and not repository.is_ancestor(base, head):
        return branch_name(below)
    names = [name for name in repository.branches_at(base) if not name.startswith(BRANCH_PREFIX)]
    current = repository.current_branch()
    if current in names:
        return current
    return names[0] if names else base[:10]


def _count_renames(repository: Repository, branch: str, batch: str) -> int:
    try:
        base = base_of_branch(repository, branch, batch)
    except CodemodError:
        return 0
    rename_commit = repository.commits_between(base, repository.branch_commit(branch))[-1]
    return len(repository.renamed_files(rename_commit.hexsha))


def _branch_records(repository: Repository, branch: str) -> list[ShimRecord]:
    return manifests_at(repository, repository.branch_commit(branch), label=branch).records


def _live_shims(repository: Repository, commit: str, records: Iterable[ShimRecord]) -> int:
    """Count the records whose old path still exists at ``commit``."""
    return sum(1 for record in records if repository.show_file(commit, record.old_path) is not None)


def _scan_branch(repository: Repository, config: Config, branch: str, batch: str) -> Inventory:
    """Scan the files of ``branch`` that can reach the batch's shims (at the old paths) or moved names."""
    with repository.temporary_checkout(branch) as folder:
        return scan_target(folder, config, use_cache=False, focus=batch_focus(config, batch))


def _with_uses(row: BatchStatus, inventory: Inventory, records: Sequence[ShimRecord], symbols: Sequence[MoveRule]) -> BatchStatus:
    """Count the import sites that reach a shim of the batch or import one of ``symbols`` from its old module."""
    shim_paths = {record.old_path for record in records if record.batch == row.name}
    old_names = {(rule.source, rule.symbol) for rule in symbols}
    uses = sum(
        1
        for item in inventory.imports
        if item.site.file not in shim_paths
        and (
            item.resolution.target in shim_paths
            or item.resolution.member_target in shim_paths
            or (item.site.kind == "from" and (item.resolution.target, item.site.name) in old_names)
        )
    )
    return replace(row, old_name_uses=uses)


def leftover_note(root: Path) -> Optional[str]:
    """Describe what an interrupted run left behind, without removing it."""
    leftovers = Repository(root).find_leftovers()
    if not leftovers:
        return None
    folders = ", ".join(str(leftover.worktree) for leftover in leftovers)
    return f"an interrupted codemod run left worktree {folders}; the next apply, rollback or prune removes it"


def rollback_batch(root: Path, batch: str) -> str:
    """Delete the branch of an applied, unmerged batch; return what was done."""
    repository = Repository(root)
    load_config(repository.root).batch(batch)
    branch = branch_name(batch)
    with repository.lock():
        clean_leftovers(repository)
        if not repository.branch_exists(branch):
            raise BatchError(f"batch {batch!r} has no branch {branch}; there is nothing to roll back.")
        if repository.current_branch() == branch:
            raise BatchError(f"{branch} is checked out; switch to another branch first (`git switch -`).")
        tip = repository.branch_commit(branch)
        head = repository.head_commit()
        if repository.is_ancestor(tip, head):
            raise BatchError(
                f"{branch} is already merged into the current branch; revert the merge with git instead."
            )
        foreign = repository.foreign_commits(head, tip)
        if foreign:
            listing = ", ".join(f"{commit.hexsha[:10]} {commit.summary!r}" for commit in foreign[:5])
            raise BatchError(
                f"{branch} has commits that codemod did not make ({listing}); keep them by moving them to "
                f"another branch, then delete {branch} yourself with `git branch -D {branch}`."
            )
        repository.delete_branch(branch)
        repository.forget_base(batch)
    return f"deleted branch {branch} (was {tip[:10]})"
