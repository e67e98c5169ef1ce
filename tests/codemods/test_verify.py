"""verify against real branches and real interpreters."""

from __future__ import annotations

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError
from codemods.verify import verify_batch
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import git


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("verify") / "repo")
    apply_batch(root, "etl-base")
    return root


def by_kind(report, kind):
    return [check for check in report.checks if check.kind == kind]


def test_applied_batch_verifies(legacy):
    report = verify_batch(legacy, "etl-base")

    assert report.ok, [check for check in report.failed]
    assert [check.status for check in by_kind(report, "static")] == ["passed"]
    identities = {check.subject: check.status for check in by_kind(report, "identity")}
    assert identities["scripts.etl.scraper_config -> nba_simulator.etl.config.manager"] == "passed"
    assert len(identities) == 4


def test_entry_points_compared(legacy):
    report = verify_batch(legacy, "etl-base")

    entries = {check.subject: check.status for check in by_kind(report, "entry-point")}
    assert entries["scripts/etl/scraper_config.py"] == "passed"
    assert entries["scripts/etl/async_scraper_base.py"] == "skipped"


def test_removed_shim_fails(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    apply_batch(root, "etl-base")
    worktree = tmp_path / "edit"
    git(root, "worktree", "add", "--quiet", str(worktree), "codemod/etl-base")
    (worktree / "scripts/etl/scraper_config.py").unlink()
    git(worktree, "commit", "--quiet", "-am", "Remove a shim by hand")
    git(root, "worktree", "remove", "--force", str(worktree))

    report = verify_batch(root, "etl-base", run_entry_points=False)

    assert not report.ok
    failed = {check.subject for check in report.failed}
    assert "scripts/etl/bare_sibling.py" in failed


def test_unapplied_batch_rejected(legacy):
    (legacy / "codemod.toml").write_text(
        (legacy / "codemod.toml").read_text() + '\n[[batch]]\nname = "later"\n[batch.moves]\n"scripts/etl/data_validators.py" = "nba_simulator.etl.validators"\n'
    )
    try:
        with pytest.raises(BatchError, match="run `codemod apply --batch later` first"):
            verify_batch(legacy, "later")
    finally:
        git(legacy, "checkout", "--quiet", "--", "codemod.toml")
