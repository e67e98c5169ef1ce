"""`codemod shims --pytest`: the setting is written for the file pytest reads, in that file's syntax."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codemods.errors import CodemodError
from codemods.shim_usage import SYNTAX_INI, SYNTAX_TOML, find_pytest_config, pytest_filterwarnings
from shimgen import ShimRecord, ShimSpec, render_shim
from shimgen.manifest import manifest_path, save_manifest
from tests.conftest import codemod, make_repo, write_tree

PYTEST_9 = int(pytest.__version__.split(".")[0]) >= 9
needs_pytest_9 = pytest.mark.skipif(not PYTEST_9, reason="pytest.toml and [tool.pytest] need pytest 9.0 or later")

SPEC = ShimSpec("scripts/etl/old.py", "scripts.etl.old", "pkg.new", "module", "b", "2026-12-04", "2027-06-30")
STUB = render_shim(SPEC)
RECORD = ShimRecord.from_spec(SPEC, STUB)
PROJECT = {
    "scripts/etl/old.py": STUB,
    "pkg/__init__.py": "",
    "pkg/new.py": "VALUE = 1\n",
    "tests/test_new.py": "import pkg.new\n\ndef test_new():\n    assert pkg.new.VALUE == 1\n",
    "tests/test_old.py": "import scripts.etl.old\n\ndef test_old():\n    pass\n",
}


def run_pytest(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run pytest as `python -m pytest`, which puts the folder on sys.path, without inherited warning filters."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONWARNINGS")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        env=environment,
    )


def configfile_of(output: str) -> str:
    """Return the configuration file named in the header of a pytest run, or "" for none."""
    found = re.search(r"configfile: (\S+)", output)
    return found.group(1) if found else ""


def add_setting(text: str, snippet: str, has_section: bool) -> str:
    """Put ``snippet`` into a configuration file's text as a user would: under the existing section, or at the end."""
    header = snippet.splitlines(keepends=True)[0]
    if has_section:
        assert header in text
        return text.replace(header, snippet, 1)
    return text + ("\n" if text else "") + snippet


# Which file pytest reads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "files, expected",
    [
        pytest.param({}, ("pytest.ini", "pytest", SYNTAX_INI, False, False, False), id="nothing-configured-new-pytest-ini"),
        pytest.param(
            {"pytest.ini": "[pytest]\nxfail_strict = true\n", "pyproject.toml": "[tool.pytest.ini_options]\nxfail_strict = true\n"},
            ("pytest.ini", "pytest", SYNTAX_INI, True, True, False),
            id="pytest-ini-wins-over-pyproject",
        ),
        pytest.param(
            {"pytest.ini": "", "tox.ini": "[pytest]\nxfail_strict = true\n"},
            ("pytest.ini", "pytest", SYNTAX_INI, True, False, False),
            id="empty-pytest-ini-still-wins",
        ),
        pytest.param(
            {".pytest.ini": "[pytest]\nfilterwarnings =\n    ignore::UserWarning\n", "setup.cfg": "[tool:pytest]\n"},
            (".pytest.ini", "pytest", SYNTAX_INI, True, True, True),
            id="hidden-pytest-ini-with-filterwarnings",
        ),
        pytest.param(
            {"pytest.toml": "[pytest]\nxfail_strict = true\n", "pytest.ini": "[pytest]\n"},
            ("pytest.toml", "pytest", SYNTAX_TOML, True, True, False),
            id="pytest-toml-wins-over-pytest-ini",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.pytest.ini_options]\nfilterwarnings = ['ignore']\n", "tox.ini": "[pytest]\n"},
            ("pyproject.toml", "tool.pytest.ini_options", SYNTAX_TOML, True, True, True),
            id="pyproject-ini-options-wins-over-tox-ini",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.pytest]\nxfail_strict = true\n"},
            ("pyproject.toml", "tool.pytest", SYNTAX_TOML, True, True, False),
            id="pyproject-native-toml-table",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.ruff]\n", "tox.ini": "[tox]\n\n[pytest]\nxfail_strict = true\n"},
            ("tox.ini", "pytest", SYNTAX_INI, True, True, False),
            id="pyproject-without-table-skipped-for-tox-ini",
        ),
        pytest.param(
            {"tox.ini": "[tox]\nenvlist = py311\n", "setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\nFilterWarnings = ignore\n"},
            ("setup.cfg", "tool:pytest", SYNTAX_INI, True, True, False),
            id="tox-ini-without-section-skipped-for-setup-cfg",
        ),
        pytest.param(
            {"setup.cfg": "[tool:pytest]\nfilterwarnings =\n    ignore::UserWarning\n"},
            ("setup.cfg", "tool:pytest", SYNTAX_INI, True, True, True),
            id="setup-cfg-with-filterwarnings",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.codemod]\npackage = 'pkg'\n", "setup.cfg": "[metadata]\n"},
            ("pyproject.toml", "tool.pytest.ini_options", SYNTAX_TOML, True, False, False),
            id="pyproject-without-table-when-nothing-else",
        ),
        pytest.param(
            {"tox.ini": "[testenv]\ncommands = pytest {posargs} --cov=%(here)s\n"},
            ("pytest.ini", "pytest", SYNTAX_INI, False, False, False),
            id="tox-ini-percent-signs-read-without-interpolation",
        ),
    ],
)
def test_config_file_found(tmp_path, files, expected):
    write_tree(tmp_path, files)

    config = find_pytest_config(tmp_path)

    assert (config.path, config.section, config.syntax, config.exists, config.has_section, config.has_filterwarnings) == expected
    if PYTEST_9:
        assert configfile_of(run_pytest(tmp_path, "--collect-only").stdout) == (config.path if config.exists else "")


