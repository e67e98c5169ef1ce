"""Uncommitted files that matter to a batch, which `apply` leaves out because it builds from a commit.

`plan` on HEAD reads the working tree, while `apply` builds the branch from
the HEAD commit (or a stacked batch's branch). So an untracked importer, an
edited moved file or an edited configuration makes the two disagree. Both
commands warn with the list this module builds; neither rejects the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemods.config import Config
from codemods.gitops import BRANCH_PREFIX, Repository
from codemods.plan import batch_focus
from inventory.discover import compile_globs, discover_files
from inventory.model import Focus

MAX_LISTED = 10  # max files named in the warning, which counts the rest

_CONFIGURATION = 0
_IN_BATCH = 1
_OTHER_UNTRACKED = 2


@dataclass(frozen=True)
class UncommittedFile:
    """One uncommitted file that the batch's branch will not contain as it is in the working tree."""

    path: str
    state: str  # as `git status` names it: "modified", "new file", "deleted", "untracked" or "unmerged"
    role: str  # why it matters to the batch, for the warning
    rank: int  # the configuration first, then files the batch moves or that name a moved module, then other untracked files


def uncommitted_for_batch(repository: Repository, config: Config, batch: str) -> list[UncommittedFile]:
    """Return the uncommitted files that matter to ``batch``, most important first.

    These are the configuration file and the Python files the inventory
    scans that are untracked, or that differ from HEAD and either are moved
    by the batch or name a module it moves, in HEAD or in the working tree.
    A file that names a moved module is found the way `plan` selects the
    files it parses: by the file stems and folder names of the moved modules
    in its bytes.
    """
    changed = repository.uncommitted_paths()
    if not changed:
        return []
    config_path = _relative(repository.root, config.path)
    visible = set(discover_files(repository.root, config.exclude).python_files)
    excluded = compile_globs(config.exclude)
    python = {
        item.path: item.state
        for item in changed
        if item.path.endswith(".py")
        and (item.path in visible or (item.state == "deleted" and not (excluded and excluded.fullmatch(item.path))))
    }
    focus = batch_focus(config, batch)(sorted(visible | set(python)))
    symbol_rules = [rule for rule in config.batch(batch).moves if rule.kind == "symbol"]
    roles = {path: "receives a moved function or class" for rule in symbol_rules for path in _module_files(config, rule.target)}
    roles.update({rule.source: "a function or class moves out of it" for rule in symbol_rules})
    head = repository.head_commit()

    found = []
    for item in changed:
        if item.path == config_path:
            found.append(UncommittedFile(item.path, item.state, _configuration_role(item.state), _CONFIGURATION))
            continue
        if item.path not in python:
            continue
        role = roles.get(item.path) or _role(repository, focus, head, item.path)
        if role:
            found.append(UncommittedFile(item.path, item.state, role, _IN_BATCH))
        elif item.state == "untracked":
            found.append(UncommittedFile(item.path, item.state, "", _OTHER_UNTRACKED))
    return sorted(found, key=lambda file: (file.rank, file.path))


def _relative(root: Path, path: Path) -> Optional[str]:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _configuration_role(state: str) -> str:
    if state in ("untracked", "new file"):
        return "codemod reads it, but the branch does not contain it"
    return "codemod reads this version, but the branch keeps the committed one"


def _module_files(config: Config, module: str) -> tuple[str, str]:
    """Return the two paths module ``module`` can have in the package: a module file or a package `__init__.py`."""
    relative = module.replace(".", "/")
    prefix = f"{config.package_root}/" if config.package_root else ""
    return f"{prefix}{relative}.py", f"{prefix}{relative}/__init__.py"


def _role(repository: Repository, focus: Focus, head: str, path: str) -> str:
    """Return why the changed Python file at ``path`` matters to the batch, or "" when it does not."""
    if path in focus.paths:
        return "moved by the batch"
    versions = [repository.show_file(head, path)]
    full = repository.root / path
    if full.is_file():
        versions.append(full.read_bytes())
    if any(data is not None and focus.selects(path, data) for data in versions):
        return "names a moved module"
    return ""


def uncommitted_warning(
    files: Sequence[UncommittedFile], *, batch: str, command: str, base_ref: str, base_commit: str, head_branch: Optional[str]
) -> str:
    """Return the one-line warning about ``files`` for `plan` or `apply` (``command``).

    ``base_ref`` is "HEAD" or the branch of the batch this one stacks on,
    and ``head_branch`` the checked-out branch (None on a detached HEAD).
    """
    listed = ", ".join(_describe(file) for file in files[:MAX_LISTED])
    if len(files) > MAX_LISTED:
        listed += f", and {len(files) - MAX_LISTED} more"
    single = len(files) == 1
    count = f"{len(files)} uncommitted {'file that matters' if single else 'files that matter'} to it"
    them = "it" if single else "them"
    if base_ref == "HEAD":
        base = f"HEAD ({head_branch} {base_commit[:10]})" if head_branch else f"HEAD ({base_commit[:10]})"
        include = f"commit {them}"
    else:
        below = base_ref[len(BRANCH_PREFIX) :] if base_ref.startswith(BRANCH_PREFIX) else base_ref
        base = f"{base_ref} {base_commit[:10]}"
        include = f"commit {them} and rebuild the batch below (`codemod apply --batch {below} --rebuild`)"

    if command == "plan":
        if base_ref == "HEAD":
            reason = f"this plan read {count}, but `codemod apply` builds the branch from {base} and will not see {them}"
        else:
            reason = f"this plan and `codemod apply` both read {base}, so neither sees {count}"
        return f"batch {batch}: {reason}: {listed}. To include {them}, {include} before you apply."
    return (
        f"batch {batch}: {count} {'is' if single else 'are'} not in its branch, because apply builds the branch from "
        f"{base}, not from the working tree: {listed}. To include {them}, {include}, then run "
        f"`codemod apply --batch {batch} --rebuild`."
    )


def _describe(file: UncommittedFile) -> str:
    if file.rank == _CONFIGURATION:
        return f"{file.path} ({file.state}; {file.role})"
    return f"{file.path} ({file.state}{', ' + file.role if file.role else ''})"
