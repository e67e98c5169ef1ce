"""plan and apply warn about uncommitted files that matter to a batch, because apply builds from a commit."""

from __future__ import annotations

import json

import pytest

from codemods.apply import apply_batch, plan_with_base
from tests.conftest import codemod, git, make_repo, snapshot

CONFIG = """\
package = "pkg"

[[batch]]
name = "util"
[batch.moves]
"scripts/util.py" = "pkg.util"

[[batch]]
name = "job"
[batch.moves]
"scripts/job.py" = "pkg.job"

[[batch]]
name = "dates"
[batch.moves]
"scripts/calendar_tools.py:parse_day" = "pkg.dates"
"""

FILES = {
    "codemod.toml": CONFIG,
    ".gitignore": "ignored/\n",
    "scripts/util.py": "def helper():\n    return 1\n",
    "scripts/job.py": "from scripts.util import helper\n\nprint(helper())\n",
    "scripts/other.py": "VALUE = 3\n",
    "scripts/calendar_tools.py": "def parse_day(text):\n    return text\n",
    "pkg/__init__.py": "",
    "pkg/dates.py": "",
}


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


def write(root, path, text):
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def untracked_importer(root):
    write(root, "scripts/late.py", "from scripts.util import helper\n")


def untracked_unrelated(root):
    write(root, "scripts/scratch.py", "print('scratch')\n")


def moved_file_unstaged(root):
    write(root, "scripts/util.py", "def helper():\n    return 2\n")


def importer_staged(root):
    write(root, "scripts/job.py", "from scripts.util import helper\n\nprint(helper() + 1)\n")
    git(root, "add", "scripts/job.py")


def importer_deleted(root):
    (root / "scripts/job.py").unlink()


def new_import_in_other_file(root):
    write(root, "scripts/other.py", "from scripts.util import helper\n\nVALUE = helper()\n")


def config_edited(root):
    write(root, "codemod.toml", CONFIG.replace('package = "pkg"', 'package = "pkg"\nexclude = ["docs/**"]'))


def other_file_edited(root):
    write(root, "scripts/other.py", "VALUE = 4\n")


def untracked_text_file(root):
    write(root, "notes.txt", "scripts/util.py is next\n")


def ignored_python_file(root):
    write(root, "ignored/util_copy.py", "from scripts.util import helper\n")


LISTED = [
    pytest.param(untracked_importer, "scripts/late.py (untracked, names a moved module)", id="untracked-importer"),
    pytest.param(untracked_unrelated, "scripts/scratch.py (untracked)", id="untracked-python-file-without-import"),
    pytest.param(moved_file_unstaged, "scripts/util.py (modified, moved by the batch)", id="moved-file-unstaged-edit"),
    pytest.param(importer_staged, "scripts/job.py (modified, names a moved module)", id="importer-staged-edit"),
    pytest.param(importer_deleted, "scripts/job.py (deleted, names a moved module)", id="importer-deleted"),
    pytest.param(new_import_in_other_file, "scripts/other.py (modified, names a moved module)", id="import-added-in-working-tree"),
    pytest.param(
        config_edited,
        "codemod.toml (modified; codemod reads this version, but the branch keeps the committed one)",
        id="configuration-edited",
    ),
]


