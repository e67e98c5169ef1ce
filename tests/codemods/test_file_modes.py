"""File modes through `apply`: executable scripts stay executable, and their shims run by the old path."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from codemods.workspace import write_file
from tests.conftest import codemod, git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "dims"
[batch.moves]
"scripts/monitoring/dims_cli.py" = "nba_simulator.monitoring.dims_cli"
"scripts/monitoring/dims_table.py" = "nba_simulator.monitoring.dims_table"
"scripts/monitoring/env_job.py" = "nba_simulator.monitoring.env_job"
"scripts/monitoring/no_shebang.py" = "nba_simulator.monitoring.no_shebang"
"scripts/monitoring/helpers.py:square" = "nba_simulator.monitoring.maths"
"""

# Scripts that cron starts as ./scripts/monitoring/x.py put the repository root on sys.path themselves.
ROOT_ON_PATH = "import sys\nfrom pathlib import Path\n\nsys.path.insert(0, str(Path(__file__).resolve().parents[2]))\n"

DIMS_CLI = f"""\
#!{sys.executable}
\"\"\"Print the table width and the arguments, and exit with status 3.\"\"\"
{ROOT_ON_PATH}
from scripts.monitoring.dims_table import WIDTH  # noqa: E402

if __name__ == "__main__":
    print(f"width {{WIDTH}} args {{sys.argv[1:]}}")
    sys.exit(3)
"""