@pytest.mark.parametrize(
    "files, message",
    [
        pytest.param({"pyproject.toml": "[tool.pytest\n"}, "pyproject.toml: invalid TOML", id="invalid-toml"),
        pytest.param({"pytest.ini": "xfail_strict = true\n"}, "pytest.ini: invalid INI file", id="ini-without-section-header"),
        pytest.param(
            {"pyproject.toml": "[tool.pytest]\nxfail_strict = true\n\n[tool.pytest.ini_options]\nxfail_strict = true\n"},
            "keep one of the two tables",
            id="pyproject-with-both-tables",
        ),
    ],
)
def test_unreadable_config_named(tmp_path, files, message):
    write_tree(tmp_path, files)

    with pytest.raises(CodemodError, match=message):
        find_pytest_config(tmp_path)


# The setting works in each file ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        pytest.param("pytest.ini", "[pytest]\nxfail_strict = true\n", id="pytest-ini"),
        pytest.param(".pytest.ini", "", id="empty-hidden-pytest-ini"),
        pytest.param("tox.ini", "[tox]\nenvlist = py311\n\n[pytest]\nxfail_strict = true\n", id="tox-ini"),
        pytest.param("setup.cfg", "[metadata]\nname = demo\n\n[tool:pytest]\nxfail_strict = true\n", id="setup-cfg"),
        pytest.param("pyproject.toml", "[tool.pytest.ini_options]\nxfail_strict = true\n", id="pyproject-ini-options"),
        pytest.param("pyproject.toml", "[project]\nname = 'demo'\n", id="pyproject-without-table"),
        pytest.param("pytest.toml", "[pytest]\nxfail_strict = true\n", id="pytest-toml", marks=needs_pytest_9),
        pytest.param("pyproject.toml", "[tool.pytest]\nxfail_strict = true\n", id="pyproject-native-table", marks=needs_pytest_9),
        pytest.param("", "", id="new-pytest-ini"),
    ],
)
def test_setting_fails_old_imports(tmp_path, name, text):
    write_tree(tmp_path, {**PROJECT, **({name: text} if name else {})})
    config = find_pytest_config(tmp_path)
    target = tmp_path / config.path
    before = target.read_text() if target.exists() else ""
    target.write_text(add_setting(before, pytest_filterwarnings([RECORD], config), config.has_section))

    completed = run_pytest(tmp_path, "-rA", "--continue-on-collection-errors", "tests")

    assert configfile_of(completed.stdout) == config.path
    assert "ERROR tests/test_old.py" in completed.stdout
    assert "DeprecationWarning: scripts.etl.old is deprecated; import pkg.new instead" in completed.stdout
    assert "PASSED tests/test_new.py::test_new" in completed.stdout


def test_pyproject_table_ignored_beside_pytest_ini(tmp_path):
    """Show why the file matters: beside a pytest.ini, pytest ignores a table added to pyproject.toml."""
    write_tree(tmp_path, {**PROJECT, "pytest.ini": "[pytest]\n", "pyproject.toml": pytest_filterwarnings([RECORD])})

    completed = run_pytest(tmp_path, "tests/test_old.py")

    assert configfile_of(completed.stdout) == "pytest.ini"
    assert completed.returncode == 0, completed.stdout


# The command -------------------------------------------------------------------------------


def shim_repo(root: Path, files: dict[str, str]) -> Path:
    make_repo(root, {**PROJECT, **files})
    save_manifest(root / manifest_path(RECORD.batch), [RECORD])
    return root


@pytest.mark.parametrize(
    "files, first_lines, note",
    [
        pytest.param(
            {"pytest.ini": "[pytest]\nxfail_strict = true\n", "pyproject.toml": "[tool.ruff]\n"},
            ["[pytest]", "filterwarnings ="],
            "pytest reads its settings from pytest.ini; add the filterwarnings setting below to its [pytest] section",
            id="pytest-ini",
        ),
        pytest.param(
            {"setup.cfg": "[tool:pytest]\nfilterwarnings =\n    ignore::UserWarning\n"},
            ["[tool:pytest]", "filterwarnings ="],
            "pytest reads its settings from setup.cfg, whose [tool:pytest] already sets filterwarnings; "
            "add the lines below to that setting instead of adding a second filterwarnings",
            id="setup-cfg-with-filterwarnings",
        ),
        pytest.param(
            {"pyproject.toml": "[project]\nname = 'demo'\n"},
            ["[tool.pytest.ini_options]", "filterwarnings = ["],
            "pytest reads its settings from pyproject.toml; add the [tool.pytest.ini_options] section below to it",
            id="pyproject-without-table",
        ),
        pytest.param(
            {},
            ["[pytest]", "filterwarnings ="],
            "no file in the repository root configures pytest; save the [pytest] setting below as pytest.ini there",
            id="nothing-configured",
        ),
    ],
)
def test_command_names_target_file(tmp_path, files, first_lines, note):
    root = shim_repo(tmp_path / "repo", files)

    completed = codemod("shims", "--pytest", cwd=root / "tests")

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[:2] == first_lines
    assert r"error:[\w.]+ is deprecated; import pkg\.new instead:DeprecationWarning" in completed.stdout
    assert note in completed.stderr


