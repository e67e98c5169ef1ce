"""Kill real `codemod apply` processes at every step: the user's branch and files never change.

Each run is stopped at a named step (the CODEMOD_TEST_PAUSE_AT hook makes it
wait there) or after a random delay, then killed with SIGKILL or interrupted
with SIGINT. After each kill the test checks the repository with git fsck,
git status, git worktree list and git branch, and compares the bytes of the
user's files. The next command must report and remove what the killed run
left.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codemods.apply import PAUSE_ENV, apply_batch
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import git, snapshot

BATCH = "etl-base"
BRANCH = f"codemod/{BATCH}"
# Steps of apply in the order they happen; "branch-created" comes last because after it the branch is complete.
STEPS = ("locked", "base-chosen", "worktree-added", "planned", "moved", "renames-committed", "rewritten", "committed")
RANDOM_KILLS = 6
SIGNALS = (
    pytest.param(signal.SIGINT, "worktree-added", id="sigint-worktree-added"),
    pytest.param(signal.SIGINT, "renames-committed", id="sigint-renames-committed"),
    pytest.param(signal.SIGTERM, "rewritten", id="sigterm-rewritten"),
)


def start_apply(root: Path, pause: str = "") -> subprocess.Popen:
    env = {**os.environ, PAUSE_ENV: pause} if pause else dict(os.environ)
    return subprocess.Popen(
        [sys.executable, "-m", "codemods.cli", "--no-color", "apply", "--batch", BATCH],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so SIGKILL reaches the git children too, as `kill -9` of a job does
    )


def wait_for(marker: Path, process: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"apply exited with {process.returncode} before its pause:\n{process.stderr.read()}")
        assert time.monotonic() < deadline, f"apply did not reach {marker.name} within {limit} s"
        time.sleep(0.01)


def _text_or_empty(path: Path) -> str:
    # A run may remove its record between the glob and the read.
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def wait_for_record(runs: Path, process: subprocess.Popen, limit: float = 60.0) -> None:
    """Wait until ``process`` records the worktree it is about to add."""
    deadline = time.monotonic() + limit
    while not any(f'"pid": {process.pid}' in _text_or_empty(record) for record in runs.glob("*.json")):
        assert process.poll() is None, f"apply exited with {process.returncode}:\n{process.stderr.read()}"
        assert time.monotonic() < deadline, f"apply did not start building within {limit} s"
        time.sleep(0.005)


def kill(process: subprocess.Popen, root: Path) -> str:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    wait_for_git_children(root)
    return process.stderr.read()


def wait_for_git_children(root: Path, limit: float = 10.0) -> None:
    """Wait for a `git worktree add` that the killed run started to finish: it runs in its own session."""
    deadline = time.monotonic() + limit
    while any((root / ".git" / "worktrees").glob("*/locked")):
        assert time.monotonic() < deadline, "a git worktree stayed locked"
        time.sleep(0.01)


def user_view(root: Path) -> dict:
    return {
        "files": snapshot(root),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "head": git(root, "rev-parse", "HEAD"),
        "branch": git(root, "branch", "--show-current"),
        "index": git(root, "ls-files", "-s"),
        "stash": git(root, "stash", "list"),
    }


def check_after_kill(root: Path, before: dict, complete_tree: str) -> None:
    assert user_view(root) == before
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=root, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    branches = git(root, "branch", "--list", "--format=%(refname:short)").split()
    assert set(branches) <= {"main", BRANCH}
    if BRANCH in branches:
        assert git(root, "rev-parse", f"{BRANCH}^{{tree}}").strip() == complete_tree


def check_clean(root: Path) -> None:
    assert len(git(root, "worktree", "list").splitlines()) == 1
    assert not list((root / ".git" / "codemod-runs").glob("*"))


@pytest.fixture
def legacy(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    reference = make_legacy_repo(tmp_path / "reference")
    apply_batch(reference, BATCH)
    complete_tree = git(reference, "rev-parse", f"{BRANCH}^{{tree}}").strip()
    (root / "scripts/etl/scraper_config.py").write_text("# unsaved work in the user's editor\n")
    (root / "scratch.txt").write_text("untracked\n")
    yield root, complete_tree
    remove_stray_worktrees(root)


def remove_stray_worktrees(root: Path) -> None:
    """Delete the temporary worktrees a failed test left outside tmp_path."""
    for line in git(root, "worktree", "list", "--porcelain").splitlines():
        folder = Path(line[len("worktree ") :]) if line.startswith("worktree ") else None
        if folder is not None and folder != root and folder.name.startswith("codemod-worktree-"):
            shutil.rmtree(folder, ignore_errors=True)


def test_kill_at_each_step(legacy, tmp_path):
    root, complete_tree = legacy
    before = user_view(root)
    leftovers = 0

    for step in (*STEPS, "branch-created"):
        marker = tmp_path / f"at-{step}"
        process = start_apply(root, f"{step}:{marker}")
        wait_for(marker, process)
        stderr = kill(process, root)

        check_after_kill(root, before, complete_tree)
        if leftovers and step not in ("locked",):
            assert "cleaned up after an interrupted codemod run: removed worktree" in stderr, (step, stderr)
        leftovers = 1 if step not in ("locked", "base-chosen") else leftovers

    final = subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", "apply", "--batch", BATCH], cwd=root, capture_output=True, text=True
    )
    assert final.returncode == 0, final.stderr
    assert "cleaned up after an interrupted codemod run" in final.stderr
    assert "is already applied" in final.stderr
    check_after_kill(root, before, complete_tree)
    check_clean(root)


def test_kill_after_random_delays(legacy):
    root, complete_tree = legacy
    before = user_view(root)
    runs = root / ".git" / "codemod-runs"
    generator = random.Random(20261204)
    delays = sorted(generator.uniform(0.0, 0.5) for _ in range(RANDOM_KILLS))
    killed_with_leftover = 0

    for delay in delays:
        process = start_apply(root)
        wait_for_record(runs, process)  # the run has started to build: kill it somewhere in there
        time.sleep(delay)
        if process.poll() is None:
            kill(process, root)
        process.wait()
        killed_with_leftover += any(runs.glob("*.json"))
        check_after_kill(root, before, complete_tree)
        if git(root, "branch", "--list", BRANCH).strip():
            git(root, "branch", "-D", BRANCH)

    final = subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", "apply", "--batch", BATCH], cwd=root, capture_output=True, text=True
    )
    assert final.returncode == 0, final.stderr
    assert killed_with_leftover >= 2, "too few kills landed inside the build; the delays need tuning"
    check_after_kill(root, before, complete_tree)
    check_clean(root)


@pytest.mark.parametrize(("number", "step"), SIGNALS)
def test_interrupt_cleans_up_itself(legacy, tmp_path, number, step):
    root, complete_tree = legacy
    before = user_view(root)
    marker = tmp_path / f"at-{step}"
    process = start_apply(root, f"{step}:{marker}")
    wait_for(marker, process)

    os.kill(process.pid, number)
    process.wait(timeout=60)

    assert process.returncode == 130
    assert "interrupted; your branches and files are unchanged" in process.stderr.read()
    check_after_kill(root, before, complete_tree)
    check_clean(root)
    assert not git(root, "branch", "--list", BRANCH).strip()
