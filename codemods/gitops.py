"""Every git operation of the toolkit, through GitPython.

Nothing else in the project runs git. A batch is built in a temporary
worktree so the user's checkout, index and stash are never touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import git

from codemods.errors import GitError, LockedError

logger = logging.getLogger(__name__)

BRANCH_PREFIX = "codemod/"
TRAILER = "Generated-by: codemod"  # marks commits the tool made, so rollback can tell them apart
BATCH_TRAILER = "Codemod-Batch"
_STATE_FILE = "codemod-apply.json"
_LOCK_FILE = "codemod.lock"


@dataclass(frozen=True)
class Leftover:
    """A worktree or branch that an interrupted run left behind."""

    worktree: Optional[str]
    branch: Optional[str]


class Repository:
    """The user's repository, opened at its top-level folder."""

    def __init__(self, root: Path) -> None:
        try:
            self.repo = git.Repo(root, search_parent_directories=False)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(
                f"{root}: not a git repository; run `git init` and commit the code first, "
                "because each batch is built as a branch."
            ) from None
        if self.repo.bare:
            raise GitError(f"{root}: a bare repository has no work tree; run the command in a clone.")
        self.root = Path(self.repo.working_tree_dir or root).resolve()
        self.git_dir = Path(self.repo.git.rev_parse("--git-common-dir"))
        if not self.git_dir.is_absolute():
            self.git_dir = (self.root / self.git_dir).resolve()

    def head_commit(self) -> str:
        try:
            return self.repo.head.commit.hexsha
        except ValueError:
            raise GitError(
                f"{self.root}: the repository has no commits; commit the code first (`git add -A && git commit`)."
            ) from None

    def current_branch(self) -> Optional[str]:
        """Return the checked-out branch name, or None on a detached HEAD."""
        if self.repo.head.is_detached:
            return None
        return self.repo.active_branch.name

    def is_dirty(self) -> bool:
        return self.repo.is_dirty(untracked_files=True)

    def branch_exists(self, name: str) -> bool:
        return name in {head.name for head in self.repo.heads}

    def branch_commit(self, name: str) -> str:
        return self.repo.heads[name].commit.hexsha

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.repo.is_ancestor(ancestor, descendant)

    def commits_between(self, base: str, tip: str) -> list[git.Commit]:
        return list(self.repo.iter_commits(f"{base}..{tip}"))

    def merge_base(self, first: str, second: str) -> Optional[str]:
        bases = self.repo.merge_base(first, second)
        return bases[0].hexsha if bases else None

    def check_branch_name(self, name: str) -> None:
        try:
            self.repo.git.check_ref_format("--branch", name)
        except git.GitCommandError:
            raise GitError(f"{name!r} is not a valid git branch name; rename the batch.") from None

    def identity_problem(self) -> Optional[str]:
        """Return a message when git has no committer identity, else None."""
        reader = self.repo.config_reader()
        name = os.environ.get("GIT_COMMITTER_NAME") or reader.get_value("user", "name", "")
        email = os.environ.get("GIT_COMMITTER_EMAIL") or reader.get_value("user", "email", "")
        if name and email:
            return None
        return (
            "git has no user.name or user.email; set them with "
            "`git config user.name \"Your Name\"` and `git config user.email you@example.com`."
        )

    def show_file(self, commit: str, path: str) -> Optional[bytes]:
        try:
            blob = self.repo.commit(commit).tree / path
        except KeyError:
            return None
        return blob.data_stream.read()

    def delete_branch(self, name: str) -> None:
        self.repo.git.branch("-D", name)

    def log_follow(self, path: str, rev: str = "HEAD") -> list[str]:
        output = self.repo.git.log("--follow", "--format=%H", "--name-only", rev, "--", path)
        return [line for line in output.splitlines() if line.strip()]

    # Worktrees -------------------------------------------------------------

    def add_worktree(self, branch: str, base: str, *, new_branch: bool = True) -> Path:
        """Check out ``base`` into a new temporary folder (on a new ``branch``)."""
        folder = Path(tempfile.mkdtemp(prefix="codemod-worktree-"))
        folder.rmdir()
        self._write_state({"worktree": str(folder), "branch": branch if new_branch else None, "pid": os.getpid()})
        try:
            if new_branch:
                self.repo.git.worktree("add", "--quiet", "-b", branch, str(folder), base)
            else:
                self.repo.git.worktree("add", "--quiet", "--detach", str(folder), base)
        except git.GitCommandError as error:
            self._clear_state()
            raise GitError(f"git worktree add failed for branch {branch!r}: {error.stderr.strip()}") from None
        return folder

    def remove_worktree(self, folder: Path) -> None:
        with contextlib.suppress(git.GitCommandError):
            self.repo.git.worktree("remove", "--force", str(folder))
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(git.GitCommandError):
            self.repo.git.worktree("prune")

    @contextlib.contextmanager
    def temporary_checkout(self, rev: str) -> Iterator[Path]:
        """Yield a detached temporary worktree at ``rev``; remove it afterwards."""
        folder = self.add_worktree(branch="", base=rev, new_branch=False)
        try:
            yield folder
        finally:
            self.remove_worktree(folder)
            self._clear_state()

    def finish_apply(self) -> None:
        """Forget the state of a run that completed."""
        self._clear_state()

    def abandon_apply(self, folder: Optional[Path], branch: Optional[str]) -> None:
        """Remove the worktree and the half-made branch of a failed run."""
        if folder is not None:
            self.remove_worktree(folder)
        if branch and self.branch_exists(branch):
            with contextlib.suppress(git.GitCommandError):
                self.delete_branch(branch)
        self._clear_state()

    def find_leftover(self) -> Optional[Leftover]:
        """Return what an interrupted run left behind, if anything."""
        state = self._read_state()
        if state is None:
            return None
        pid = state.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and _process_alive(pid):
            return None  # still running; the lock handles that case
        return Leftover(worktree=state.get("worktree"), branch=state.get("branch"))

    def clean_leftover(self, leftover: Leftover) -> None:
        folder = Path(leftover.worktree) if leftover.worktree else None
        self.abandon_apply(folder, leftover.branch)

    def _state_path(self) -> Path:
        return self.git_dir / _STATE_FILE

    def _write_state(self, state: dict) -> None:
        self._state_path().write_text(json.dumps(state), encoding="utf-8")

    def _read_state(self) -> Optional[dict]:
        try:
            return json.loads(self._state_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _clear_state(self) -> None:
        with contextlib.suppress(OSError):
            self._state_path().unlink()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the repository's codemod lock; raise if another command holds it."""
        path = self.git_dir / _LOCK_FILE
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _read_pid(path)
            if holder is not None and _process_alive(holder):
                raise LockedError(
                    f"another codemod command (pid {holder}) is working on {self.root}; wait for it to finish."
                ) from None
            path.unlink()
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        try:
            os.write(descriptor, str(os.getpid()).encode())
            os.close(descriptor)
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()


class Worktree:
    """A temporary worktree where a batch is built."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.repo = git.Repo(folder)

    def move(self, old: str, new: str) -> None:
        (self.folder / new).parent.mkdir(parents=True, exist_ok=True)
        self.repo.git.mv(old, new)

    def add(self, paths: Sequence[str], *, force: bool = False) -> None:
        if not paths:
            return
        arguments = ["-f"] if force else []
        self.repo.git.add(*arguments, "--", *paths)

    def commit(self, message: str, batch: str) -> str:
        try:
            self.repo.git.commit("-q", "-m", f"{message}\n\n{TRAILER}\n{BATCH_TRAILER}: {batch}")
        except git.GitCommandError as error:
            output = (error.stdout or "") + (error.stderr or "")
            raise GitError(f"git commit failed (a hook may have rejected it):\n{output.strip()}") from None
        return self.repo.head.commit.hexsha

    def staged_renames(self) -> list[tuple[str, str]]:
        output = self.repo.git.diff("--cached", "--name-status", "-M100%")
        renames = []
        for line in output.splitlines():
            parts = line.split("\t")
            if parts[0].startswith("R") and len(parts) == 3:
                renames.append((parts[1], parts[2]))
        return renames


def _read_pid(path: Path) -> Optional[int]:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def made_by_codemod(commit: git.Commit) -> bool:
    return TRAILER in str(commit.message)


def batch_of(commit: git.Commit) -> Optional[str]:
    """Return the batch a codemod commit belongs to, or None for other commits."""
    for line in str(commit.message).splitlines():
        if line.startswith(BATCH_TRAILER + ": "):
            return line[len(BATCH_TRAILER) + 2 :].strip()
    return None
