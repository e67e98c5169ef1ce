"""plan on a focused inventory: the same plan as on the whole inventory, from fewer parsed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.config import load_config
from codemods.model import DEFAULT_REWRITE_OPTIONS, RewriteOptions
from codemods.plan import batch_focus, plan_batch
from codemods.report import plan_as_dict
from codemods.workspace import file_reader, scan_target
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "module"
[batch.moves]
"scripts/etl/scraper_config.py" = "nba_simulator.etl.config.manager"

[[batch]]
name = "folder"
[batch.moves]
"scripts/pkg/" = "nba_simulator.pkg"

[[batch]]
name = "glob"
[batch.moves]
"scripts/jobs/job_*.py" = "nba_simulator.jobs.{stem}"

[[batch]]
name = "symbol"
[batch.moves]
"scripts/util/helpers.py:slugify" = "nba_simulator.text"

[[batch]]
name = "hard-coded"
[batch.moves]
"etl/loader.py" = "nba_simulator.loader"
"""

FILES = {
    "codemod.toml": CONFIG,
    # Moved by "module": reached by every spelling there is.
    "scripts/etl/scraper_config.py": "LIMIT = 3\n\nif __name__ == '__main__':\n    print(LIMIT)\n",
    "scripts/etl/beside.py": "import scraper_config\nfrom scraper_config import LIMIT\n",
    "scripts/etl/__init__.py": "",
    "scripts/__init__.py": "",
    "scripts/etl/relative.py": "from . import scraper_config\nfrom .scraper_config import LIMIT as L\n",
    "scripts/other/edited.py": (
        "import os\nimport sys\n"
        "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'etl'))\n"
        "import scraper_config\n"
    ),
    "scripts/other/chain.py": "import scripts.etl\nimport scripts.etl.scraper_config\n\nprint(scripts.etl.scraper_config.LIMIT)\n",
    "tests/test_config.py": (
        "from unittest import mock\nimport importlib\n\n"
        "def test_limit():\n"
        "    with mock.patch('scripts.etl.scraper_config.LIMIT', 4):\n"
        "        importlib.import_module('scripts.etl.scraper_config')\n"
    ),
    "reports/scraper_config.py": "NAME = 'a module with the same file name, elsewhere'\n",
    "crontab": "0 * * * * cd /srv/app && python scripts/etl/scraper_config.py\n",
    "run.sh": "python -m scripts.etl.scraper_config\npython scripts/jobs/job_daily.py\n",
    # Moved by "folder": a package with __main__, a sub-package and outside users.
    "scripts/pkg/__init__.py": "from .sub import leaf\n",
    "scripts/pkg/__main__.py": "from scripts.pkg.sub.leaf import run\n\nrun()\n",
    "scripts/pkg/sub/__init__.py": "",
    "scripts/pkg/sub/leaf.py": "def run():\n    return 1\n",
    "scripts/use_pkg.py": "import scripts.pkg.sub\n\nscripts.pkg.sub.leaf.run()\n",
    "Makefile": "run:\n\tpython -m scripts.pkg\n",
    # Moved by "glob".
    "scripts/jobs/__init__.py": "",
    "scripts/jobs/job_daily.py": "from scripts.jobs.job_weekly import WEEK\n",
    "scripts/jobs/job_weekly.py": "WEEK = 7\n",
    "scripts/jobs/runner.py": "from scripts.jobs import job_daily, job_weekly\n",
    # Moved by "symbol".
    "scripts/util/__init__.py": "",
    "scripts/util/helpers.py": "def slugify(text):\n    return text.lower()\n\n\ndef other():\n    return 2\n",
    "scripts/util/use_helpers.py": "from scripts.util.helpers import slugify, other\n",
    # Moved by "hard-coded": reached through a hard-coded path; the checkout prefix comes from another file.
    "etl/loader.py": "ROWS = 10\n",
    "jobs/nightly.py": "import sys\nsys.path.insert(0, '/home/alice/proj/etl')\nimport loader\n",
    "tools/paths.py": "import sys\nsys.path.append('/home/alice/proj/tools/vendor')\n",
    "tools/vendor/lib.py": "X = 1\n",
    # Files that reach nothing moved.
    **{f"misc/unrelated_{number}.py": f"import json\n\nVALUE_{number} = json.dumps({number})\n" for number in range(12)},
}

BATCHES = ("module", "folder", "glob", "symbol", "hard-coded")


def plans(root: Path, batch: str, options: RewriteOptions = DEFAULT_REWRITE_OPTIONS) -> tuple[dict, dict, int, int]:
    """Return the plan from the whole inventory, the plan from the focused one, and how many files each parsed."""
    config = load_config(root)
    whole = scan_target(root, config, use_cache=False)
    part = scan_target(root, config, use_cache=False, focus=batch_focus(config, batch))
    read = file_reader(root)
    return (
        plan_as_dict(plan_batch(config, batch, whole, read, options=options), with_diff=True),
        plan_as_dict(plan_batch(config, batch, part, read, options=options), with_diff=True),
        whole.parsed,
        part.parsed,
    )


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    return make_repo(tmp_path_factory.mktemp("focus") / "repo", FILES)


@pytest.mark.parametrize("batch", BATCHES)
def test_focused_plan_equals_whole_plan(repository, batch):
    whole, part, whole_parsed, part_parsed = plans(repository, batch)

    assert part == whole
    assert part_parsed < whole_parsed


@pytest.mark.parametrize("batch", BATCHES)
def test_focused_plan_equal_with_rewrite_options(repository, batch):
    whole, part, _, _ = plans(repository, batch, RewriteOptions(commands=True, docs=True))

    assert part == whole


@pytest.mark.parametrize(
    ("batch", "found"),
    [
        pytest.param("module", {"scripts/etl/beside.py", "scripts/etl/relative.py", "scripts/other/edited.py", "scripts/other/chain.py", "tests/test_config.py"}, id="every-spelling-of-a-module"),
        pytest.param("folder", {"scripts/use_pkg.py"}, id="chain-into-a-moved-sub-package"),
        pytest.param("glob", {"scripts/jobs/runner.py"}, id="from-package-import-of-glob-matches"),
        pytest.param("symbol", {"scripts/util/use_helpers.py"}, id="import-of-a-moved-function"),
        pytest.param("hard-coded", {"jobs/nightly.py"}, id="import-through-a-mapped-hard-coded-path"),
    ],
)
def test_focused_plan_finds_the_sites_outside_the_batch(repository, batch, found):
    _, part, _, _ = plans(repository, batch)

    changed = {change["path"] for change in part["changes"] if change["sites"] or change["strings"]}
    kept = {finding["file"] for finding in part["kept"]}
    assert found <= changed | kept


def test_focused_plan_lists_commands(repository):
    _, part, _, _ = plans(repository, "module")

    assert {(command["file"], command["target"]) for command in part["commands"]} == {
        ("crontab", "scripts/etl/scraper_config.py"),
        ("run.sh", "scripts/etl/scraper_config.py"),
    }


def test_focused_plan_equal_on_legacy_fixture(tmp_path):
    root = make_legacy_repo(tmp_path / "legacy")

    whole, part, _, _ = plans(root, "etl-base")

    assert part == whole
