"""`codemod prune` keeps the shims that uncommitted files in the checkout still use, as `codemod shims` counts them."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.prune import prune_shims
from shimgen import ShimRecord, ShimSpec, render_shim
from shimgen.manifest import manifest_path, save_manifest
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import codemod, git, make_repo, snapshot, write_tree

AFTER_REMOVAL = date(2030, 1, 1)
# The two shims of etl-base that nothing in the legacy repository uses.
UNUSED = ["scripts/etl/adaptive_rate_limiter.py", "scripts/etl/scraper_telemetry.py"]
NEW_JOB = "from adaptive_rate_limiter import AdaptiveRateLimiter\nimport scraper_telemetry\n"


@pytest.fixture(scope="module")
def merged_template(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("prune-uncommitted") / "repo")
    apply_batch(root, "etl-base")
    git(root, "merge", "--quiet", "--ff-only", "codemod/etl-base")
    return root


@pytest.fixture
def merged(merged_template, tmp_path):
    """A fresh copy of the legacy repository with etl-base applied and merged."""
    root = tmp_path / "repo"
    shutil.copytree(merged_template, root, symlinks=True)
    return root


@pytest.mark.parametrize("stage", [pytest.param(False, id="untracked-file"), pytest.param(True, id="staged-file")])
def test_command_keeps_uncommitted_uses(merged, stage):
    (merged / "scripts/etl/new_job.py").write_text(NEW_JOB)
    if stage:
        git(merged, "add", "scripts/etl/new_job.py")
    shims = json.loads(codemod("shims", "--json", cwd=merged).stdout)
    counted = {item["record"]["old_path"]: [(use["file"], use["line"]) for use in item["uses"]] for item in shims["shims"]}
    before = snapshot(merged)
    index = (merged / ".git/index").read_bytes()

    completed = codemod("prune", "--batch", "etl-base", "--before-due", cwd=merged)

    assert [counted[path] for path in UNUSED] == [[("scripts/etl/new_job.py", 1)], [("scripts/etl/new_job.py", 2)]]
    assert completed.returncode == 0, completed.stderr
    assert "nothing to prune: kept all 4 shims; no branch created" in completed.stderr
    assert "uncommitted files use it at scripts/etl/new_job.py:1" in completed.stdout
    assert "uncommitted files use it at scripts/etl/new_job.py:2" in completed.stdout
    assert "codemod/prune-etl-base" not in git(merged, "branch")
    assert snapshot(merged) == before
    assert (merged / ".git/index").read_bytes() == index


def test_prune_json_lists_uncommitted_uses(merged):
    (merged / "scripts/etl/new_job.py").write_text(NEW_JOB)

    completed = codemod("prune", "--batch", "etl-base", "--before-due", "--json", cwd=merged)

    data = json.loads(completed.stdout)
    kept = {item["record"]["old_path"]: item for item in data["kept"]}
    assert data["removed"] == []
    assert [(use["file"], use["line"]) for use in kept[UNUSED[0]]["uncommitted"]] == [("scripts/etl/new_job.py", 1)]
    assert kept[UNUSED[0]]["reason"] == "still used: 1 import site; uncommitted files use it at scripts/etl/new_job.py:1"


# Which uncommitted files count ------------------------------------------------------------


def two_shim_repo(root: Path, files: dict[str, str]) -> Path:
    """A repository with two unused, due shims, a.py and b.py, in one commit with ``files``."""
    stubs = {}
    records = []
    for name in ("a", "b"):
        spec = ShimSpec(f"scripts/etl/{name}.py", f"scripts.etl.{name}", f"pkg.{name}", "module", "etl", "2026-12-04", "2027-06-30")
        stubs[spec.old_path] = render_shim(spec)
        records.append(ShimRecord.from_spec(spec, stubs[spec.old_path]))
    make_repo(
        root,
        {
            "codemod.toml": 'package = "pkg"\nexclude = ["archive/**"]\n',
            ".gitignore": "scratch/\n",
            "pkg/__init__.py": "",
            "pkg/a.py": "",
            "pkg/b.py": "",
            **stubs,
            **files,
        },
    )
    save_manifest(root / manifest_path("etl"), records)
    git(root, "add", "-f", manifest_path("etl"))
    git(root, "commit", "--quiet", "-m", "Add the shim manifest")
    return root


USER = "import scripts.etl.a\nfrom scripts.etl import b\n"


@pytest.mark.parametrize(
    "committed, change, kept",
    [
        pytest.param({}, lambda root: write_tree(root, {"user.py": USER}), ["user.py:1", "user.py:2"], id="untracked-python-file"),
        pytest.param(
            {},
            lambda root: (write_tree(root, {"user.py": USER}), git(root, "add", "user.py")),
            ["user.py:1", "user.py:2"],
            id="staged-new-file",
        ),
        pytest.param(
            {"user.py": "import os\n"},
            lambda root: write_tree(root, {"user.py": "import os\n" + USER}),
            ["user.py:2", "user.py:3"],
            id="modified-tracked-file",
        ),
        pytest.param(
            {"user.py": "import os\n"},
            lambda root: (write_tree(root, {"user.py": USER}), git(root, "add", "user.py")),
            ["user.py:1", "user.py:2"],
            id="modification-staged",
        ),
        pytest.param(
            {"old_user.py": "import os\n"},
            lambda root: (git(root, "mv", "old_user.py", "user.py"), write_tree(root, {"user.py": USER})),
            ["user.py:1", "user.py:2"],
            id="renamed-then-edited",
        ),
        pytest.param(
            {},
            lambda root: write_tree(root, {"scripts/etl/job.py": "import a\nimport b\n"}),
            ["scripts/etl/job.py:1", "scripts/etl/job.py:2"],
            id="bare-sibling-import-in-script-folder",
        ),
        pytest.param(
            {},
            lambda root: write_tree(root, {"deploy/crontab": "0 5 * * * python scripts/etl/a.py\n0 6 * * * python -m scripts.etl.b\n"}),
            ["deploy/crontab:1", "deploy/crontab:2"],
            id="untracked-crontab",
        ),
    ],
)
def test_uncommitted_use_keeps_shim(tmp_path, committed, change, kept):
    root = two_shim_repo(tmp_path / "repo", committed)
    change(root)

    result = prune_shims(root, before_due=True, today=AFTER_REMOVAL)

    assert result.removed == ()
    assert result.branch == ""
    reasons = [item.reason for item in result.kept]
    assert [reason.split(" at ")[-1] for reason in reasons] == kept
    assert all("; uncommitted files use it at " in reason for reason in reasons)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: write_tree(root, {"scratch/user.py": USER}), id="ignored-file"),
        pytest.param(lambda root: write_tree(root, {"archive/user.py": USER}), id="excluded-by-configuration"),
        pytest.param(lambda root: write_tree(root, {".venv/lib/user.py": USER, ".venv/pyvenv.cfg": ""}), id="virtual-environment"),
        pytest.param(lambda root: write_tree(root, {"user.txt": USER}), id="text-file-with-import-lines"),
    ],
)
def test_uncommitted_file_not_counted(tmp_path, change):
    root = two_shim_repo(tmp_path / "repo", {})
    change(root)

    result = prune_shims(root, before_due=True, today=AFTER_REMOVAL)

    assert sorted(record.old_path for record in result.removed) == ["scripts/etl/a.py", "scripts/etl/b.py"]


def test_uncommitted_doc_listed_not_blocking(tmp_path):
    root = two_shim_repo(tmp_path / "repo", {})
    write_tree(root, {"docs/notes.md": "Run scripts/etl/a.py by hand.\n"})

    result = prune_shims(root, before_due=True, today=AFTER_REMOVAL)

    assert len(result.removed) == 2
    assert [(use.file, use.line, use.kind) for use in result.stale_docs] == [("docs/notes.md", 1, "doc")]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: (root / "user.py").unlink(), id="committed-user-deleted-in-worktree"),
        pytest.param(lambda root: write_tree(root, {"user.py": "import pkg.a\nimport pkg.b\n"}), id="committed-user-rewritten-in-worktree"),
    ],
)
def test_committed_use_still_keeps_shim(tmp_path, change):
    root = two_shim_repo(tmp_path / "repo", {"user.py": USER})
    change(root)

    result = prune_shims(root, before_due=True, today=AFTER_REMOVAL)

    assert result.removed == ()
    assert [item.reason for item in result.kept] == ["still used: 1 import site", "still used: 1 import site"]


def test_unchanged_line_counted_once(tmp_path):
    root = two_shim_repo(tmp_path / "repo", {"user.py": USER})
    write_tree(root, {"user.py": USER + "import os\n"})

    result = prune_shims(root, before_due=True, today=AFTER_REMOVAL)

    assert [len(item.uses) for item in result.kept] == [1, 1]
    assert [item.reason for item in result.kept] == [
        "still used: 1 import site; uncommitted files use it at user.py:1",
        "still used: 1 import site; uncommitted files use it at user.py:2",
    ]


def test_uncommitted_file_not_on_prune_branch(tmp_path):
    root = two_shim_repo(tmp_path / "repo", {})
    write_tree(root, {"tools/uses_a.py": "import scripts.etl.a\n"})

    result = prune_shims(root, before_due=True, today=AFTER_REMOVAL)

    assert [record.old_path for record in result.removed] == ["scripts/etl/b.py"]
    assert [item.record.old_path for item in result.kept] == ["scripts/etl/a.py"]
    files = git(root, "ls-tree", "-r", "--name-only", result.branch).splitlines()
    assert "tools/uses_a.py" not in files
    assert "scripts/etl/a.py" in files
    assert (root / "tools/uses_a.py").exists()
    assert "?? tools/" in git(root, "status", "--porcelain")
