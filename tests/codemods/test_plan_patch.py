"""`plan --diff` output applied with `git apply` gives the tree that `apply` commits on the batch branch."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import codemod, git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "symbols"
[batch.moves]
"scripts/etl/utils.py:parse_date" = "nba_simulator.etl.tasks"
"scripts/etl/utils.py:Calendar" = "nba_simulator.etl.tasks"

[[batch]]
name = "mixed"
[batch.moves]
"scripts/etl/scraper_config.py" = "nba_simulator.etl.config.manager"
"scripts/etl/helpers.py:retry" = "nba_simulator.etl.retrying"

[[batch]]
name = "files"
[batch.moves]
"scripts/monitoring/dims/" = "nba_simulator.monitoring.dims"
"scripts/monitoring/box_score_job.py" = "nba_simulator.monitoring.box_score_job"

[[batch]]
name = "stacked"
[batch.moves]
"scripts/etl/daily.py" = "nba_simulator.etl.daily"
"""

UTILS = """\
import datetime


def parse_date(text):
    return datetime.date.fromisoformat(text.strip())


class Calendar:
    def first(self):
        return datetime.date(2024, 1, 1)


def today_text():
    return parse_date("2024-01-02").isoformat()
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/__init__.py": "",
    "scripts/etl/__init__.py": "",
    "scripts/etl/utils.py": UTILS,
    "scripts/etl/report.py": "from scripts.etl.utils import Calendar, parse_date\n\nprint(parse_date('2024-01-01'), Calendar)\n",
    "scripts/etl/scraper_config.py": "#!/usr/bin/env python3\nTIMEOUT = 30\n\nif __name__ == '__main__':\n    print(TIMEOUT)\n",
    "scripts/etl/helpers.py": "def retry(count):\n    return count + 1\n",
    # No final newline, and a form feed: the diff must keep both as git writes them.
    "scripts/etl/daily.py": "from scripts.etl import scraper_config\n\x0c\nfrom scripts.etl.helpers import retry\nprint(retry(scraper_config.TIMEOUT))",
    "scripts/monitoring/dims/__init__.py": "",
    "scripts/monitoring/dims/table.py": "WIDTH = 80\n",
    "scripts/monitoring/box_score_job.py": "#!/usr/bin/env python3\nfrom scripts.monitoring.dims.table import WIDTH\n\nprint(WIDTH)\n",
    "scripts/monitoring/watch.py": "from scripts.monitoring.dims import table\nfrom scripts.monitoring import box_score_job\n",
}
EXECUTABLE = ["scripts/etl/scraper_config.py", "scripts/monitoring/box_score_job.py"]


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    for path in EXECUTABLE:
        (root / path).chmod(0o755)
    return make_repo(root, {})


def plan_patch(root: Path, batch: str, folder: Path) -> Path:
    completed = codemod("plan", "--batch", batch, "--diff", cwd=root)
    assert completed.returncode == 0, completed.stderr
    patch = folder / f"{batch}.patch"
    patch.write_text(completed.stdout, encoding="utf-8")
    return patch


def clean_checkout(root: Path, rev: str, folder: Path) -> Path:
    """Clone ``root`` into ``folder`` with ``rev`` (a branch of ``root``) checked out."""
    commit = git(root, "rev-parse", rev).strip()
    git(folder, "clone", "--quiet", str(root), str(folder / "checkout"))
    checkout = folder / "checkout"
    git(checkout, "checkout", "--quiet", "--detach", commit)
    return checkout


@pytest.mark.parametrize(
    "batch, applied_first, base",
    [
        pytest.param("symbols", [], "main", id="symbol-only-batch"),
        pytest.param("mixed", [], "main", id="mixed-file-and-symbol-batch"),
        pytest.param("files", [], "main", id="file-and-folder-batch"),
        pytest.param("stacked", ["mixed"], "codemod/mixed", id="batch-stacked-on-unmerged-branch"),
    ],
)
def test_patch_gives_branch_tree(repo, tmp_path, batch, applied_first, base):
    for name in applied_first:
        assert codemod("apply", "--batch", name, cwd=repo).returncode == 0
    patch = plan_patch(repo, batch, tmp_path)
    applied = codemod("apply", "--batch", batch, cwd=repo)
    assert applied.returncode == 0, applied.stderr
    checkout = clean_checkout(repo, base, tmp_path)

    git(checkout, "apply", "--index", str(patch))

    assert git(checkout, "write-tree").strip() == git(repo, "rev-parse", f"codemod/{batch}^{{tree}}").strip()
    assert git(checkout, "diff", "--name-only") == ""  # the work tree matches the index
    assert git(checkout, "ls-files", "--others") == ""


@pytest.mark.parametrize(
    "batch, path, header",
    [
        pytest.param("symbols", "nba_simulator/etl/tasks.py", "new file mode 100644", id="new-module-of-moved-symbols"),
        pytest.param("mixed", "nba_simulator/etl/retrying.py", "new file mode 100644", id="new-module-in-mixed-batch"),
        pytest.param("mixed", "nba_simulator/__init__.py", "new file mode 100644", id="new-package-init"),
        pytest.param("mixed", "scripts/etl/scraper_config.py", "new file mode 100755", id="shim-of-executable-script"),
        pytest.param("files", "scripts/monitoring/dims/table.py", "new file mode 100644", id="shim-of-plain-module"),
        pytest.param("files", ".codemod/shims/files.json", "new file mode 100644", id="batch-manifest"),
    ],
)
def test_patch_creates_new_file(repo, tmp_path, batch, path, header):
    patch = plan_patch(repo, batch, tmp_path).read_text(encoding="utf-8")

    section = patch.split(f"diff --git a/{path} b/{path}\n", 1)[1].split("diff --git ", 1)[0]

    assert section.startswith(header + "\n")
    if section.strip() != header:
        assert f"--- /dev/null\n+++ b/{path}\n" in section


def test_new_module_is_not_diffed_against_old_path(repo, tmp_path):
    patch = plan_patch(repo, "symbols", tmp_path).read_text(encoding="utf-8")

    assert "--- a/nba_simulator/etl/tasks.py" not in patch


def test_patch_checks_on_clean_checkout(repo, tmp_path):
    patch = plan_patch(repo, "symbols", tmp_path)
    checkout = clean_checkout(repo, "main", tmp_path)

    completed = subprocess.run(["git", "apply", "--check", str(patch)], cwd=checkout, capture_output=True, text=True)

    assert completed.returncode == 0, completed.stderr


def test_patch_keeps_missing_final_newline(repo, tmp_path):
    patch = plan_patch(repo, "mixed", tmp_path).read_text(encoding="utf-8")

    assert "\\ No newline at end of file\n" in patch
    assert "\n \x0c\n" in patch
