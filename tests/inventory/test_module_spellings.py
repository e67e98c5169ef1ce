"""Every name under which one file is imported, from a real scan and through the CLI."""

from __future__ import annotations

import json

import pytest

from inventory import scan_repository
from inventory.names import spellings_as_json, spellings_of
from tests.conftest import codemod, make_repo

# One file, scripts/pbp/x.py, reached under four names.
FILES = {
    "scripts/pbp/__init__.py": "",
    "scripts/pbp/x.py": "VALUE = 1\n",
    "scripts/pbp/sibling.py": "import x\nfrom .x import VALUE\n",
    "scripts/pbp/runner.py": (
        "import os\n"
        "import sys\n"
        "sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n"
        "from pbp.x import VALUE\n"
        "from pbp import x, sibling\n"
    ),
    "tools/main.py": "import scripts.pbp.x\nfrom scripts.pbp.x import VALUE, VALUE as OTHER\n",
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("spellings") / "repo", FILES)


@pytest.fixture(scope="module")
def inventory(repository):
    return scan_repository(repository, use_cache=False)


def test_every_spelling_is_listed(inventory):
    spellings = {spelling.written: spelling for spelling in spellings_of(inventory, "scripts/pbp/x.py")}

    assert set(spellings) == {"x", ".x", "pbp.x", "scripts.pbp.x"}
    assert spellings["x"].via == "script-folder"
    assert spellings["pbp.x"].via == "path-edit"
    assert spellings[".x"].absolute == "scripts.pbp.x"


def test_sites_are_per_statement(inventory):
    spellings = {spelling.written: spelling for spelling in spellings_of(inventory, "scripts/pbp/x.py")}

    assert spellings["scripts.pbp.x"].locations() == ["tools/main.py:1", "tools/main.py:2"]
    assert spellings["pbp.x"].locations() == ["scripts/pbp/runner.py:4", "scripts/pbp/runner.py:5"]
    assert spellings["x"].locations() == ["scripts/pbp/sibling.py:1"]


@pytest.mark.parametrize("path", ["./scripts/pbp/x.py", "scripts//pbp/x.py", "scripts\\pbp\\x.py"])
def test_path_spelling_normalized(inventory, path):
    assert len(spellings_of(inventory, path)) == 4


def test_unimported_file_has_none(inventory):
    assert spellings_of(inventory, "tools/main.py") == ()


def test_json_shape(inventory):
    data = spellings_as_json({"scripts/pbp/x.py": spellings_of(inventory, "scripts/pbp/x.py")})

    first = data["scripts/pbp/x.py"][0]
    assert set(first) == {"written", "absolute", "via", "sites"}
    assert first["written"] == ".x"
    assert first["sites"] == ["scripts/pbp/sibling.py:2"]


def test_cli_module_view(repository):
    completed = codemod("inventory", "--module", "scripts/pbp/x.py", cwd=repository)

    assert completed.returncode == 0, completed.stderr
    assert "scripts.pbp.x" in completed.stdout
    assert "scripts/pbp/runner.py:4" in completed.stdout
    assert "Python files" not in completed.stdout  # the module view replaces the summary table


def test_cli_json_has_spellings(repository, tmp_path):
    output = tmp_path / "inventory.json"

    completed = codemod("inventory", "--json", str(output), cwd=repository)

    assert completed.returncode == 0, completed.stderr
    data = json.loads(output.read_text())
    written = {item["written"] for item in data["spellings"]["scripts/pbp/x.py"]}
    assert written == {"x", ".x", "pbp.x", "scripts.pbp.x"}
    assert data["stats"]["imports_by_kind"]["relative"] == 1
