"""A moves key that selects nothing: the error names the closest file or folder, as `never-run` errors do."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.exitcodes import ExitCode
from tests.conftest import codemod, make_repo

FILES = {
    "scripts/monitoring/interval_box_score_calculator.py": "def totals():\n    return 0\n",
    "scripts/monitoring/dims/__init__.py": "",
    "scripts/monitoring/dims/table.py": "WIDTH = 80\n",
    "scripts/etl/espn_agent.py": "print('agent')\n",
}


def repo_with_move(tmp_path: Path, key: str, target: str) -> Path:
    config = f'package = "nba_simulator"\n\n[[batch]]\nname = "typo"\n[batch.moves]\n"{key}" = "{target}"\n'
    return make_repo(tmp_path / "repo", {**FILES, "codemod.toml": config})


@pytest.mark.parametrize(
    "key, target, message",
    [
        pytest.param(
            "scripts/monitoring/interval_box_score_calculater.py",
            "nba_simulator.monitoring.box_score",
            "scripts/monitoring/interval_box_score_calculater.py is not a Python file of this repository (or it is "
            "excluded); the closest Python file is 'scripts/monitoring/interval_box_score_calculator.py'. Correct the key.",
            id="file-key-typo-names-closest-file",
        ),
        pytest.param(
            "scripts/monitorng/dims/",
            "nba_simulator.monitoring.dims",
            "no Python files under scripts/monitorng/dims/; the closest folder with Python files is "
            "'scripts/monitoring/dims/'. Correct the key.",
            id="folder-key-typo-names-closest-folder",
        ),
        pytest.param(
            "scripts/etl/*_agnet.py",
            "nba_simulator.agents.{stem}",
            "the pattern matches no Python file; the closest Python file is 'scripts/etl/espn_agent.py'. Correct the pattern.",
            id="glob-typo-names-closest-file",
        ),
        pytest.param(
            "scripts/monitoring/interval_box_score_calculater.py:totals",
            "nba_simulator.monitoring.box_score",
            "the closest Python file is 'scripts/monitoring/interval_box_score_calculator.py'. Correct the key (to "
            "'scripts/monitoring/interval_box_score_calculator.py:totals' if you meant that file).",
            id="symbol-key-typo-names-closest-file-and-key",
        ),
        pytest.param(
            "deploy/unrelated_tool.py",
            "nba_simulator.tool",
            "deploy/unrelated_tool.py is not a Python file of this repository (or it is excluded); check the path.",
            id="file-key-without-close-match-says-check-path",
        ),
        pytest.param(
            "vendor/",
            "nba_simulator.vendor",
            "no Python files under vendor/; check the folder name.",
            id="folder-key-without-close-match-says-check-name",
        ),
        pytest.param(
            "deploy/*.sh.py",
            "nba_simulator.deploy.{stem}",
            "the pattern matches no Python file; check the pattern.",
            id="glob-without-close-match-says-check-pattern",
        ),
    ],
)
def test_plan_error_for_key(tmp_path, key, target, message):
    root = repo_with_move(tmp_path, key, target)

    completed = codemod("plan", "--batch", "typo", cwd=root)

    assert completed.returncode == ExitCode.FAILURE
    assert f"batch 'typo' moves '{key}': " in completed.stderr
    assert message in completed.stderr.replace("\n", " ")


def test_apply_error_names_closest_file(tmp_path):
    root = repo_with_move(tmp_path, "scripts/monitoring/interval_box_score_calculater.py", "nba_simulator.box_score")

    completed = codemod("apply", "--batch", "typo", cwd=root)

    assert completed.returncode == ExitCode.FAILURE
    assert "the closest Python file is 'scripts/monitoring/interval_box_score_calculator.py'" in completed.stderr
