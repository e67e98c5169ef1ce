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
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import git

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from codemods.errors import GitError, LockedError

logger = logging.getLogger(__name__)

BRANCH_PREFIX = "codemod/"
TRAILER = "Generated-by: codemod"  # marks commits the tool made, so rollback can tell them apart
BATCH_TRAILER = "Codemod-Batch"
_RUNS_FOLDER = "codemod-runs"  # one record per temporary worktree, removed when its run ends
_BASES_FOLDER = "codemod-bases"  # one record per batch branch: what apply built it on, kept until rollback
_LOCK_FILE = "codemod.lock"


@dataclass(frozen=True)
class Leftover:
    """A worktree or branch that an interrupted run left behind."""

    worktree: Optional[str]
    branch: Optional[str]


@dataclass(frozen=True)
class BaseRecord:
    """The base of a batch's branch, named as it was when `apply` built the branch."""

    batch: str
    tip: str  # the branch's commit right after that build
    base_commit: str
    base: str  # the branch the base came from, such as `main` or `codemod/A` (stacked), or "" for a detached HEAD


@dataclass(frozen=True)
class UncommittedPath:
    """A file of the working tree or index that differs from HEAD, as `git status` lists it."""

    path: str
    state: str  # "modified", "new file", "deleted", "untracked" or "unmerged"


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

    def branch_checked_out_at(self, name: str) -> Optional[Path]:
        """Return the worktree (the main one included) that has branch ``name`` checked out, or None."""
        output = self.repo.git.worktree("list", "--porcelain")
        folder: Optional[str] = None
        for line in output.splitlines():
            if line.startswith("worktree "):
                folder = line[len("worktree ") :]
            elif line == f"branch refs/heads/{name}" and folder is not None:
                return Path(folder)
        return None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.repo.is_ancestor(self.repo.commit(ancestor), self.repo.commit(descendant))

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

    def files_in_folder(self, commit: str, folder: str) -> list[str]:
        """Return the names of the files directly in ``folder`` at ``commit``; [] when the folder is absent."""
        try:
            tree = self.repo.commit(commit).tree / folder
        except KeyError:
            return []
        if tree.type != "tree":
            return []
        return sorted(blob.name for blob in tree.blobs)

    def delete_branch(self, name: str) -> None:
        try:
            self.repo.git.branch("-D", name)
        except git.GitCommandError as error:
            raise GitError(
                f"git could not delete branch {name}: {str(error.stderr).strip()}; if another worktree has it "
                "checked out, switch that worktree to another branch or remove it with `git worktree remove PATH`."
            ) from None

    def create_branch(self, name: str, commit: str, *, replaces: Optional[str] = None) -> None:
        """Point branch ``name`` at ``commit`` in one atomic ref update.

        ``replaces`` is the commit the branch must still point at (for a
        rebuild); without it the branch must not exist yet. Either way a
        branch changed by someone else in the meantime is left alone.
        """
        expected = replaces or "0" * 40
        try:
            self._run_to_completion("update-ref", "-m", f"codemod: build {name}", f"refs/heads/{name}", commit, expected)
        except git.GitCommandError as error:
            raise GitError(
                f"failed to point {name} at {commit[:10]} because the branch changed while codemod worked "
                f"({_stderr_text(error)}). Check it with `git log {name}` and run the command again."
            ) from None

    def foreign_commits(self, base: str, tip: str) -> list[git.Commit]:
        """Return the commits in ``base..tip`` that codemod did not make."""
        return [commit for commit in self.commits_between(base, tip) if not made_by_codemod(commit)]

    def first_parents(self, tip: str) -> Iterator[git.Commit]:
        """Yield ``tip`` and its first-parent ancestors, newest first."""
        yield from self.repo.iter_commits(tip, first_parent=True)

    def batch_of_commit(self, rev: str) -> Optional[str]:
        """Return the batch whose codemod commit ``rev`` is, or None for a commit codemod did not make."""
        commit = self.repo.commit(rev)
        return batch_of(commit) if made_by_codemod(commit) else None

    def branches_at(self, commit: str) -> list[str]:
        """Return the branches whose tip is ``commit``."""
        return [head.name for head in self.repo.heads if head.commit.hexsha == commit]

    def renamed_files(self, commit: str) -> list[tuple[str, str]]:
        """Return the (old, new) paths that ``commit`` renames without change."""
        output = self.repo.git.diff("--name-status", "-M100%", f"{commit}~1", commit)
        return [
            (parts[1], parts[2])
            for parts in (line.split("\t") for line in output.splitlines())
            if parts[0].startswith("R") and len(parts) == 3
        ]

    def renamed_paths(self, old_rev: str, new_rev: str) -> dict[str, str]:
        """Return old path -> new path of each file renamed without change between ``old_rev`` and ``new_rev``."""
        output = self.repo.git.diff("--name-status", "-z", "--find-renames=100%", old_rev, new_rev)
        fields = output.split("\0")
        renames: dict[str, str] = {}
        index = 0
        while index < len(fields) and fields[index]:
            status = fields[index]
            if status[0] in "RC":  # a rename or copy names two paths: old, then new
                if status[0] == "R" and index + 2 < len(fields):
                    renames[fields[index + 1]] = fields[index + 2]
                index += 3
            else:
                index += 2
        return renames

    def python_files_at(self, rev: str) -> set[str]:
        """Return the paths of the `.py` files in the tree of ``rev``."""
        output = self.repo.git.ls_tree("-r", "-z", "--name-only", rev)
        return {path for path in output.split("\0") if path.endswith(".py")}

    def uncommitted_paths(self) -> list[UncommittedPath]:
        """Return every file whose working-tree or staged version differs from HEAD, and every untracked file.

        Ignored files are left out. `--no-optional-locks` keeps `git status`
        from refreshing `.git/index`, so the user's index stays byte for byte
        as it was.
        """
        executable = self.repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git"
        output = self.repo.git.execute(
            [executable, "--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all", "--no-renames"]
        )
        found = []
        for entry in str(output).split("\0"):
            if len(entry) < 4:
                continue
            found.append(UncommittedPath(entry[3:], _status_state(entry[:2])))
        return found

    def record_base(self, record: BaseRecord) -> None:
        """Store what the batch's branch was built on, replacing an earlier record of the batch."""
        folder = self.git_dir / _BASES_FOLDER
        folder.mkdir(exist_ok=True)
        temporary = folder / f"{record.batch}.tmp"
        temporary.write_text(json.dumps(asdict(record)), encoding="utf-8")
        os.replace(temporary, folder / f"{record.batch}.json")

    def recorded_base(self, batch: str) -> Optional[BaseRecord]:
        """Return the base recorded by the last `apply` of ``batch``, or None."""
        state = _read_json(self.git_dir / _BASES_FOLDER / f"{batch}.json")
        fields = ("batch", "tip", "base_commit", "base")
        if not all(isinstance(state.get(name), str) for name in fields):
            return None
        return BaseRecord(*(state[name] for name in fields))

    def forget_base(self, batch: str) -> None:
        with contextlib.suppress(OSError):
            (self.git_dir / _BASES_FOLDER / f"{batch}.json").unlink()

    def is_shallow(self) -> bool:
        return self.repo.git.rev_parse("--is-shallow-repository").strip() == "true"

    def log_follow(self, path: str, rev: str = "HEAD") -> list[str]:
        output = self.repo.git.log("--follow", "--format=%H", "--name-only", rev, "--", path)
        return [line for line in output.splitlines() if line.strip()]

    # Worktrees -------------------------------------------------------------

    def add_worktree(self, base: str) -> Path:
        """Check out ``base`` on a detached HEAD in a new temporary folder.

        The folder is recorded under `.git/codemod-runs/` first, so a run
        killed at any later moment leaves a record that the next command finds
        and cleans.
        """
        folder = Path(tempfile.mkdtemp(prefix="codemod-worktree-"))
        folder.rmdir()
        self._record(folder)
        try:
            self._run_to_completion("worktree", "add", "--quiet", "--detach", str(folder), base)
        except git.GitCommandError as error:
            self.remove_worktree(folder)
            self._forget(folder)
            raise GitError(f"git worktree add failed at {base}: {_stderr_text(error)}") from None
        return folder

    def remove_worktree(self, folder: Path) -> None:
        # A run killed inside `git worktree add` leaves the entry locked; unlock it so prune can drop it.
        with contextlib.suppress(git.GitCommandError):
            self._run_to_completion("worktree", "unlock", str(folder))
        with contextlib.suppress(git.GitCommandError):
            self._run_to_completion("worktree", "remove", "--force", "--force", str(folder))
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(git.GitCommandError):
            self._run_to_completion("worktree", "prune")

    @contextlib.contextmanager
    def temporary_checkout(self, rev: str) -> Iterator[Path]:
        """Yield a detached temporary worktree at ``rev``; remove it afterwards."""
        folder = self.add_worktree(rev)
        try:
            yield folder
        finally:
            self.remove_worktree(folder)
            self._forget(folder)

    def finish_apply(self, folder: Optional[Path] = None) -> None:
        """Forget the record of ``folder``, or of every worktree this process added, after the run completed."""
        for path in [folder] if folder is not None else self._own_records():
            self._forget(path)

    def abandon_apply(self, folder: Optional[Path], branch: Optional[str]) -> None:
        """Remove the worktree (and a branch, when given) of a failed run."""
        if folder is not None:
            self.remove_worktree(folder)
        if branch and self.branch_exists(branch):
            with contextlib.suppress(GitError):
                self.delete_branch(branch)
        self.finish_apply(folder)

    def find_leftovers(self) -> list[Leftover]:
        """Return the worktrees that runs no longer alive left behind."""
        leftovers = []
        for record in sorted(self._runs_folder().glob("*.json")):
            state = _read_json(record)
            pid = state.get("pid")
            if isinstance(pid, int) and (pid == os.getpid() or _process_alive(pid)):
                continue  # still running; the lock keeps writers apart
            worktree = state.get("worktree") or str(Path(tempfile.gettempdir()) / record.stem)
            leftovers.append(Leftover(worktree=worktree, branch=state.get("branch")))
        return leftovers

    def find_leftover(self) -> Optional[Leftover]:
        """Return the first of :meth:`find_leftovers`, or None."""
        leftovers = self.find_leftovers()
        return leftovers[0] if leftovers else None

    def clean_leftover(self, leftover: Leftover) -> None:
        folder = Path(leftover.worktree) if leftover.worktree else None
        self.abandon_apply(folder, leftover.branch)

    def _run_to_completion(self, *arguments: str) -> str:
        """Run a git command that writes to the shared repository so that an interrupt cannot cut it short.

        `git worktree add` and `remove` write several files under
        `.git/worktrees/`; killed half-way they leave an entry that makes
        `git fsck` fail. The command runs in its own session, so Ctrl-C or a
        kill of codemod's process group does not reach it, and Ctrl-C or
        SIGTERM to codemod waits until it is done.
        """
        with _signals_deferred():
            return str(self.repo.git.execute([self.repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git", *arguments], start_new_session=True))

    def _runs_folder(self) -> Path:
        return self.git_dir / _RUNS_FOLDER

    def _record(self, folder: Path) -> None:
        """Write the record of a new worktree atomically, so a kill leaves either no record or a whole one."""
        runs = self._runs_folder()
        runs.mkdir(exist_ok=True)
        temporary = runs / f"{folder.name}.tmp"
        temporary.write_text(json.dumps({"worktree": str(folder), "branch": None, "pid": os.getpid()}), encoding="utf-8")
        os.replace(temporary, runs / f"{folder.name}.json")

    def _forget(self, folder: Path) -> None:
        with contextlib.suppress(OSError):
            (self._runs_folder() / f"{folder.name}.json").unlink()

    def _own_records(self) -> list[Path]:
        return [
            Path(str(state.get("worktree")))
            for state in map(_read_json, self._runs_folder().glob("*.json"))
            if state.get("pid") == os.getpid() and state.get("worktree")
        ]

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the repository's codemod lock; raise if another command holds it.

        The lock is an flock on `.git/codemod.lock`. The kernel releases it
        when the holding process ends, even by `kill -9`, so no stale lock is
        left. The file stays and contains the holder's pid, for the message.
        """
        if fcntl is None:  # pragma: no cover - Windows
            yield from _exclusive_file_lock(self.git_dir / _LOCK_FILE, self.root)
            return
        path = self.git_dir / _LOCK_FILE
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise _locked_error(_read_pid(path), self.root) from None
            os.ftruncate(descriptor, 0)
            os.write(descriptor, str(os.getpid()).encode())
            yield
        finally:
            os.close(descriptor)


def _locked_error(holder: Optional[int], root: Path) -> LockedError:
    return LockedError(
        f"another codemod command (pid {holder if holder is not None else 'unknown'}) is working on {root}; "
        "wait for it to finish."
    )


def _exclusive_file_lock(path: Path, root: Path) -> Iterator[None]:
    """Hold a lock file created with O_EXCL, for systems without flock; take it over from a dead holder."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        holder = _read_pid(path)
        if holder is not None and _process_alive(holder):
            raise _locked_error(holder, root) from None
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

    def add(self, paths: Sequence[str], *, force: bool = False, executable: Sequence[str] = ()) -> None:
        """Stage ``paths``; those in ``executable`` are recorded as 100755 even where core.fileMode is false."""
        if not paths:
            return
        arguments = ["-f"] if force else []
        self.repo.git.add(*arguments, "--", *paths)
        if executable:
            self.repo.git.update_index("--chmod=+x", "--", *executable)

    def remove(self, paths: Sequence[str]) -> None:
        """Delete tracked files from the worktree and stage the deletions (`git rm`)."""
        if not paths:
            return
        self.repo.git.rm("--quiet", "--", *paths)

    def head_commit(self) -> str:
        return self.repo.head.commit.hexsha

    def commit(self, message: str, batch: str) -> str:
        # Hooks run as for any commit (no --no-verify); their output is shown as is when one fails.
        status, stdout, stderr = self.repo.git.commit(
            "-q",
            "-m",
            f"{message}\n\n{TRAILER}\n{BATCH_TRAILER}: {batch}",
            with_extended_output=True,
            with_exceptions=False,
        )
        if status != 0:
            output = "\n".join(part.strip() for part in (stdout, stderr) if part.strip())
            raise GitError(f"git commit failed (a hook may have rejected it):\n{output}")
        return self.repo.head.commit.hexsha

    def staged_renames(self) -> list[tuple[str, str]]:
        output = self.repo.git.diff("--cached", "--name-status", "-M100%")
        renames = []
        for line in output.splitlines():
            parts = line.split("\t")
            if parts[0].startswith("R") and len(parts) == 3:
                renames.append((parts[1], parts[2]))
        return renames


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on the first one that came.

    Outside the main thread Python cannot change signal handlers, so there
    the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}

    def remember(number: int, frame: object) -> None:
        received.append(number)

    for number in previous:
        signal.signal(number, remember)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if received:
        os.kill(os.getpid(), received[0])


def _status_state(code: str) -> str:
    """Name the state of one `git status --porcelain` entry from its two-letter code (index, work tree)."""
    if code == "??":
        return "untracked"
    if "U" in code or code in ("AA", "DD"):
        return "unmerged"
    if "D" in code:
        return "deleted"
    if code[0] == "A":
        return "new file"
    return "modified"


def _stderr_text(error: git.GitCommandError) -> str:
    """Return git's own error output, without the `stderr: '...'` wrapping GitPython adds."""
    text = str(error.stderr or "").strip()
    if text.startswith("stderr: '") and text.endswith("'"):
        text = text[len("stderr: '") : -1]
    return text.strip()


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


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


def find_toplevel(folder: Path) -> Optional[Path]:
    """Return the top folder of the git work tree that contains ``folder``, or None outside one."""
    try:
        repository = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repository.bare or repository.working_tree_dir is None:
        return None
    return Path(repository.working_tree_dir).resolve()
