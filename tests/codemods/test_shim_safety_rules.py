"""Shim rules that the plan enforces: no stdlib aliases, and scripts with spawn pools keep working."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError
from tests.conftest import git

CONFIG = 'package = "pkg"\n[[batch]]\nname = "b"\n[batch.moves]\n"scripts/{name}" = "pkg.{target}"\n'


def test_old_name_aliasing_stdlib_rejected(repo_factory):
    root = repo_factory(
        {
            "codemod.toml": CONFIG.format(name="logging.py", target="log_setup"),
            "scripts/logging.py": "LEVEL = 10\n",
        }
    )

    with pytest.raises(BatchError, match="has the name of the standard-library module 'logging'"):
        apply_batch(root, "b")

    assert "codemod/b" not in git(root, "branch", "--list")


SPAWNING_SCRIPT = '''\
import multiprocessing
import sys


def square(number):
    return number * number


if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        print(sum(pool.map(square, range(int(sys.argv[1])))))
    print("main ran")
    sys.exit(int(sys.argv[2]))
'''


def test_spawn_pool_through_shim(repo_factory, tmp_path):
    root = repo_factory(
        {
            "codemod.toml": CONFIG.format(name="jobs/squares.py", target="jobs.squares"),
            "scripts/jobs/squares.py": SPAWNING_SCRIPT,
        }
    )
    apply_batch(root, "b")
    branch = tmp_path / "branch"
    git(root, "worktree", "add", "--quiet", "--detach", str(branch), "codemod/b")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    completed = subprocess.run(
        [sys.executable, str(branch / "scripts/jobs/squares.py"), "4", "3"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 3, completed.stderr
    assert completed.stdout.splitlines() == ["14", "main ran"]
