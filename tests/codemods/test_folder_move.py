"""Moves beyond one module, end to end: a package folder, a `{stem}` glob and a renaming move."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codemods.apply import apply_batch
from tests.conftest import git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "wide"
entry-point-args = []
[batch.moves]
"scripts/monitoring/dims/" = "nba_simulator.monitoring.dims"
"scripts/etl/*_agent.py" = "nba_simulator.agents.{stem}"
"scripts/etl/scraper_config.py" = "nba_simulator.etl.config.manager"
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/monitoring/dims/__init__.py": "from .helpers import scale\n\n__all__ = [\"scale\", \"sub\"]\nfrom . import sub\n",
    "scripts/monitoring/dims/helpers.py": "def scale(value):\n    return value * 10\n",
    "scripts/monitoring/dims/sub.py": (
        "from . import helpers\n"
        "from .helpers import scale\n"
        "from .deeper.leaf import LEAF\n\n"
        "def measure(value):\n"
        "    return helpers.scale(value) + scale(1) + LEAF\n"
    ),
    "scripts/monitoring/dims/deeper/__init__.py": "",
    "scripts/monitoring/dims/deeper/leaf.py": "from ..helpers import scale\n\nLEAF = scale(100)\n",
    "scripts/monitoring/run.py": (
        "from dims import sub  # script-folder import\n\n"
        "if __name__ == \"__main__\":\n"
        "    print(sub.measure(1))\n"
    ),
    "scripts/etl/__init__.py": "",
    "scripts/etl/scraper_config.py": "LIMIT = 5\n",
    "scripts/etl/espn_agent.py": "from scripts.etl import scraper_config\n\nNAME = 'espn-' + str(scraper_config.LIMIT)\n",
    "scripts/etl/nba_agent.py": "from .espn_agent import NAME as OTHER\n\nNAME = 'nba+' + OTHER\n",
    "use.py": (
        "import scripts\n"
        "import scripts.monitoring.dims.sub\n"
        "from scripts.monitoring.dims import sub as dims_sub, helpers\n"
        "from scripts.monitoring.dims.helpers import scale  # keep\n"
        "from scripts.etl import espn_agent, nba_agent\n"
        "import scripts.etl.scraper_config as config\n\n"
        "print(\n"
        "    scripts.monitoring.dims.sub.measure(2),\n"
        "    dims_sub.measure(3),\n"
        "    helpers.scale(4),\n"
        "    scale(5),\n"
        "    espn_agent.NAME,\n"
        "    nba_agent.NAME,\n"
        "    config.LIMIT,\n"
        "    scripts.etl.scraper_config.LIMIT,\n"
        ")\n"
    ),
}
EXPECTED_OUTPUT = "1030 1040 40 50 espn-5 nba+espn-5 5 5"


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    base = tmp_path_factory.mktemp("folder")
    root = make_repo(base / "repo", FILES)
    before = run_python(root, "use.py")
    result = apply_batch(root, "wide")
    checkout = base / "checkout"
    git(root, "worktree", "add", "--quiet", str(checkout), result.branch)
    return root, checkout, result, before


def run_python(folder, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-W", "error::SyntaxWarning", *arguments], cwd=folder, capture_output=True, text=True, check=False
    )


def test_output_same_before_and_after(applied):
    _, checkout, _, before = applied

    after = run_python(checkout, "use.py")

    assert before.stdout.split() == EXPECTED_OUTPUT.split()
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == EXPECTED_OUTPUT.split()


def test_every_outside_spelling_rewritten(applied):
    _, checkout, _, _ = applied

    text = (checkout / "use.py").read_text()

    assert text == (
        "import scripts\n"
        "import nba_simulator.etl.config.manager\n"
        "import nba_simulator.monitoring.dims.sub\n"
        "from nba_simulator.monitoring.dims import sub as dims_sub, helpers\n"
        "from nba_simulator.monitoring.dims.helpers import scale  # keep\n"
        "from nba_simulator.agents import espn_agent, nba_agent\n"
        "import nba_simulator.etl.config.manager as config\n\n"
        "print(\n"
        "    nba_simulator.monitoring.dims.sub.measure(2),\n"
        "    dims_sub.measure(3),\n"
        "    helpers.scale(4),\n"
        "    scale(5),\n"
        "    espn_agent.NAME,\n"
        "    nba_agent.NAME,\n"
        "    config.LIMIT,\n"
        "    nba_simulator.etl.config.manager.LIMIT,\n"
        ")\n"
    )


def test_internal_relative_imports_kept(applied):
    _, checkout, _, _ = applied

    package = checkout / "nba_simulator/monitoring/dims"

    assert (package / "sub.py").read_text().startswith("from . import helpers\nfrom .helpers import scale\n")
    assert (package / "deeper/leaf.py").read_text().startswith("from ..helpers import scale\n")


def test_relative_import_between_glob_moves(applied):
    _, checkout, _, _ = applied

    text = (checkout / "nba_simulator/agents/nba_agent.py").read_text()

    assert text.startswith("from .espn_agent import NAME as OTHER\n")


def test_old_and_new_names_same_module(applied):
    _, checkout, _, _ = applied
    pairs = [
        ("scripts.monitoring.dims.sub", "nba_simulator.monitoring.dims.sub"),
        ("scripts.monitoring.dims.deeper.leaf", "nba_simulator.monitoring.dims.deeper.leaf"),
        ("scripts.etl.espn_agent", "nba_simulator.agents.espn_agent"),
        ("scripts.etl.scraper_config", "nba_simulator.etl.config.manager"),
    ]
    for old, new in pairs:
        code = f"import importlib; print(importlib.import_module({old!r}) is importlib.import_module({new!r}))"

        completed = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code], cwd=checkout, capture_output=True, text=True, check=False
        )

        assert completed.stdout.strip() == "True", (old, completed.stderr)


def test_script_folder_user_still_runs(applied):
    _, checkout, _, _ = applied

    completed = run_python(checkout, "-W", "ignore::DeprecationWarning", "scripts/monitoring/run.py")

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "1020"
