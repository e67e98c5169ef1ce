"""status, plan and rollback as a user runs them, including after an interrupted run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from tests.codemods.test_stacking import FILES
from tests.conftest import git, make_repo


def codemod(root, *arguments):
    return subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", *arguments], cwd=root, capture_output=True, text=True
    )


def dead_pid():
    # A finished child's pid can be reused by a busy machine; no process can have a pid above pid_max.
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1


def write_record(root, folder, state):
    runs = root / ".git" / "codemod-runs"
    runs.mkdir(exist_ok=True)
    (runs / f"{folder.name}.json").write_text(json.dumps(state))


def leave_interrupted_run(root, tmp_path):
    """Leave what a run killed after `git worktree add` leaves: a worktree and the record naming it."""
    folder = tmp_path / "codemod-worktree-killed"
    git(root, "worktree", "add", "--quiet", "--detach", str(folder), "HEAD")
    state = {"worktree": str(folder), "branch": None, "pid": dead_pid()}
    write_record(root, folder, state)
    return folder


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


def test_status_json_lists_every_batch(repo):
    apply_batch(repo, "util")
    apply_batch(repo, "job")

    completed = codemod(repo, "status", "--json")

    assert completed.returncode == 0, completed.stderr
    rows = {row["name"]: row for row in json.loads(completed.stdout)}
    assert [rows[name]["state"] for name in ("util", "job", "solo")] == ["applied", "applied", "planned"]
    assert rows["job"]["base"] == "codemod/util"
    assert rows["util"]["moved"] == 1
    assert rows["util"]["old_name_uses"] == 0
    assert rows["solo"]["old_name_uses"] is None


def test_status_table_names_columns(repo):
    apply_batch(repo, "util")

    completed = codemod(repo, "status")

    assert completed.returncode == 0, completed.stderr
    for column in ("state", "base", "commits", "moved", "shims", "old names in use"):
        assert column in completed.stdout
    assert "codemod/util" in completed.stdout


def test_plan_json_names_base(repo):
    apply_batch(repo, "util")

    completed = codemod(repo, "plan", "--batch", "job", "--json")

    data = json.loads(completed.stdout)
    assert data["base"] == "codemod/util"
    assert data["base_commit"] == git(repo, "rev-parse", "codemod/util").strip()
    assert "shares 1 file with job" in data["base_reason"]
    assert "base: codemod/util" in completed.stderr


@pytest.mark.parametrize(
    ("arguments", "exit_code"),
    [
        pytest.param(("apply", "--batch", "util"), 0, id="apply"),
        pytest.param(("rollback", "--batch", "util"), 0, id="rollback"),
        pytest.param(("prune",), 4, id="prune-with-nothing-to-prune"),
    ],
)
def test_writing_command_cleans_leftover(repo, tmp_path, arguments, exit_code):
    if arguments[0] == "rollback":
        apply_batch(repo, "util")
    folder = leave_interrupted_run(repo, tmp_path)

    status = codemod(repo, "status")
    assert f"an interrupted codemod run left worktree {folder}" in status.stderr
    assert folder.exists()

    completed = codemod(repo, *arguments)

    assert completed.returncode == exit_code, completed.stderr
    assert f"cleaned up after an interrupted codemod run: removed worktree {folder}" in completed.stderr
    assert not folder.exists()
    assert len(git(repo, "worktree", "list").splitlines()) == 1
    assert not list((repo / ".git" / "codemod-runs").glob("*"))


def test_leftover_of_live_process_kept(repo, tmp_path):
    folder = leave_interrupted_run(repo, tmp_path)
    state = json.loads(next((repo / ".git" / "codemod-runs").glob("*.json")).read_text())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        state["pid"] = sleeper.pid
        write_record(repo, folder, state)

        completed = codemod(repo, "apply", "--batch", "solo")
    finally:
        sleeper.kill()
        sleeper.wait()

    assert completed.returncode == 0, completed.stderr
    assert "cleaned up" not in completed.stderr
    assert folder.exists()