REPORT = f"""\
#!{sys.executable}
{ROOT_ON_PATH}
from scripts.monitoring import dims_cli  # noqa: E402
from scripts.monitoring.helpers import square  # noqa: E402

if __name__ == "__main__":
    print("report", dims_cli.__name__, square(4))
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/monitoring/dims_cli.py": DIMS_CLI,
    "scripts/monitoring/dims_table.py": "WIDTH = 80\n",
    "scripts/monitoring/env_job.py": "#!/usr/bin/env -S python3 -u\nprint('job')\n",
    "scripts/monitoring/no_shebang.py": "print('started by python, not by path')\n",
    "scripts/monitoring/helpers.py": "def square(value):\n    return value * value\n",
    "scripts/monitoring/report.py": REPORT,
}
EXECUTABLE = ["scripts/monitoring/dims_cli.py", "scripts/monitoring/report.py", "scripts/monitoring/no_shebang.py"]


def tree_modes(root: Path, rev: str) -> dict[str, str]:
    """Return the mode git records for each file of ``rev``."""
    modes = {}
    for line in git(root, "ls-tree", "-r", rev).splitlines():
        mode, _, _, path = line.split(maxsplit=3)
        modes[path] = mode
    return modes


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("modes") / "repo"
    root.mkdir()
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    for path in EXECUTABLE:
        (root / path).chmod(0o755)
    make_repo(root, {})
    completed = codemod("apply", "--batch", "dims", cwd=root)
    assert completed.returncode == 0, completed.stderr
    return root


@pytest.fixture(scope="module")
def checkouts(repo, tmp_path_factory):
    """Return clones of the repository at main and at the batch branch, as a user checks them out."""
    folder = tmp_path_factory.mktemp("checkouts")
    git(folder, "clone", "--quiet", "--branch", "main", str(repo), "main")
    git(folder, "clone", "--quiet", "--branch", "codemod/dims", str(repo), "branch")
    return {"main": folder / "main", "branch": folder / "branch"}


def test_base_has_executable_scripts(repo):
    modes = tree_modes(repo, "main")

    assert modes["scripts/monitoring/dims_cli.py"] == "100755"
    assert modes["scripts/monitoring/report.py"] == "100755"


@pytest.mark.parametrize(
    "path, mode",
    [
        pytest.param("nba_simulator/monitoring/dims_cli.py", "100755", id="moved-and-rewritten-script-keeps-100755"),
        pytest.param("scripts/monitoring/report.py", "100755", id="script-rewritten-in-place-keeps-100755"),
        pytest.param("scripts/monitoring/dims_cli.py", "100755", id="shim-of-executable-script-is-100755"),
        pytest.param("scripts/monitoring/no_shebang.py", "100755", id="shim-of-executable-without-shebang-is-100755"),
        pytest.param("scripts/monitoring/dims_table.py", "100644", id="shim-of-plain-module-is-100644"),
        pytest.param("scripts/monitoring/env_job.py", "100644", id="shim-of-plain-file-with-shebang-is-100644"),
        pytest.param("nba_simulator/monitoring/dims_table.py", "100644", id="moved-plain-module-stays-100644"),
        pytest.param("scripts/monitoring/helpers.py", "100644", id="module-a-function-leaves-stays-100644"),
        pytest.param("nba_simulator/monitoring/maths.py", "100644", id="new-module-of-moved-function-is-100644"),
        pytest.param("nba_simulator/__init__.py", "100644", id="new-package-init-is-100644"),
        pytest.param("nba_simulator/monitoring/__init__.py", "100644", id="new-subpackage-init-is-100644"),
        pytest.param(".codemod/shims/dims.json", "100644", id="manifest-is-100644"),
    ],
)
def test_branch_file_mode(repo, path, mode):
    assert tree_modes(repo, "codemod/dims")[path] == mode


def test_rewrite_commit_changes_no_mode(repo):
    rename_commit = git(repo, "rev-parse", "codemod/dims~1").strip()

    summary = git(repo, "diff", "--summary", rename_commit, "codemod/dims")

    assert "mode change" not in summary


def test_merge_reports_no_mode_change(repo, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--branch", "main", str(repo), str(clone))

    merged = git(clone, "merge", "--no-edit", "origin/codemod/dims")

    assert "mode change" not in merged
    assert tree_modes(clone, "HEAD")["scripts/monitoring/report.py"] == "100755"


@pytest.mark.parametrize(
    "path, first_line",
    [
        pytest.param("scripts/monitoring/dims_cli.py", f"#!{sys.executable}", id="executable-script-shim-repeats-shebang"),
        pytest.param("scripts/monitoring/env_job.py", "#!/usr/bin/env -S python3 -u", id="shebang-with-arguments-kept"),
        pytest.param("scripts/monitoring/no_shebang.py", "# codemod-shim:", id="no-shebang-gives-header-first"),
        pytest.param("scripts/monitoring/dims_table.py", "# codemod-shim:", id="plain-module-gives-header-first"),
    ],
)
def test_shim_first_line(repo, path, first_line):
    text = git(repo, "show", f"codemod/dims:{path}")

    assert text.splitlines()[0].startswith(first_line)


@pytest.mark.parametrize(
    "command, status, output",
    [
        pytest.param(
            ["./scripts/monitoring/dims_cli.py", "--day", "3"], 3, "width 80 args ['--day', '3']\n", id="moved-script-by-old-path"
        ),
        pytest.param(
            ["./nba_simulator/monitoring/dims_cli.py", "--day", "3"], 3, "width 80 args ['--day', '3']\n", id="moved-script-by-new-path"
        ),
        pytest.param(
            ["./scripts/monitoring/report.py"], 0, "report nba_simulator.monitoring.dims_cli 16\n", id="rewritten-script-by-its-path"
        ),
    ],
)
def test_script_runs_by_path_on_branch(checkouts, command, status, output):
    completed = subprocess.run(command, cwd=checkouts["branch"], capture_output=True, text=True)

    assert "Permission denied" not in completed.stderr
    assert completed.returncode == status, completed.stderr
    assert completed.stdout == output


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["./scripts/monitoring/dims_cli.py", "--day", "3"], id="moved-script"),
        pytest.param(["./scripts/monitoring/report.py"], id="rewritten-script"),
    ],
)
def test_script_status_same_as_base(checkouts, command):
    before = subprocess.run(command, cwd=checkouts["main"], capture_output=True, text=True)
    after = subprocess.run(command, cwd=checkouts["branch"], capture_output=True, text=True)

    assert after.returncode == before.returncode, after.stderr


def test_old_path_warns_with_new_module(checkouts):
    command = ["./scripts/monitoring/dims_cli.py"]

    completed = subprocess.run(command, cwd=checkouts["branch"], capture_output=True, text=True)

    assert "is deprecated; run python -m nba_simulator.monitoring.dims_cli instead" in completed.stderr


@pytest.mark.parametrize(
    "existing_mode, executable, expected_mode",
    [
        pytest.param(0o755, False, 0o755, id="replaced-executable-keeps-755"),
        pytest.param(0o644, False, 0o644, id="replaced-plain-file-keeps-644"),
        pytest.param(0o700, False, 0o700, id="replaced-owner-only-file-keeps-700"),
        pytest.param(None, False, 0o644, id="new-file-gets-umask-default"),
        pytest.param(None, True, 0o755, id="new-executable-file-gets-755"),
    ],
)
def test_write_file_mode(tmp_path, existing_mode, executable, expected_mode):
    target = tmp_path / "scripts" / "job.py"
    if existing_mode is not None:
        target.parent.mkdir(parents=True)
        target.write_text("old\n")
        target.chmod(existing_mode)
    previous_umask = os.umask(0o022)
    try:
        write_file(tmp_path, "scripts/job.py", b"new\n", executable=executable)
    finally:
        os.umask(previous_umask)

    assert stat.S_IMODE(target.stat().st_mode) == expected_mode
    assert target.read_bytes() == b"new\n"
    assert [path.name for path in target.parent.iterdir()] == ["job.py"]


def test_shim_mode_without_file_mode_config(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    for path in EXECUTABLE:
        (root / path).chmod(0o755)
    make_repo(root, {})
    # Where core.fileMode is false, `git add` does not read the execute bit of a new file.
    git(root, "config", "core.fileMode", "false")

    completed = codemod("apply", "--batch", "dims", cwd=root)

    assert completed.returncode == 0, completed.stderr
    modes = tree_modes(root, "codemod/dims")
    assert modes["scripts/monitoring/dims_cli.py"] == "100755"
    assert modes["scripts/monitoring/dims_table.py"] == "100644"
