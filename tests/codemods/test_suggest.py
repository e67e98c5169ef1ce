"""Batches suggested from the import graph, written as a codemod.toml that load_config accepts."""

from __future__ import annotations

import pytest

from codemods.config import load_config
from codemods.suggest import module_name, render_toml, suggest_batches
from inventory import scan_repository
from tests.conftest import codemod, make_repo

PATH_EDIT = "import os, sys\nsys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n"

FILES = {
    # base imports nothing; etl imports base; report imports etl: the order must be base, etl, report.
    "scripts/report/weekly.py": PATH_EDIT + "import etl.load\n",
    "scripts/etl/load.py": PATH_EDIT + "import base.config\n",
    "scripts/etl/daily_scraper.py": PATH_EDIT + "import base.config\n",
    "scripts/base/config.py": "VALUE = 1\n",
    # two folders that import each other become one batch
    "scripts/left/a.py": PATH_EDIT + "import right.b\n",
    "scripts/right/b.py": PATH_EDIT + "import left.a\n",
    "scripts/0_0011/run-job.py": "print('phase')\n",
    "scripts/class/x.py": "X = 1\n",
    "scripts/loose.py": "Y = 2\n",
    "validators/check.py": "import scripts.etl.load\n",
    "tests/test_load.py": "import scripts.etl.load\n",
    "setup.py": "print('setup')\n",
    "deploy/crontab": "0 3 * * * cd /srv && python scripts/etl/load.py\n",
    "README.md": "Try it: `python scripts/base/config.py`\n",
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("suggest") / "repo", FILES)


@pytest.fixture(scope="module")
def inventory(repository):
    return scan_repository(repository, use_cache=False)


@pytest.fixture(scope="module")
def suggestion(inventory):
    return suggest_batches(inventory, package="nba_simulator", protect=["scripts/etl/*_scraper.py"])


def batches_by_name(suggestion):
    return {batch.name: batch for batch in suggestion.batches}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("0_0011", "phase_0_0011", id="leading-digit"),
        pytest.param("data-tools", "data_tools", id="hyphen"),
        pytest.param("5.0001_features", "phase_5_0001_features", id="dot-and-digit"),
        pytest.param("class", "class_", id="keyword"),
        pytest.param("lambda", "lambda_", id="other-keyword"),
    ],
)
def test_module_name_made_valid(name, expected):
    assert module_name(name) == expected


@pytest.mark.parametrize("name", ["etl", "pbp_to_boxscore", "_private", "match"])
def test_valid_names_unchanged(name):
    assert module_name(name) == name


def test_batches_in_dependency_order(suggestion):
    names = [batch.name for batch in suggestion.batches]

    assert names.index("base") < names.index("etl") < names.index("report")
    assert names.index("etl") < names.index("validators")


def test_dependencies_are_earlier_batches(suggestion):
    seen: set[str] = set()
    for batch in suggestion.batches:
        assert set(batch.depends_on) <= seen, batch.name
        seen.add(batch.name)
    assert batches_by_name(suggestion)["etl"].depends_on == ("base",)


def test_folders_importing_each_other_merge(suggestion):
    batch = batches_by_name(suggestion)["left-right"]

    assert batch.folders == ("scripts/left", "scripts/right")
    assert batch.is_cycle


def test_protected_file_left_out(suggestion):
    etl = batches_by_name(suggestion)["etl"]

    assert etl.protected == ("scripts/etl/daily_scraper.py",)
    assert etl.moves == (("scripts/etl/load.py", "nba_simulator.etl.load"),)


def test_started_from_outside_flagged(suggestion):
    assert batches_by_name(suggestion)["etl"].started_from_outside == ("scripts/etl/load.py",)


def test_commands_in_docs_not_flagged(inventory, suggestion):
    readme = [reference for reference in inventory.references if reference.file == "README.md"]

    assert [(reference.target, reference.starts_python) for reference in readme] == [("scripts/base/config.py", True)]
    assert batches_by_name(suggestion)["base"].started_from_outside == ()


def test_whole_folder_moves_when_names_are_valid(suggestion):
    assert batches_by_name(suggestion)["base"].moves == (("scripts/base/", "nba_simulator.base"),)


def test_invalid_names_moved_file_by_file(suggestion):
    phase = batches_by_name(suggestion)["phase_0_0011"]

    assert phase.moves == (("scripts/0_0011/run-job.py", "nba_simulator.phase_0_0011.run_job"),)
    assert batches_by_name(suggestion)["class_"].moves == (("scripts/class/", "nba_simulator.class_"),)


def test_files_directly_in_scripts_moved_one_by_one(suggestion):
    assert batches_by_name(suggestion)["scripts"].moves == (("scripts/loose.py", "nba_simulator.scripts.loose"),)


def test_tests_and_root_files_left_out(suggestion):
    left_out = dict(suggestion.left_out)

    assert set(left_out) == {"", "tests"}
    assert "tests" not in batches_by_name(suggestion)


def test_toml_round_trip(suggestion, tmp_path):
    (tmp_path / "codemod.toml").write_text(render_toml(suggestion, source="repo"), encoding="utf-8")

    config = load_config(tmp_path)

    assert [batch.name for batch in config.batches] == [batch.name for batch in suggestion.batches]
    assert config.protect == ("scripts/etl/*_scraper.py",)
    etl = config.batch("etl")
    assert [(move.source, move.target) for move in etl.moves] == [("scripts/etl/load.py", "nba_simulator.etl.load")]


def test_toml_comments_flag_what_to_watch(suggestion):
    text = render_toml(suggestion)

    assert "#   scripts/etl/load.py" in text  # started by cron
    assert "#   scripts/etl/daily_scraper.py" in text  # protected
    assert "These folders import each other" in text
    assert "# Left out: tests/" in text


def test_toml_escapes_odd_paths(tmp_path):
    repository = make_repo(tmp_path / "repo", {'scripts/we"ird/x y.py': "X = 1\n"})
    suggestion = suggest_batches(scan_repository(repository, use_cache=False), package="pkg")
    (tmp_path / "codemod.toml").write_text(render_toml(suggestion), encoding="utf-8")

    config = load_config(tmp_path)

    assert [(move.source, move.target) for move in config.batches[0].moves] == [
        ('scripts/we"ird/x y.py', "pkg.we_ird.x_y")
    ]


def test_cli_writes_loadable_file(repository, tmp_path):
    output = tmp_path / "codemod.toml"

    completed = codemod("plan", "--suggest", "--output", str(output), cwd=repository)

    assert completed.returncode == 0, completed.stderr
    assert "batches suggested" in completed.stderr
    assert load_config(tmp_path).package == "repo"


def test_cli_prints_to_stdout_without_output(repository):
    completed = codemod("plan", "--suggest", cwd=repository)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("# Batches suggested")


def test_cli_keeps_an_existing_file(repository, tmp_path):
    output = tmp_path / "codemod.toml"
    output.write_text("keep me\n")

    completed = codemod("plan", "--suggest", "--output", str(output), cwd=repository)

    assert completed.returncode == 4
    assert "already exists" in completed.stderr
    assert output.read_text() == "keep me\n"


def test_cli_plan_needs_batch_or_suggest(repository):
    completed = codemod("plan", cwd=repository)

    assert completed.returncode == 2
    assert "--batch NAME" in completed.stderr
