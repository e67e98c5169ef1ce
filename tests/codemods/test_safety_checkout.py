"""apply leaves the user's branch, files, index and stash exactly as they were."""

from __future__ import annotations

import pytest

from codemods.apply import apply_batch
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import git, snapshot


def user_state(root):
    return {
        "files": snapshot(root),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "stash": git(root, "stash", "list", "--format=%H %gs"),
        "index": git(root, "ls-files", "-s"),
        "staged": git(root, "diff", "--cached"),
        "head": git(root, "rev-parse", "HEAD"),
        "branch": git(root, "branch", "--show-current"),
        "index_bytes": (root / ".git" / "index").read_bytes(),
    }


def make_messy(root):
    """Leave a stash entry, a staged change, an unstaged edit and untracked files, as a user in mid-work would."""
    config = root / "scripts/etl/scraper_config.py"
    config.write_text(config.read_text() + "\nSTASHED = True\n")
    git(root, "stash", "push", "--quiet", "-m", "work in progress")

    validators = root / "scripts/etl/data_validators.py"
    validators.write_text(validators.read_text() + "\nSTAGED = 1\n")
    git(root, "add", "scripts/etl/data_validators.py")

    telemetry = root / "scripts/etl/scraper_telemetry.py"
    telemetry.write_bytes(telemetry.read_bytes() + b"\n# unstaged edit of a file the batch moves\n")
    (root / "notes.txt").write_text("untracked notes\n")
    (root / "scripts/etl/new_tool.py").write_text("from scripts.etl.scraper_config import ScraperConfig\n")


@pytest.mark.parametrize("messy", [pytest.param(True, id="dirty-staged-stash-untracked"), pytest.param(False, id="clean")])
def test_apply_leaves_user_state(tmp_path, messy):
    root = make_legacy_repo(tmp_path / "repo")
    if messy:
        make_messy(root)
    before = user_state(root)

    result = apply_batch(root, "etl-base")

    assert user_state(root) == before
    assert result.base == before["head"].strip()
    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_branch_built_from_commit_not_working_tree(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    make_messy(root)

    apply_batch(root, "etl-base")

    moved = git(root, "show", "codemod/etl-base:nba_simulator/etl/monitoring/telemetry.py")
    assert "unstaged edit" not in moved
    files = git(root, "ls-tree", "-r", "--name-only", "codemod/etl-base").splitlines()
    assert "notes.txt" not in files
    assert "scripts/etl/new_tool.py" not in files
    assert "STAGED = 1" not in git(root, "show", "codemod/etl-base:scripts/etl/data_validators.py")