@pytest.mark.parametrize("change, entry", LISTED)
def test_apply_warns_once_and_builds_anyway(repo, change, entry):
    change(repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    warnings = []

    result = apply_batch(repo, "util", warn=warnings.append)

    assert len(warnings) == 1, warnings
    assert entry in warnings[0]
    assert f"apply builds the branch from HEAD (main {head[:10]}), not from the working tree" in warnings[0]
    assert warnings[0].startswith("batch util: 1 uncommitted file that matters to it is not in its branch, because")
    assert warnings[0].endswith("To include it, commit it, then run `codemod apply --batch util --rebuild`.")
    assert result.branch == "codemod/util"
    assert git(repo, "rev-parse", "codemod/util~2").strip() == head


@pytest.mark.parametrize("change, entry", LISTED)
def test_plan_warns_apply_misses_files(repo, change, entry):
    change(repo)
    warnings = []

    plan_with_base(repo, "util", warn=warnings.append)

    assert len(warnings) == 1, warnings
    assert entry in warnings[0]
    assert "this plan read 1 uncommitted file that matters to it, but `codemod apply` builds the branch from HEAD" in warnings[0]
    assert warnings[0].endswith("To include it, commit it before you apply.")


QUIET = [
    pytest.param(lambda root: None, id="clean-checkout"),
    pytest.param(other_file_edited, id="edit-that-names-no-moved-module"),
    pytest.param(untracked_text_file, id="untracked-file-that-is-not-python"),
    pytest.param(ignored_python_file, id="git-ignored-python-file"),
]


@pytest.mark.parametrize("change", QUIET)
def test_no_warning_when_nothing_matters(repo, change):
    change(repo)
    warnings = []

    plan_with_base(repo, "util", warn=warnings.append)
    apply_batch(repo, "util", warn=warnings.append)

    assert warnings == []


def test_untracked_importer_left_out_of_branch(repo):
    untracked_importer(repo)
    plan, _ = plan_with_base(repo, "util", warn=lambda message: None)

    result = apply_batch(repo, "util", warn=lambda message: None)

    assert "scripts/late.py" in {change.path for change in plan.changes if change.changed}
    assert "scripts/late.py" not in {change.path for change in result.plan.changes}
    assert "scripts/late.py" not in git(repo, "ls-tree", "-r", "--name-only", "codemod/util")


def test_listing_keeps_ten_and_counts_rest(repo):
    for number in range(12):
        write(repo, f"scripts/new_{number:02d}.py", "VALUE = 1\n")
    config_edited(repo)
    warnings = []

    apply_batch(repo, "util", warn=warnings.append)

    assert len(warnings) == 1
    assert "13 uncommitted files that matter to it are not in its branch" in warnings[0]
    assert warnings[0].index("codemod.toml (modified") < warnings[0].index("scripts/new_00.py")
    assert "scripts/new_08.py (untracked), and 3 more. To include them, commit them, then run" in warnings[0]
    assert "scripts/new_09.py" not in warnings[0]


SYMBOL_FILES = [
    pytest.param("scripts/calendar_tools.py", "a function or class moves out of it", id="source-of-moved-function"),
    pytest.param("pkg/dates.py", "receives a moved function or class", id="module-receiving-function"),
]


@pytest.mark.parametrize("path, role", SYMBOL_FILES)
def test_symbol_move_files_named_by_role(repo, path, role):
    write(repo, path, (repo / path).read_text() + "\nEXTRA = 1\n")
    warnings = []

    plan_with_base(repo, "dates", warn=warnings.append)

    assert len(warnings) == 1, warnings
    assert f"{path} (modified, {role})" in warnings[0]


def test_stacked_plan_names_branch_below(repo):
    apply_batch(repo, "util")
    write(repo, "scripts/job.py", "from scripts.util import helper\n\nprint(helper(), 'edited')\n")
    tip = git(repo, "rev-parse", "codemod/util").strip()
    warnings = []

    plan_with_base(repo, "job", warn=warnings.append)

    assert len(warnings) == 1, warnings
    assert f"this plan and `codemod apply` both read codemod/util {tip[:10]}, so neither sees 1 uncommitted file" in warnings[0]
    assert "rebuild the batch below (`codemod apply --batch util --rebuild`)" in warnings[0]


def checkout_files(root):
    """Return the bytes of every file of the checkout, leaving out the inventory cache that plan writes."""
    return {path: data for path, data in snapshot(root).items() if not path.startswith(".codemod/")}


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("plan", "--batch", "util", "--json"), id="plan-json"),
        pytest.param(("apply", "--batch", "util", "--json"), id="apply-json"),
    ],
)
def test_cli_warning_keeps_json_valid(repo, command):
    untracked_importer(repo)
    moved_file_unstaged(repo)
    before = checkout_files(repo)

    completed = codemod(*command, cwd=repo)

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["batch"] == "util"
    warnings = [line for line in completed.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, completed.stderr
    assert "scripts/late.py (untracked, names a moved module)" in warnings[0]
    assert "scripts/util.py (modified, moved by the batch)" in warnings[0]
    assert "warning:" not in completed.stdout
    assert checkout_files(repo) == before


def test_listing_leaves_index_bytes(repo):
    import os
    import time

    later = time.time() + 60
    for path in ("scripts/job.py", "scripts/other.py"):
        os.utime(repo / path, (later, later))  # stale stat data that a plain `git status` would write back
    untracked_importer(repo)
    index = (repo / ".git" / "index").read_bytes()
    warnings = []

    plan_with_base(repo, "util", warn=warnings.append)
    apply_batch(repo, "util", warn=warnings.append)

    assert len(warnings) == 2
    assert (repo / ".git" / "index").read_bytes() == index
