"""State of each configured batch, and rollback of an unmerged one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codemods.apply import branch_name
from codemods.config import load_config
from codemods.errors import BatchError
from codemods.gitops import Repository, made_by_codemod
from shimgen.manifest import MANIFEST_PATH


@dataclass(frozen=True)
class BatchStatus:
    name: str
    branch: str
    state: str  # "planned", "applied", "merged"
    commits: int = 0
    tip: str = ""
    shims: int = 0


def batch_statuses(root: Path) -> list[BatchStatus]:
    """Return one row per configured batch."""
    repository = Repository(root)
    config = load_config(repository.root)
    head = repository.head_commit()
    rows = []
    for batch in config.batches:
        branch = branch_name(batch.name)
        if not repository.branch_exists(branch):
            rows.append(BatchStatus(batch.name, branch, "planned"))
            continue
        tip = repository.branch_commit(branch)
        merged = repository.is_ancestor(tip, head)
        commits = len(repository.commits_between(head, tip)) if not merged else 0
        manifest = repository.show_file(tip, MANIFEST_PATH) or b"[]"
        shims = manifest.count(f'"batch": "{batch.name}"'.encode())
        rows.append(BatchStatus(batch.name, branch, "merged" if merged else "applied", commits, tip[:10], shims))
    return rows


def rollback_batch(root: Path, batch: str) -> str:
    """Delete the branch of an applied, unmerged batch; return what was done."""
    repository = Repository(root)
    load_config(repository.root).batch(batch)
    branch = branch_name(batch)
    with repository.lock():
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
        foreign = [commit for commit in repository.commits_between(head, tip) if not made_by_codemod(commit)]
        if foreign:
            listing = ", ".join(f"{commit.hexsha[:10]} {commit.summary!r}" for commit in foreign[:5])
            raise BatchError(
                f"{branch} has commits that codemod did not make ({listing}); keep them by moving them to "
                f"another branch, then delete {branch} yourself with `git branch -D {branch}`."
            )
        repository.delete_branch(branch)
    return f"deleted branch {branch} (was {tip[:10]})"
