"""Per-batch shim manifests: parallel batches merge cleanly, and repositories with the old single manifest keep working."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError
from codemods.prune import prune_shims
from codemods.status import MERGED
from codemods.verify import verify_batch
from shimgen.manifest import LEGACY_MANIFEST_PATH, manifest_path
from tests.conftest import codemod, git, make_repo

CONFIG = """\
package = "pkg"

[[batch]]
name = "util"
entry-point-args = []
[batch.moves]
"scripts/util.py" = "pkg.util"

[[batch]]
name = "solo"
entry-point-args = []
[batch.moves]
"scripts/solo.py" = "pkg.solo"

[[batch]]
name = "rest"
entry-point-args = []
[batch.moves]
"scripts/" = "pkg.rest"
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/util.py": "def helper():\n    return 1\n",
    "scripts/solo.py": "VALUE = 2\n",
    "scripts/extra.py": "X = 1\n",
    "jobs/use_util.py": "from scripts.util import helper\n\nprint(helper())\n",
    "jobs/use_solo.py": "import scripts.solo\n\nprint(scripts.solo.VALUE)\n",
}

SHIMS = ["scripts/solo.py", "scripts/util.py"]
AFTER_REMOVAL = date(2030, 1, 1)
# New code that still uses both old names; `check` and `shims` must find one use per shim.
OLD_NAME_USER = "import scripts.solo\nfrom scripts.util import helper\n"


def merge(root: Path, branch: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "merge", "--no-ff", "--no-edit", "--quiet", branch], cwd=root, capture_output=True, text=True
    )


def manifest_files(root: Path, rev: str) -> list[str]:
    tracked = git(root, "ls-tree", "-r", "--name-only", rev, "--", ".codemod/").split()
    return sorted(path for path in tracked if path.endswith(".json"))


def changed_files(root: Path, base: str, tip: str) -> list[str]:
    return sorted(git(root, "diff", "--name-only", base, tip).split())


@pytest.fixture
def parallel(tmp_path):
    """Both batches applied from the same HEAD, then merged one after the other."""
    root = make_repo(tmp_path / "repo", FILES)
    head = git(root, "rev-parse", "HEAD").strip()
    util = apply_batch(root, "util")
    solo = apply_batch(root, "solo")
    assert (util.base, solo.base) == (head, head)
    return root


@pytest.fixture
def legacy_then_new(tmp_path):
    """HEAD has `.codemod/shims.json` from batch util, as an earlier codemod wrote it; solo is applied now."""
    root = make_repo(tmp_path / "repo", FILES)
    apply_batch(root, "util")
    # Rewrite the batch commit so that it carries the single manifest, trailers and all.
    worktree = tmp_path / "old-layout"
    git(root, "worktree", "add", "--quiet", str(worktree), "codemod/util")
    git(worktree, "mv", manifest_path("util"), LEGACY_MANIFEST_PATH)
    git(worktree, "commit", "--quiet", "--amend", "--no-edit")
    git(root, "worktree", "remove", str(worktree))
    assert manifest_files(root, "codemod/util") == [LEGACY_MANIFEST_PATH]
    assert merge(root, "codemod/util").returncode == 0

    head = git(root, "rev-parse", "HEAD").strip()
    solo = apply_batch(root, "solo")
    assert solo.base == head
    assert merge(root, "codemod/solo").returncode == 0
    return root


# Parallel batches ----------------------------------------------------------------------------


def test_each_branch_adds_only_its_file(parallel):
    root = parallel

    assert manifest_files(root, "codemod/util") == [".codemod/shims/util.json"]
    assert manifest_files(root, "codemod/solo") == [".codemod/shims/solo.json"]


def test_parallel_batches_merge_cleanly(parallel):
    root = parallel

    first = merge(root, "codemod/util")
    second = merge(root, "codemod/solo")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    assert git(root, "ls-files", "--unmerged") == ""
    assert git(root, "status", "--porcelain") == ""
    assert manifest_files(root, "HEAD") == [".codemod/shims/solo.json", ".codemod/shims/util.json"]


@pytest.fixture
def merged_parallel(parallel):
    root = parallel
    assert merge(root, "codemod/util").returncode == 0
    assert merge(root, "codemod/solo").returncode == 0
    return root


# Every reader, after both layouts -------------------------------------------------------------


@pytest.fixture(params=["parallel", "legacy-then-new"])
def merged(request):
    """HEAD with the shims of both batches: two per-batch files, or the old single file and one per-batch file."""
    name = "merged_parallel" if request.param == "parallel" else "legacy_then_new"
    return request.getfixturevalue(name)


