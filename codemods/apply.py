"""Apply a batch: build it in a temporary worktree as two commits on `codemod/<batch>`.

Commit 1 holds only renames, so `git log --follow` and `git blame` follow
each file. Commit 2 holds the rewritten imports, new `__init__.py` files,
the shims at the old paths and the shim manifest. The user's checkout is
never touched; any failure or interrupt removes the worktree and the
half-made branch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemods.config import Config, load_config
from codemods.errors import BatchError, GitError
from codemods.gitops import BRANCH_PREFIX, Repository, Worktree
from codemods.plan import FileMove, Plan, plan_batch
from codemods.workspace import ProgressCallback, file_reader, scan_target, write_file
from shimgen.manifest import MANIFEST_PATH, ShimRecord, load_manifest, merge_records, save_manifest
from shimgen.render import render_shim

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplyResult:
    batch: str
    branch: str
    base: str
    rename_commit: str
    rewrite_commit: str
    plan: Plan
    already_applied: bool = False


def branch_name(batch: str) -> str:
    return f"{BRANCH_PREFIX}{batch}"


def apply_batch(root: Path, batch: str, *, progress: Optional[ProgressCallback] = None) -> ApplyResult:
    """Build ``batch`` on its own branch and return what was committed."""
    repository = Repository(root)
    config = load_config(repository.root)
    config.batch(batch)
    branch = branch_name(batch)

    with repository.lock():
        clean_leftovers(repository)
        repository.check_branch_name(branch)
        if repository.branch_exists(branch):
            return _already_applied(repository, config, batch, branch)
        problem = repository.identity_problem()
        if problem:
            raise GitError(f"{repository.root}: {problem}")

        base = repository.head_commit()
        folder = repository.add_worktree(branch, base)
        try:
            result = _build_batch(folder, config, batch, branch, base, progress)
        except BaseException:
            repository.abandon_apply(folder, branch)
            raise
        repository.remove_worktree(folder)
        repository.finish_apply()
        return result


def clean_leftovers(repository: Repository) -> Optional[str]:
    """Remove what an interrupted run left behind; return a message when there was something."""
    leftover = repository.find_leftover()
    if leftover is None:
        return None
    repository.clean_leftover(leftover)
    message = f"cleaned up an interrupted run: worktree {leftover.worktree}, branch {leftover.branch or '-'}"
    logger.warning(message)
    return message


def _already_applied(repository: Repository, config: Config, batch: str, branch: str) -> ApplyResult:
    tip = repository.branch_commit(branch)
    with repository.temporary_checkout(branch) as folder:
        inventory = scan_target(folder, config, use_cache=False)
        try:
            plan = plan_batch(config, batch, inventory, file_reader(folder))
        except BatchError:
            plan = _empty_plan(config, batch)
    return ApplyResult(batch, branch, base="", rename_commit="", rewrite_commit=tip, plan=plan, already_applied=True)


def _empty_plan(config: Config, batch: str) -> Plan:
    return Plan(batch, config.package, config.package_root, (), (), (), (), (), (), ())


def _build_batch(
    folder: Path, config: Config, batch: str, branch: str, base: str, progress: Optional[ProgressCallback]
) -> ApplyResult:
    worktree = Worktree(folder)
    inventory = scan_target(folder, config, use_cache=False, progress=progress)
    plan = plan_batch(config, batch, inventory, file_reader(folder))
    if not plan.moves:
        raise BatchError(f"batch {batch!r} selects no files; check its moves.")

    rename_commit = _commit_renames(worktree, plan)
    rewrite_commit = _commit_rewrites(worktree, folder, plan)
    return ApplyResult(batch, branch, base, rename_commit, rewrite_commit, plan)


def _commit_renames(worktree: Worktree, plan: Plan) -> str:
    for move in plan.moves:
        worktree.move(move.old_path, move.new_path)
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
