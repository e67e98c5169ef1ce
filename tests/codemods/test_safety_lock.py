"""Two codemod commands on one repository: the second stops with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from codemods.apply import PAUSE_ENV
from tests.conftest import git, make_repo

FILES = {
    "codemod.toml": 'package = "pkg"\n[[batch]]\nname = "b"\n[batch.moves]\n"scripts/util.py" = "pkg.util"\n',
    "scripts/util.py": "def helper():\n    return 1\n",
}


def command(root, *arguments, env=None):
    return [sys.executable, "-m", "codemods.cli", "--no-color", *arguments]


def wait_for(path, process, limit=60.0):
    deadline = time.monotonic() + limit
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"codemod exited with {process.returncode} before its pause: {process.stderr.read()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"codemod did not reach its pause within {limit} s")
        time.sleep(0.02)


@pytest.mark.parametrize(
    "second",
    [
        pytest.param(("apply", "--batch", "b"), id="apply"),
        pytest.param(("rollback", "--batch", "b"), id="rollback"),
    ],
)
def test_second_command_stops_while_first_holds_lock(tmp_path, second):
    root = make_repo(tmp_path / "repo", FILES)
    marker = tmp_path / "paused"
    env = {**os.environ, PAUSE_ENV: f"planned:{marker}"}
    first = subprocess.Popen(
        command(root, "apply", "--batch", "b"), cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(marker, first)

        blocked = subprocess.run(command(root, *second), cwd=root, capture_output=True, text=True)

        assert blocked.returncode == 4
        assert f"another codemod command (pid {first.pid}) is working on {root}; wait for it to finish" in blocked.stderr
        assert "cleaned up" not in blocked.stderr
    finally:
        marker.unlink(missing_ok=True)
        first.wait(timeout=60)
    assert first.returncode == 0, first.stderr.read()
    assert git(root, "rev-parse", "--verify", "--quiet", "codemod/b").strip()
    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_stale_lock_of_dead_process_taken_over(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (root / ".git" / "codemod.lock").write_text(dead.stdout.strip())

    completed = subprocess.run(command(root, "apply", "--batch", "b"), cwd=root, capture_output=True, text=True)

    assert completed.returncode == 0, completed.stderr
    assert "another codemod command" not in completed.stderr


def test_branch_made_meanwhile_left_alone(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    marker = tmp_path / "paused"
    env = {**os.environ, PAUSE_ENV: f"committed:{marker}"}
    run = subprocess.Popen(
        command(root, "apply", "--batch", "b"), cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(marker, run)
        git(root, "branch", "codemod/b", "main")
    finally:
        marker.unlink(missing_ok=True)
        run.wait(timeout=60)

    assert run.returncode == 4
    assert "failed to point codemod/b at" in run.stderr.read()
    assert git(root, "rev-parse", "codemod/b") == git(root, "rev-parse", "main")
    assert len(git(root, "worktree", "list").splitlines()) == 1