def test_status_sees_both(merged):
    completed = codemod("status", "--json", cwd=merged)

    assert completed.returncode == 0, completed.stderr
    rows = {row["name"]: row for row in json.loads(completed.stdout)}
    assert rows["util"]["state"] == MERGED
    assert rows["solo"]["state"] == MERGED
    assert rows["util"]["shims"] == 1
    assert rows["solo"]["shims"] == 1


def test_shims_command_sees_both(merged):
    (merged / "jobs/new_job.py").write_text(OLD_NAME_USER)

    completed = codemod("shims", "--json", cwd=merged)

    assert completed.returncode == 0, completed.stderr
    shims = {item["record"]["old_path"]: item for item in json.loads(completed.stdout)["shims"]}
    assert sorted(shims) == SHIMS
    assert shims["scripts/util.py"]["record"]["batch"] == "util"
    assert shims["scripts/solo.py"]["record"]["batch"] == "solo"
    assert [use["file"] for use in shims["scripts/util.py"]["uses"]] == ["jobs/new_job.py"]
    assert [use["file"] for use in shims["scripts/solo.py"]["uses"]] == ["jobs/new_job.py"]


def test_check_sees_both(merged):
    (merged / "jobs/new_job.py").write_text(OLD_NAME_USER)

    completed = codemod("check", "--json", cwd=merged)

    assert completed.returncode == 1, completed.stderr
    result = json.loads(completed.stdout)
    assert result["shims"] == 2
    assert sorted(use["shim"] for use in result["uses"]) == SHIMS


@pytest.mark.parametrize(
    "batch, shim, names",
    [
        pytest.param("util", "scripts/util.py", "scripts.util -> pkg.util", id="util"),
        pytest.param("solo", "scripts/solo.py", "scripts.solo -> pkg.solo", id="solo"),
    ],
)
def test_verify_sees_batch_shims(merged, batch, shim, names):
    report = verify_batch(merged, batch, run_entry_points=False, today=AFTER_REMOVAL)

    identity = [check for check in report.checks if check.kind == "identity"]
    expiry = [check for check in report.checks if check.kind == "expiry"]
    assert [(check.status, check.subject) for check in identity] == [("passed", names)]
    assert [(check.status, check.subject) for check in expiry] == [("failed", shim)]


def test_plan_keeps_shims_of_both(merged):
    completed = codemod("plan", "--batch", "rest", "--json", cwd=merged)

    assert completed.returncode == 0, completed.stderr
    plan = json.loads(completed.stdout)
    assert [move["old_path"] for move in plan["moves"]] == ["scripts/extra.py"]
    kept = {hazard["file"]: hazard["message"] for hazard in plan["hazards"] if hazard["kind"] == "shim-kept"}
    assert sorted(kept) == SHIMS
    assert "the shim batch util generated" in kept["scripts/util.py"]
    assert "the shim batch solo generated" in kept["scripts/solo.py"]


def test_html_report_counts_both(merged, tmp_path):
    (merged / "jobs/new_job.py").write_text(OLD_NAME_USER)
    page = tmp_path / "report.html"

    completed = codemod("report", "--html", str(page), cwd=merged)

    assert completed.returncode == 0, completed.stderr
    assert "still reach one of the 2 shims: 2," in page.read_text(encoding="utf-8")


def test_apply_again_sees_merged_batches(merged):
    for batch in ("util", "solo"):
        git(merged, "branch", "-D", f"codemod/{batch}")

        result = apply_batch(merged, batch)

        assert result.already_applied


def test_prune_removes_both_and_their_files(merged):
    files_before = manifest_files(merged, "HEAD")

    result = prune_shims(merged, today=AFTER_REMOVAL)

    assert sorted(record.old_path for record in result.removed) == SHIMS
    assert manifest_files(merged, result.branch) == []
    assert changed_files(merged, "HEAD", result.branch) == sorted([*SHIMS, *files_before])


def test_parallel_prunes_merge_cleanly(merged_parallel):
    root = merged_parallel
    util = prune_shims(root, batch="util", today=AFTER_REMOVAL)
    solo = prune_shims(root, batch="solo", today=AFTER_REMOVAL)

    assert changed_files(root, "HEAD", util.branch) == [".codemod/shims/util.json", "scripts/util.py"]
    assert changed_files(root, "HEAD", solo.branch) == [".codemod/shims/solo.json", "scripts/solo.py"]
    assert merge(root, util.branch).returncode == 0
    completed = merge(root, solo.branch)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert manifest_files(root, "HEAD") == []


# The old single manifest ----------------------------------------------------------------------


