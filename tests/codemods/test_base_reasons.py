"""The `base:` line of `plan` and `apply`: which base a batch starts from, and why, in every case."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from tests.conftest import codemod, git, make_repo

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
name = "solo"
[batch.moves]
"scripts/solo.py" = "pkg.solo"

[[batch]]
name = "extra"
[batch.moves]
"scripts/extra.py" = "pkg.extra"
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/util.py": "def helper():\n    return 1\n",
    "scripts/job.py": "from scripts.util import helper\n\nprint(helper())\n",
    "scripts/solo.py": "VALUE = 2\n",
    "scripts/extra.py": "VALUE = 3\n",
}


def merge(root: Path, batch: str) -> None:
    git(root, "merge", "--quiet", "--no-edit", f"codemod/{batch}")


def commit_on_main(root: Path) -> None:
    (root / "README.md").write_text("more work on main\n")
    git(root, "add", "README.md")
    git(root, "commit", "--quiet", "-m", "Add README")


def base_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("base: ")]
    assert len(lines) == 1, stderr
    return re.sub(r"\b[0-9a-f]{10}\b", "<commit>", lines[0])


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


@pytest.mark.parametrize(
    "steps, batch, expected",
    [
        pytest.param(
            [], "util", "base: HEAD <commit>, because no other batch is applied and waiting to be merged", id="first-batch"
        ),
        pytest.param(
            [],
            "solo",
            "base: HEAD <commit>, because no other batch is applied and waiting to be merged, and solo does not "
            "depend on the earlier batches util and job, which are not applied yet",
            id="later-batch-before-earlier-ones",
        ),
        pytest.param(
            [("apply", "util"), ("merge", "util"), ("apply", "job"), ("merge", "job")],
            "solo",
            "base: HEAD <commit>, because no other batch is applied and waiting to be merged",
            id="every-earlier-batch-merged",
        ),
        pytest.param(
            [("apply", "util"), ("merge", "util")],
            "solo",
            "base: HEAD <commit>, because no other batch is applied and waiting to be merged, and solo does not "
            "depend on the earlier batch job, which is not applied yet",
            id="earlier-batch-merged-and-one-skipped",
        ),
        pytest.param(
            [("apply", "util")],
            "solo",
            "base: HEAD <commit>, because solo shares no file with the unmerged batch util, and does not depend on "
            "the earlier batch job, which is not applied yet",
            id="one-unmerged-batch-shares-nothing",
        ),
        pytest.param(
            [("apply", "util"), ("apply", "job"), ("apply", "solo")],
            "extra",
            "base: HEAD <commit>, because extra shares no file with the unmerged batches util, job and solo",
            id="three-unmerged-batches-share-nothing",
        ),
        pytest.param(
            [("apply", "util")],
            "job",
            "base: codemod/util <commit>, because batch util is applied but not merged and shares 1 file with job "
            "(scripts/job.py)",
            id="stacked-on-unmerged-batch",
        ),
        pytest.param(
            [("apply", "util"), ("apply", "job"), ("commit", "")],
            "util",
            "base: HEAD <commit>, because no other batch is applied and waiting to be merged apart from job, which "
            "is built on util",
            id="batch-below-a-stacked-one",
        ),
    ],
)
def test_plan_base_line(repo, steps, batch, expected):
    for action, name in steps:
        if action == "apply":
            apply_batch(repo, name)
        elif action == "merge":
            merge(repo, name)
        else:
            commit_on_main(repo)

    completed = codemod("plan", "--batch", batch, cwd=repo)

    assert completed.returncode == 0, completed.stderr
    assert base_line(completed.stderr) == expected


@pytest.mark.parametrize(
    "steps, batch, expected",
    [
        pytest.param(
            [],
            "solo",
            "  base: no other batch is applied and waiting to be merged, and solo does not depend on the earlier "
            "batches util and job, which are not applied yet",
            id="later-batch-before-earlier-ones",
        ),
        pytest.param(
            ["util"],
            "solo",
            "  base: solo shares no file with the unmerged batch util, and does not depend on the earlier batch job, "
            "which is not applied yet",
            id="one-unmerged-batch-shares-nothing",
        ),
    ],
)
def test_apply_base_line(repo, steps, batch, expected):
    for name in steps:
        apply_batch(repo, name)

    completed = codemod("apply", "--batch", batch, cwd=repo)

    assert completed.returncode == 0, completed.stderr
    assert expected in completed.stdout.splitlines()


def test_plan_without_git_names_reason_once(repo):
    shutil.rmtree(repo / ".git")

    completed = codemod("plan", "--batch", "util", cwd=repo)

    assert completed.returncode == 0, completed.stderr
    assert base_line(completed.stderr) == "base: working tree, because not a git repository"
