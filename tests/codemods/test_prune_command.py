"""`codemod prune` and the expiry check of `codemod verify`, on real git repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError, CodemodError
from codemods.prune import prune_branch_name, prune_shims
from codemods.verify import expiry_checks, verify_batch
from shimgen import ShimRecord, ShimSpec, render_shim
from shimgen.manifest import LEGACY_MANIFEST_PATH, manifest_path, parse_manifest, save_manifest
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import codemod, git, make_repo, snapshot

AFTER_REMOVAL = date(2030, 1, 1)
UNUSED = ["scripts/etl/adaptive_rate_limiter.py", "scripts/etl/scraper_telemetry.py"]
USED = ["scripts/etl/async_scraper_base.py", "scripts/etl/scraper_config.py"]


@pytest.fixture(scope="module")
def applied_template(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("prune-template") / "repo")
    apply_batch(root, "etl-base")
    return root


@pytest.fixture
def legacy(applied_template, tmp_path):
    """A fresh copy of the legacy repository with etl-base applied, for a test that adds branches."""
    root = tmp_path / "repo"
    shutil.copytree(applied_template, root, symlinks=True)
    return root


def manifest_on(root: Path, rev: str, batch: str = "etl-base") -> list[ShimRecord]:
    return parse_manifest(git(root, "show", f"{rev}:{manifest_path(batch)}"), source=rev)


def files_on(root: Path, rev: str) -> set[str]:
    return set(git(root, "ls-tree", "-r", "--name-only", rev).splitlines())


def branches(root: Path) -> set[str]:
    return set(git(root, "branch", "--format=%(refname:short)").split())


# Prune on the applied legacy batch ------------------------------------------------------


def test_unused_shims_removed(legacy):
    before = snapshot(legacy)

    result = prune_shims(legacy, batch="etl-base", today=AFTER_REMOVAL)

    assert result.branch == "codemod/prune-etl-base"
    assert sorted(record.old_path for record in result.removed) == UNUSED
    assert sorted(item.record.old_path for item in result.kept) == USED
    assert snapshot(legacy) == before
    assert len(git(legacy, "worktree", "list").splitlines()) == 1


def test_prune_commit_deletes_files_and_records(legacy):
    result = prune_shims(legacy, batch="etl-base", today=AFTER_REMOVAL)

    files = files_on(legacy, result.branch)
    assert not files & set(UNUSED)
    assert set(USED) <= files
    assert sorted(record.old_path for record in manifest_on(legacy, result.branch)) == USED
    assert git(legacy, "rev-parse", f"{result.branch}~1").strip() == git(legacy, "rev-parse", "codemod/etl-base").strip()
    changed = git(legacy, "diff", "--name-only", f"{result.branch}~1", result.branch).split()
    assert sorted(changed) == sorted([*UNUSED, ".codemod/shims/etl-base.json"])
    message = git(legacy, "log", "-1", "--format=%B", result.branch)
    assert message.startswith("Remove 2 unused shims of etl-base\n")
    assert "scripts/etl/scraper_config.py: still used: 1 import site, 1 string, 2 commands" in message
    assert "Generated-by: codemod" in message


def test_kept_shims_name_their_uses(legacy):
    result = prune_shims(legacy, batch="etl-base", today=AFTER_REMOVAL)

    kept = {item.record.old_path: item for item in result.kept}
    assert kept["scripts/etl/async_scraper_base.py"].reason == "still used: 1 string"
    assert [(use.file, use.line) for use in kept["scripts/etl/scraper_config.py"].uses] == [
        ("deploy/crontab", 1),
        ("scripts/automation/generate_migration.py", 5),
        ("scripts/etl/bare_sibling.py", 4),
        ("scripts/shell/run_scrapers.sh", 3),
    ]


def test_shims_before_due_kept(legacy):
    result = prune_shims(legacy, batch="etl-base", today=date(2026, 12, 5))

    assert result.branch == ""
    assert result.removed == ()
    reasons = {item.record.old_path: item.reason for item in result.kept}
    assert "pass --before-due" in reasons["scripts/etl/scraper_telemetry.py"]
    assert "codemod/prune-etl-base" not in branches(legacy)
    assert len(git(legacy, "worktree", "list").splitlines()) == 1


def test_before_due_removes_unused(legacy):
    result = prune_shims(legacy, batch="etl-base", before_due=True, today=date(2026, 12, 5))

    assert sorted(record.old_path for record in result.removed) == UNUSED


def test_edited_shim_rejected(legacy, tmp_path):
    worktree = tmp_path / "edit"
    git(legacy, "worktree", "add", "--quiet", str(worktree), "codemod/etl-base")
    stub = worktree / "scripts/etl/scraper_telemetry.py"
    stub.write_text(stub.read_text() + "\nEXTRA = 1\n")
    git(worktree, "commit", "--quiet", "-am", "Add a constant to the telemetry shim")
    git(legacy, "worktree", "remove", str(worktree))

    with pytest.raises(BatchError, match="scripts/etl/scraper_telemetry.py: the shim was edited after generation"):
        prune_shims(legacy, batch="etl-base", today=AFTER_REMOVAL)

    assert "codemod/prune-etl-base" not in branches(legacy)
    assert len(git(legacy, "worktree", "list").splitlines()) == 1


def test_replaced_shim_rejected(legacy, tmp_path):
    worktree = tmp_path / "edit"
    git(legacy, "worktree", "add", "--quiet", str(worktree), "codemod/etl-base")
    (worktree / "scripts/etl/scraper_telemetry.py").write_text("VALUE = 'real code again'\n")
    git(worktree, "commit", "--quiet", "-am", "Put code back at the old path")
    git(legacy, "worktree", "remove", str(worktree))

    with pytest.raises(BatchError, match="no longer has the codemod-shim header"):
        prune_shims(legacy, batch="etl-base", today=AFTER_REMOVAL)


def test_manifest_hash_mismatch_rejected(tmp_path):
    root = straggler_repo(tmp_path / "repo", {})
    manifest = root / manifest_path("loader")
    manifest.write_text(manifest.read_text().replace('"hash": "sha256:', '"hash": "sha256:0'))
    git(root, "commit", "--quiet", "-am", "Change the recorded hash")
    (root / "tests/test_loader.py").unlink()
    git(root, "commit", "--quiet", "-am", "Drop the last user")

    with pytest.raises(BatchError, match="not the version .codemod/shims/loader.json records"):
        prune_shims(root, today=AFTER_REMOVAL)


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(".codemod/shims/loader.json", id="batch-file"),
        pytest.param(LEGACY_MANIFEST_PATH, id="legacy-single-file"),
    ],
)
def test_emptied_manifest_file_deleted(tmp_path, manifest):
    root = straggler_repo(tmp_path / "repo", {}, manifest=manifest)
    git(root, "rm", "--quiet", "scripts/etl/loader.py", "tests/test_loader.py")
    git(root, "commit", "--quiet", "-m", "Delete the shim by hand")

    result = prune_shims(root, today=AFTER_REMOVAL)

    assert [record.old_path for record in result.removed] == ["scripts/etl/loader.py"]
    assert manifest not in files_on(root, result.branch)
    assert git(root, "diff", "--name-status", f"{result.branch}~1", result.branch).split() == ["D", manifest]


def test_existing_prune_branch_rejected(legacy):
    prune_shims(legacy, batch="etl-base", today=AFTER_REMOVAL)

    with pytest.raises(BatchError, match="git branch -D codemod/prune-etl-base"):
        prune_shims(legacy, batch="etl-base", today=AFTER_REMOVAL)


def test_merged_batch_pruned_from_head(legacy):
    git(legacy, "merge", "--quiet", "--no-edit", "codemod/etl-base")

    result = prune_shims(legacy, today=AFTER_REMOVAL)

    assert result.branch == prune_branch_name(None, AFTER_REMOVAL) == "codemod/prune-2030-01-01"
    assert git(legacy, "rev-parse", f"{result.branch}~1").strip() == git(legacy, "rev-parse", "HEAD").strip()
    assert sorted(record.old_path for record in result.removed) == UNUSED


def test_no_shims_rejected(legacy):
    with pytest.raises(CodemodError, match="list no shims"):
        prune_shims(legacy, today=AFTER_REMOVAL)


def test_prune_command(legacy):
    completed = codemod("prune", "--batch", "etl-base", "--before-due", "--json", cwd=legacy)

    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["branch"] == "codemod/prune-etl-base"
    assert sorted(record["old_path"] for record in data["removed"]) == UNUSED
    assert "removed 2 shims on codemod/prune-etl-base, kept 2" in completed.stderr


def test_prune_command_edited_shim_exit_code(legacy, tmp_path):
    worktree = tmp_path / "edit"
    git(legacy, "worktree", "add", "--quiet", str(worktree), "codemod/etl-base")
    stub = worktree / "scripts/etl/adaptive_rate_limiter.py"
    stub.write_text(stub.read_text().replace("DeprecationWarning", "FutureWarning"))
    git(worktree, "commit", "--quiet", "-am", "Edit a shim")
    git(legacy, "worktree", "remove", str(worktree))

    completed = codemod("prune", "--batch", "etl-base", "--before-due", cwd=legacy)

    assert completed.returncode == 4
    assert "scripts/etl/adaptive_rate_limiter.py: the shim was edited" in completed.stderr


# Straggler rewrites -------------------------------------------------------------------


def stub_files(old_path: str, old_module: str, new_module: str) -> tuple[str, ShimRecord]:
    spec = ShimSpec(old_path, old_module, new_module, "module", "loader", "2026-12-04", "2027-06-30")
    text = render_shim(spec)
    return text, ShimRecord.from_spec(spec, text)


def straggler_repo(root: Path, extra: dict[str, str], *, manifest: str = ".codemod/shims/loader.json") -> Path:
    text, record = stub_files("scripts/etl/loader.py", "scripts.etl.loader", "pkg.etl.loader")
    files = {
        "codemod.toml": 'package = "pkg"\n',
        "pkg/__init__.py": "",
        "pkg/etl/__init__.py": "",
        "pkg/etl/loader.py": "def load():\n    return 'real'\n",
        "scripts/etl/loader.py": text,
        "tests/test_loader.py": (
            "from unittest import mock\n"
            "\n"
            "import scripts.etl.loader\n"
            "from scripts.etl.loader import load\n"
            "\n"
            "\n"
            "@mock.patch('scripts.etl.loader.load')\n"
            "def test_load(patched):\n"
            "    assert scripts.etl.loader.load is patched\n"
        ),
        **extra,
    }
    make_repo(root, files)
    save_manifest(root / manifest, [record])
    git(root, "add", "-f", manifest)
    git(root, "commit", "--quiet", "-m", "Add the shim manifest")
    return root


def test_stragglers_rewritten_then_shim_removed(tmp_path):
    root = straggler_repo(tmp_path / "repo", {})

    result = prune_shims(root, rewrite_stragglers=True, today=AFTER_REMOVAL)

    assert result.rewritten == 3
    assert [record.old_path for record in result.removed] == ["scripts/etl/loader.py"]
    rewritten = git(root, "show", f"{result.rewrite_commit}:tests/test_loader.py")
    assert "import pkg.etl.loader\n" in rewritten
    assert "from pkg.etl.loader import load\n" in rewritten
    assert "@mock.patch('pkg.etl.loader.load')" in rewritten
    assert "assert pkg.etl.loader.load is patched" in rewritten
    assert "scripts/etl/loader.py" not in files_on(root, result.branch)
    subjects = git(root, "log", "--format=%s", "-2", result.branch).splitlines()
    assert subjects == ["Remove 1 unused shim", "Rewrite 3 uses of old module names"]


def test_rewritten_test_still_passes(tmp_path):
    root = straggler_repo(tmp_path / "repo", {})
    result = prune_shims(root, rewrite_stragglers=True, today=AFTER_REMOVAL)
    worktree = tmp_path / "pruned"
    git(root, "worktree", "add", "--quiet", str(worktree), result.branch)

    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_loader.py"],
        cwd=worktree,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(worktree), "PATH": "/usr/bin:/bin"},
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param("import scripts.etl.loader as old\n", "import pkg.etl.loader as old\n", id="import-as"),
        pytest.param(
            "from scripts.etl import loader\n\nloader.load()\n",
            "from pkg.etl import loader\n\nloader.load()\n",
            id="from-parent-import-module",
        ),
        pytest.param(
            "def lazy():\n    from scripts.etl.loader import load\n    return load()\n",
            "def lazy():\n    from pkg.etl.loader import load\n    return load()\n",
            id="lazy-import-in-function",
        ),
        pytest.param(
            "import importlib\n\nimportlib.import_module('scripts.etl.loader')\n",
            "import importlib\n\nimportlib.import_module('pkg.etl.loader')\n",
            id="import-module-string",
        ),
        pytest.param(
            "# keep this comment\r\nimport scripts.etl.loader  # trailing\r\n",
            "# keep this comment\r\nimport pkg.etl.loader  # trailing\r\n",
            id="crlf-and-comments-kept",
        ),
    ],
)
def test_straggler_rewrite_forms(tmp_path, before, after):
    root = straggler_repo(tmp_path / "repo", {})
    (root / "user.py").write_bytes(before.encode())
    git(root, "add", "user.py")
    git(root, "commit", "--quiet", "-m", "Add a user of the old name")

    result = prune_shims(root, rewrite_stragglers=True, today=AFTER_REMOVAL)

    rewritten = subprocess.run(
        ["git", "show", f"{result.rewrite_commit}:user.py"], cwd=root, capture_output=True, check=True
    ).stdout
    assert rewritten == after.encode()
    assert [record.old_path for record in result.removed] == ["scripts/etl/loader.py"]


def test_relative_straggler_rewritten(tmp_path):
    root = straggler_repo(tmp_path / "repo", {"scripts/etl/user.py": "from . import loader\nfrom .loader import load\n"})

    result = prune_shims(root, rewrite_stragglers=True, today=AFTER_REMOVAL)

    rewritten = git(root, "show", f"{result.rewrite_commit}:scripts/etl/user.py")
    assert rewritten == "from pkg.etl import loader\nfrom pkg.etl.loader import load\n"
    assert result.stragglers == ()


def test_script_folder_straggler_left_and_reported(tmp_path):
    sibling = "import loader\n\nprint(loader.load())\n"
    root = straggler_repo(tmp_path / "repo", {"scripts/etl/nightly.py": sibling})

    result = prune_shims(root, rewrite_stragglers=True, today=AFTER_REMOVAL)

    assert [(item.file, item.line) for item in result.stragglers] == [("scripts/etl/nightly.py", 1)]
    assert "script-folder" in result.stragglers[0].reason
    assert result.removed == ()
    [kept] = result.kept
    assert kept.reason == "still used: 1 import site"
    assert git(root, "show", f"{result.branch}:scripts/etl/nightly.py") == sibling
    assert result.prune_commit == ""


def test_doc_mention_listed_not_blocking(tmp_path):
    root = straggler_repo(tmp_path / "repo", {"docs/loader.md": "The loader lives in scripts/etl/loader.py.\n"})

    result = prune_shims(root, rewrite_stragglers=True, today=AFTER_REMOVAL)

    assert [record.old_path for record in result.removed] == ["scripts/etl/loader.py"]
    assert [(use.file, use.line, use.kind) for use in result.stale_docs] == [("docs/loader.md", 1, "doc")]
    message = git(root, "log", "-1", "--format=%B", result.branch)
    assert "Docs that still mention a removed path:\n  docs/loader.md:1: scripts/etl/loader.py" in message


def test_without_flag_stragglers_keep_shim(tmp_path):
    root = straggler_repo(tmp_path / "repo", {})

    result = prune_shims(root, today=AFTER_REMOVAL)

    assert result.branch == ""
    assert result.rewritten == 0
    [kept] = result.kept
    assert kept.reason == "still used: 2 import sites, 1 string"


# Expiry in verify ----------------------------------------------------------------------


def record_due(remove_after: str, old_path: str = "scripts/a.py") -> ShimRecord:
    return ShimRecord(old_path, "scripts.a", "pkg.a", "module", "b", "2026-01-01", remove_after, "sha256:x")


@pytest.mark.parametrize(
    "remove_after, today, expected",
    [
        pytest.param("2027-06-30", date(2027, 6, 30), ["passed"], id="on-the-date"),
        pytest.param("2027-06-30", date(2027, 7, 1), ["failed"], id="day-after"),
        pytest.param("not-a-date", date(2030, 1, 1), ["passed"], id="invalid-date-never-due"),
    ],
)
def test_expiry_check_status(remove_after, today, expected):
    checks = list(expiry_checks([record_due(remove_after)], "b", today))

    assert [check.status for check in checks] == expected


def test_expiry_failure_says_how_to_proceed():
    [check] = expiry_checks([record_due("2027-06-30")], "etl-base", date(2028, 1, 1))

    assert check.kind == "expiry"
    assert check.subject == "scripts/a.py"
    assert "2027-06-30" in check.detail
    assert "codemod prune --batch etl-base" in check.detail
    assert "shim-remove-after" in check.detail


def test_expiry_check_without_shims():
    assert list(expiry_checks([], "b", date(2030, 1, 1))) == []


def test_verify_fails_past_remove_after(applied_template):
    report = verify_batch(applied_template, "etl-base", run_entry_points=False, today=AFTER_REMOVAL)

    expired = [check for check in report.checks if check.kind == "expiry"]
    assert sorted(check.subject for check in expired) == sorted(UNUSED + USED)
    assert all(check.status == "failed" for check in expired)
    assert not report.ok


def test_verify_passes_before_remove_after(applied_template):
    report = verify_batch(applied_template, "etl-base", run_entry_points=False)

    assert [check.status for check in report.checks if check.kind == "expiry"] == ["passed"]