def test_new_batch_leaves_legacy_file_alone(legacy_then_new):
    root = legacy_then_new

    changed = changed_files(root, "codemod/util", "codemod/solo")

    assert ".codemod/shims/solo.json" in changed
    assert LEGACY_MANIFEST_PATH not in changed
    assert manifest_files(root, "HEAD") == [LEGACY_MANIFEST_PATH, ".codemod/shims/solo.json"]


def test_prune_of_legacy_batch_touches_legacy_file(legacy_then_new):
    root = legacy_then_new

    result = prune_shims(root, batch="util", today=AFTER_REMOVAL)

    assert changed_files(root, "HEAD", result.branch) == [LEGACY_MANIFEST_PATH, "scripts/util.py"]
    assert manifest_files(root, result.branch) == [".codemod/shims/solo.json"]


# Bad manifests and batch names ---------------------------------------------------------------


@pytest.fixture
def duplicated(merged_parallel):
    """HEAD lists scripts/util.py in the file of batch util and again in the old single file."""
    root = merged_parallel
    (root / LEGACY_MANIFEST_PATH).write_bytes((root / manifest_path("util")).read_bytes())
    git(root, "add", "-f", LEGACY_MANIFEST_PATH)
    git(root, "commit", "--quiet", "-m", "Copy a record by hand")
    return root


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param(["status"], id="status-reads-head-commit"),
        pytest.param(["shims"], id="shims-reads-working-tree"),
        pytest.param(["check"], id="check-reads-working-tree"),
        pytest.param(["prune", "--before-due"], id="prune-reads-worktree"),
    ],
)
def test_duplicate_record_names_both_files(duplicated, arguments):
    completed = codemod(*arguments, cwd=duplicated)

    assert completed.returncode == 4, completed.stderr
    assert "old path 'scripts/util.py' is listed in both" in completed.stderr
    assert LEGACY_MANIFEST_PATH in completed.stderr
    assert ".codemod/shims/util.json" in completed.stderr


def test_duplicate_record_stops_apply(tmp_path):
    config = CONFIG + '\n[[batch]]\nname = "late"\n[batch.moves]\n"tools/extra.py" = "pkg.extra"\n'
    root = make_repo(tmp_path / "repo", {**FILES, "codemod.toml": config, "tools/extra.py": "X = 1\n"})
    apply_batch(root, "util")
    assert merge(root, "codemod/util").returncode == 0
    (root / LEGACY_MANIFEST_PATH).write_bytes((root / manifest_path("util")).read_bytes())
    git(root, "add", "-f", LEGACY_MANIFEST_PATH)
    git(root, "commit", "--quiet", "-m", "Copy a record by hand")

    completed = codemod("apply", "--batch", "late", cwd=root)

    assert completed.returncode == 4
    assert "is listed in both HEAD:.codemod/shims.json and HEAD:.codemod/shims/util.json" in completed.stderr
    assert "codemod/late" not in git(root, "branch", "--list")


@pytest.mark.parametrize(
    "name, message",
    [
        pytest.param("nul", "is a Windows device name", id="device-name"),
        pytest.param("Aux.2", "is a Windows device name", id="device-name-with-extension"),
    ],
)
def test_unusable_batch_file_name_rejected(tmp_path, name, message):
    config = CONFIG.replace('name = "solo"', f'name = "{name}"')
    root = make_repo(tmp_path / "repo", {**FILES, "codemod.toml": config})

    completed = codemod("apply", "--batch", name, cwd=root)

    assert completed.returncode == 2
    assert "codemod.toml" in completed.stderr
    assert message in completed.stderr
    assert "rename the batch" in completed.stderr
    assert f"codemod/{name}" not in git(root, "branch", "--list")


def test_batch_file_differing_in_case_rejected(tmp_path):
    root = make_repo(tmp_path / "repo", {**FILES, "tools/extra.py": "X = 1\n"})
    apply_batch(root, "util")
    assert merge(root, "codemod/util").returncode == 0
    # The configuration rejects two names that differ in case, so the earlier batch leaves it first.
    renamed = CONFIG.replace('name = "util"', 'name = "Util"').replace('"scripts/util.py" = "pkg.util"', '"tools/extra.py" = "pkg.extra"')
    (root / "codemod.toml").write_text(renamed)
    git(root, "commit", "--quiet", "-am", "Rename the batch")

    with pytest.raises(BatchError, match=r"\.codemod/shims/util\.json and \.codemod/shims/Util\.json differ only in case"):
        apply_batch(root, "Util")

    assert "codemod/Util" not in git(root, "branch", "--list")