def test_command_invalid_config_exit_code(tmp_path):
    root = shim_repo(tmp_path / "repo", {"tox.ini": "[pytest\n"})

    completed = codemod("shims", "--pytest", cwd=root)

    assert completed.returncode == 4
    assert "tox.ini: invalid INI file" in completed.stderr
    assert completed.stdout == ""


# A configuration that turns off pytest's warnings plugin ------------------------------------


@pytest.mark.parametrize(
    "files, disables",
    [
        pytest.param({"pytest.ini": "[pytest]\naddopts = -q -p no:warnings\n"}, True, id="pytest-ini-separate-value"),
        pytest.param({"pytest.ini": "[pytest]\naddopts = -pno:warnings\n"}, True, id="pytest-ini-attached-value"),
        pytest.param({"pytest.ini": "[pytest]\naddopts =\n    -q\n    -p no:warnings\n"}, True, id="pytest-ini-multiline-addopts"),
        pytest.param({"tox.ini": "[pytest]\naddopts = -p no:pytest_warnings\n"}, True, id="tox-ini-module-name"),
        pytest.param({"setup.cfg": "[tool:pytest]\naddopts = -p no:warnings\n"}, True, id="setup-cfg"),
        pytest.param({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-p no:warnings'\n"}, True, id="pyproject-string"),
        pytest.param({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = ['-p', 'no:warnings']\n"}, True, id="pyproject-list"),
        pytest.param({"pyproject.toml": "[tool.pytest]\naddopts = ['-p no:warnings']\n"}, True, id="pyproject-native-list-item-with-space"),
        pytest.param({"pytest.ini": "[pytest]\naddopts = -p no:warnings -p warnings\n"}, False, id="turned-on-again-later"),
        pytest.param({"pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\n"}, False, id="other-plugin-off"),
        pytest.param({"pytest.ini": "[pytest]\naddopts = -W ignore::UserWarning\n"}, False, id="warning-option-only"),
        pytest.param(
            {"pytest.ini": "[pytest]\n", "tox.ini": "[pytest]\naddopts = -p no:warnings\n"},
            False,
            id="file-pytest-does-not-read",
        ),
        pytest.param({}, False, id="no-configuration"),
    ],
)
def test_warnings_plugin_off_detected(tmp_path, files, disables):
    write_tree(tmp_path, files)

    assert find_pytest_config(tmp_path).disables_warnings is disables


def test_plugin_off_makes_setting_useless(tmp_path):
    """Show why the command warns: with -p no:warnings in addopts, the printed setting does not fail old imports."""
    write_tree(tmp_path, {**PROJECT, "pytest.ini": "[pytest]\naddopts = -p no:warnings\n"})
    config = find_pytest_config(tmp_path)
    text = (tmp_path / "pytest.ini").read_text()
    (tmp_path / "pytest.ini").write_text(add_setting(text, pytest_filterwarnings([RECORD], config), True))

    silent = run_pytest(tmp_path, "tests/test_old.py")
    (tmp_path / "pytest.ini").write_text((tmp_path / "pytest.ini").read_text().replace("addopts = -p no:warnings\n", ""))
    failing = run_pytest(tmp_path, "tests/test_old.py")

    assert silent.returncode == 0, silent.stdout
    assert failing.returncode != 0, failing.stdout
    assert "DeprecationWarning: scripts.etl.old is deprecated" in failing.stdout


@pytest.mark.parametrize(
    "files, warned",
    [
        pytest.param({"pytest.ini": "[pytest]\naddopts = -q -p no:warnings\n"}, "pytest.ini sets `-p no:warnings` in the addopts of its [pytest] section", id="pytest-ini"),
        pytest.param(
            {"pyproject.toml": "[tool.pytest.ini_options]\naddopts = ['-p', 'no:warnings']\n"},
            "pyproject.toml sets `-p no:warnings` in the addopts of its [tool.pytest.ini_options] section",
            id="pyproject-toml",
        ),
        pytest.param({"pytest.ini": "[pytest]\naddopts = -q\n"}, "", id="plugin-on"),
    ],
)
def test_command_warns_plugin_off(tmp_path, files, warned):
    root = shim_repo(tmp_path / "repo", files)

    completed = codemod("shims", "--pytest", cwd=root)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("[")
    if warned:
        assert f"warning: {warned}" in completed.stderr
        assert "Remove `-p no:warnings` from addopts" in completed.stderr
    else:
        assert "no:warnings" not in completed.stderr
