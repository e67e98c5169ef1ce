"""`codemod shims`: remaining uses of old names, ruff and pytest settings, pickles, usage log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codemods.apply import apply_batch
from codemods.cli import main
from codemods.errors import BatchError
from codemods.shim_usage import (
    NEEDS_PATH,
    NOT_RESCUABLE,
    RESCUABLE,
    find_shim_users,
    pytest_filterwarnings,
    ruff_banned_api,
    scan_pickles,
    shim_records,
    shim_usage,
)
from codemods.workspace import scan_target
from shimgen import ShimRecord, ShimSpec, render_shim
from shimgen.manifest import LEGACY_MANIFEST_PATH, is_manifest_path, manifest_path, save_manifest
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import codemod, git, write_tree


def invoke(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run codemod in this process, faster than a child process, with stdout and stderr apart."""
    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        runner = CliRunner()  # click 8.2 and later keep stderr apart by default
    result = runner.invoke(main, ["--no-color", "--root", str(cwd), *arguments], catch_exceptions=False)
    return subprocess.CompletedProcess(arguments, result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("shims") / "repo")
    apply_batch(root, "etl-base")
    return root


@pytest.fixture(scope="module")
def checkout(legacy, tmp_path_factory):
    """The batch branch checked out in a worktree, as a user sees it after merging."""
    folder = tmp_path_factory.mktemp("checkout") / "branch"
    git(legacy, "worktree", "add", "--quiet", str(folder), "codemod/etl-base")
    return folder


def uses_by_shim(report) -> dict[str, list[tuple[str, int, str]]]:
    return {item.record.old_path: [(use.file, use.line, use.kind) for use in item.uses] for item in report.shims}


# Uses in the legacy fixture ----------------------------------------------------------


def test_batch_branch_uses_listed(legacy):
    report = shim_usage(legacy, batch="etl-base")

    uses = uses_by_shim(report)
    assert report.source.startswith("codemod/etl-base at ")
    assert uses["scripts/etl/scraper_config.py"] == [
        ("deploy/crontab", 1, "command"),
        ("scripts/automation/generate_migration.py", 5, "string"),
        ("scripts/etl/bare_sibling.py", 4, "import"),
        ("scripts/shell/run_scrapers.sh", 3, "command"),
    ]
    assert uses["scripts/etl/async_scraper_base.py"] == [("scripts/automation/generate_migration.py", 4, "string")]
    assert uses["scripts/etl/adaptive_rate_limiter.py"] == []
    assert uses["scripts/etl/scraper_telemetry.py"] == []


def test_config_file_not_a_user(legacy):
    report = shim_usage(legacy, batch="etl-base")

    files = {use.file for item in report.shims for use in item.uses}
    assert "codemod.toml" not in files
    assert not [file for file in files if is_manifest_path(file)]


def test_checkout_matches_batch_branch(legacy, checkout):
    from_checkout = shim_usage(checkout, use_cache=False)
    from_branch = shim_usage(legacy, batch="etl-base")

    assert from_checkout.source == "working tree"
    assert uses_by_shim(from_checkout) == uses_by_shim(from_branch)


def test_unknown_batch_branch_rejected(legacy):
    with pytest.raises(BatchError, match="codemod apply --batch"):
        shim_records(legacy, batch="not-applied")


# Uses in small repositories -----------------------------------------------------------


def stub(old_path: str, old_module: str, new_module: str, kind: str = "module") -> tuple[str, ShimRecord]:
    spec = ShimSpec(old_path, old_module, new_module, kind, "b", "2026-12-04", "2027-06-30")
    text = render_shim(spec)
    return text, ShimRecord.from_spec(spec, text)


@pytest.mark.parametrize(
    "user, expected",
    [
        pytest.param("import scripts.etl.old\n", [("user.py", 1, "import")], id="import-dotted"),
        pytest.param("from scripts.etl.old import f\n", [("user.py", 1, "import")], id="from-old-import-name"),
        pytest.param("from scripts.etl import old\n", [("user.py", 1, "import")], id="from-parent-import-old"),
        pytest.param(
            "def lazy():\n    import scripts.etl.old as o\n    return o\n", [("user.py", 2, "import")], id="lazy-import"
        ),
        pytest.param(
            "from unittest import mock\n\n@mock.patch('scripts.etl.old.f')\ndef test(): pass\n",
            [("user.py", 3, "string")],
            id="mock-patch-string",
        ),
        pytest.param(
            "import importlib\nimportlib.import_module('scripts.etl.old')\n", [("user.py", 2, "string")], id="import-module-string"
        ),
    ],
)
def test_python_uses_found(tmp_path, user, expected):
    text, record = stub("scripts/etl/old.py", "scripts.etl.old", "pkg.new")
    write_tree(tmp_path, {"scripts/etl/old.py": text, "pkg/__init__.py": "", "pkg/new.py": "def f(): pass\n", "user.py": user})

    [usage] = find_shim_users(scan_target(tmp_path, None, use_cache=False), [record])

    assert [(use.file, use.line, use.kind) for use in usage.uses] == expected


@pytest.mark.parametrize(
    "user",
    [
        pytest.param("import pkg.new\n", id="new-name"),
        pytest.param("import scripts.etl.older\n", id="longer-name-with-same-prefix"),
        pytest.param("x = 'scripts.etl.older'\n", id="string-with-same-prefix"),
        pytest.param("from scripts.other import old\n", id="same-basename-other-folder"),
    ],
)
def test_other_names_not_uses(tmp_path, user):
    text, record = stub("scripts/etl/old.py", "scripts.etl.old", "pkg.new")
    write_tree(
        tmp_path,
        {
            "scripts/etl/old.py": text,
            "scripts/etl/older.py": "",
            "scripts/other/old.py": "",
            "pkg/__init__.py": "",
            "pkg/new.py": "",
            "user.py": user,
        },
    )

    [usage] = find_shim_users(scan_target(tmp_path, None, use_cache=False), [record])

    assert usage.uses == ()


def test_package_submodule_import_is_use(tmp_path):
    text, record = stub("scripts/dims/__init__.py", "scripts.dims", "pkg.dims", kind="package")
    write_tree(
        tmp_path,
        {
            "scripts/dims/__init__.py": text,
            "pkg/__init__.py": "",
            "pkg/dims/__init__.py": "",
            "pkg/dims/sub.py": "",
            "user.py": "import scripts.dims.sub\n",
        },
    )

    [usage] = find_shim_users(scan_target(tmp_path, None, use_cache=False), [record])

    assert [(use.file, use.kind, use.text) for use in usage.uses] == [("user.py", "import", "import scripts.dims.sub")]


def test_commands_in_other_files_found(tmp_path):
    text, record = stub("scripts/etl/old.py", "scripts.etl.old", "pkg.new")
    write_tree(
        tmp_path,
        {
            "scripts/etl/old.py": text,
            "pkg/__init__.py": "",
            "pkg/new.py": "",
            "deploy/crontab": "0 5 * * * cd /srv/app && python scripts/etl/old.py --daily\n",
            "Makefile": "run:\n\tpython -m scripts.etl.old\n",
        },
    )

    [usage] = find_shim_users(scan_target(tmp_path, None, use_cache=False), [record])

    commands = [(use.file, use.line, use.kind) for use in usage.uses]
    assert commands == [("Makefile", 2, "command"), ("deploy/crontab", 1, "command")]


def test_doc_mentions_do_not_keep_shim(tmp_path):
    text, record = stub("scripts/etl/old.py", "scripts.etl.old", "pkg.new")
    write_tree(
        tmp_path,
        {
            "scripts/etl/old.py": text,
            "pkg/__init__.py": "",
            "pkg/new.py": "",
            "docs/usage.md": "Run `python scripts/etl/old.py` once a day.\n",
        },
    )

    [usage] = find_shim_users(scan_target(tmp_path, None, use_cache=False), [record])

    assert [(use.file, use.line, use.kind) for use in usage.uses] == [("docs/usage.md", 1, "doc")]
    assert not usage.in_use


# Settings that stop new uses ------------------------------------------------------------


RECORDS = [
    stub("scripts/etl/old.py", "scripts.etl.old", "pkg.new")[1],
    stub("scripts/etl/job.py", "scripts.etl.job", "pkg.jobs.job")[1],
]


def test_ruff_table_has_entry_per_old_name():
    table = ruff_banned_api(RECORDS)

    lines = table.splitlines()
    assert lines[0] == "[tool.ruff.lint.flake8-tidy-imports.banned-api]"
    assert lines[1].startswith('"scripts.etl.job".msg = "scripts.etl.job moved to pkg.jobs.job; import pkg.jobs.job instead')
    assert lines[2].startswith('"scripts.etl.old".msg = ')
    assert len(lines) == 3


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_reports_old_imports(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.ruff.lint]\nselect = [\"TID251\"]\n\n" + ruff_banned_api(RECORDS),
            "old_user.py": "import scripts.etl.old\nfrom scripts.etl.job import run\nfrom scripts.etl import old\n",
            "new_user.py": "import pkg.new\nfrom pkg.jobs.job import run\n",
        },
    )

    completed = subprocess.run(
        ["ruff", "check", "--no-cache", "--output-format", "concise", "."], cwd=tmp_path, capture_output=True, text=True
    )

    reported = [line for line in completed.stdout.splitlines() if "TID251" in line]
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert len(reported) == 3, completed.stdout
    assert all(line.startswith("old_user.py:") for line in reported)
    assert "import pkg.new instead" in completed.stdout


# Old files imported under several names: from the root, from their own folder, through a sys.path edit.
SNAPSHOT_STUB, SNAPSHOT = stub("scripts/pbp/snapshot.py", "scripts.pbp.snapshot", "pkg.snapshot")
CONFIG_STUB, CONFIG = stub("scripts/pbp/config.py", "scripts.pbp.config", "pkg.config")
CLICK_STUB, CLICK = stub("scripts/pbp/click.py", "scripts.pbp.click", "pkg.cli")
SPELLINGS_PROJECT = {
    "scripts/pbp/snapshot.py": SNAPSHOT_STUB,
    "scripts/pbp/config.py": CONFIG_STUB,
    "scripts/pbp/click.py": CLICK_STUB,
    "pkg/__init__.py": "",
    "pkg/snapshot.py": "VALUE = 2\n",
    "pkg/config.py": "NAME = 'pbp'\n",
    "pkg/cli.py": "def main():\n    return None\n",
    "scripts/pbp/run.py": "from snapshot import VALUE\nimport config\nimport click\n",
    "jobs/nightly.py": (
        "import sys\nfrom pathlib import Path\n\n"
        'sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))\n'
        "import pbp.snapshot  # noqa: E402\n"
    ),
    "scripts/other/config.py": "NAME = 'other'\n",
    "scripts/other/use_config.py": "import config\n",
    "tools/command.py": "import click\n",
}
SPELLING_RECORDS = [SNAPSHOT, CONFIG, CLICK]


@pytest.fixture(scope="module")
def spellings_repo(tmp_path_factory):
    from tests.conftest import make_repo

    root = make_repo(tmp_path_factory.mktemp("spellings") / "repo", SPELLINGS_PROJECT)
    save_manifest(root / manifest_path("b"), SPELLING_RECORDS)
    return root


@pytest.mark.parametrize(
    "name, old_path",
    [
        pytest.param("scripts.pbp.snapshot", "scripts/pbp/snapshot.py", id="dotted-name"),
        pytest.param("snapshot", "scripts/pbp/snapshot.py", id="bare-name-from-own-folder"),
        pytest.param("pbp.snapshot", "scripts/pbp/snapshot.py", id="name-through-path-edit"),
        pytest.param("scripts.pbp.config", "scripts/pbp/config.py", id="dotted-name-of-shared-bare-name"),
        pytest.param("config", None, id="bare-name-of-another-local-file-left-out"),
        pytest.param("click", None, id="bare-name-of-installed-package-left-out"),
    ],
)
def test_banned_names_per_spelling(spellings_repo, name, old_path):
    from codemods.shim_usage import banned_names

    names, _ = banned_names(SPELLING_RECORDS, scan_target(spellings_repo, None, use_cache=False))

    found = {item.name: item.record.old_path for item in names}
    assert found.get(name) == old_path


def test_banned_names_notes_left_out(spellings_repo):
    from codemods.shim_usage import banned_names

    _, left_out = banned_names(SPELLING_RECORDS, scan_target(spellings_repo, None, use_cache=False))

    # tools/command.py means the installed click, but the inventory finds a click.py in another folder and marks it unresolved.
    assert left_out == [
        "click (import sites also use it for a module that the inventory cannot resolve)",
        "config (import sites also use it for scripts/other/config.py)",
    ]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_reports_every_spelling(spellings_repo, tmp_path):
    completed = invoke("shims", "--ruff", cwd=spellings_repo)
    assert completed.returncode == 0, completed.stderr
    assert "not banned, because ruff would also report the imports of other modules that use the same name" in completed.stderr
    folder = tmp_path / "lint"
    shutil.copytree(spellings_repo, folder, ignore=shutil.ignore_patterns(".git", ".codemod"))
    (folder / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["TID251"]\n\n' + completed.stdout)

    linted = subprocess.run(
        ["ruff", "check", "--no-cache", "--output-format", "concise", "jobs", "scripts/pbp/run.py", "scripts/other", "tools"],
        cwd=folder,
        capture_output=True,
        text=True,
    )

    reported = sorted(line.split(":")[0] + ":" + line.split(":")[1] for line in linted.stdout.splitlines() if "TID251" in line)
    assert reported == ["jobs/nightly.py:5", "scripts/pbp/run.py:1"], linted.stdout


PYTEST_PROJECT = {
    "scripts/etl/old.py": stub("scripts/etl/old.py", "scripts.etl.old", "pkg.new")[0],
    "pkg/__init__.py": "",
    "pkg/new.py": "VALUE = 1\n",
    "tests/test_new.py": "import pkg.new\n\ndef test_new():\n    assert pkg.new.VALUE == 1\n",
}


def run_pytest(folder: Path, *tests: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONWARNINGS")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=folder,
        capture_output=True,
        text=True,
        env=environment,
    )


@pytest.mark.parametrize(
    "test_source",
    [
        pytest.param("import scripts.etl.old\n\ndef test_old():\n    pass\n", id="module-level-import"),
        pytest.param("def test_old():\n    from scripts.etl import old\n", id="import-inside-test"),
    ],
)
def test_pytest_setting_fails_old_imports(tmp_path, test_source):
    write_tree(
        tmp_path,
        {
            **PYTEST_PROJECT,
            "pyproject.toml": pytest_filterwarnings(RECORDS) + 'pythonpath = ["."]\n',
            "tests/test_old.py": test_source,
        },
    )

    failing = run_pytest(tmp_path, "tests/test_old.py")
    passing = run_pytest(tmp_path, "tests/test_new.py")

    assert failing.returncode != 0, failing.stdout
    assert "DeprecationWarning: scripts.etl.old is deprecated; import pkg.new instead" in failing.stdout
    assert passing.returncode == 0, passing.stdout


def test_pytest_setting_absent_old_import_passes(tmp_path):
    write_tree(
        tmp_path,
        {
            **PYTEST_PROJECT,
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
            "tests/test_old.py": "import scripts.etl.old\n\ndef test_old():\n    pass\n",
        },
    )

    assert run_pytest(tmp_path, "tests/test_old.py").returncode == 0


def test_pytest_pattern_matches_stub_message():
    import re

    pattern = pytest_filterwarnings(RECORDS).splitlines()[2].strip().strip("',")
    message = pattern.split(":")[1]
    text = render_shim(ShimSpec("scripts/etl/job.py", "scripts.etl.job", "pkg.jobs.job", "module", "b", "2026-12-04", "2027-06-30"))
    stub_message = "scripts.etl.job is deprecated; import pkg.jobs.job instead (this alias is due for removal after 2027-06-30)"

    assert "is deprecated; import {_NEW_MODULE} instead" in text
    assert re.compile(message, re.I).match(stub_message)
    assert re.compile(message, re.I).match("job is deprecated; import pkg.jobs.job instead")
    assert not re.compile(message, re.I).match("scripts.etl.job is deprecated; import pkg.jobs.job2 instead")


# Pickles -----------------------------------------------------------------------------


MODELS_SOURCE = """\
class Row:
    def __init__(self, key):
        self.key = key
"""
WRITER_SOURCE = """\
import pickle
import sys

import models  # bare name: this script's folder is on sys.path


class Local:
    pass


with open(sys.argv[1], "wb") as handle:
    pickle.dump(models.Row("bare"), handle, protocol=int(sys.argv[2]))
with open(sys.argv[3], "wb") as handle:
    pickle.dump(Local(), handle, protocol=int(sys.argv[2]))
"""
DOTTED_WRITER = """\
import pickle
import sys

from scripts.etl.models import Row

with open(sys.argv[1], "wb") as handle:
    pickle.dump({"rows": [Row(1), Row(2)]}, handle, protocol=int(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def stored_pickles(tmp_path_factory):
    """Pickles written by real interpreters on the old layout, before the move."""
    old_layout = tmp_path_factory.mktemp("old-layout")
    store = tmp_path_factory.mktemp("store")
    write_tree(old_layout, {"scripts/etl/models.py": MODELS_SOURCE, "scripts/etl/writer.py": WRITER_SOURCE, "dotted_writer.py": DOTTED_WRITER})
    (store / "nested").mkdir()
    for protocol in ("2", "5"):
        subprocess.run(
            [sys.executable, "scripts/etl/writer.py", str(store / f"bare-{protocol}.pkl"), protocol, str(store / f"main-{protocol}.pickle")],
            cwd=old_layout,
            check=True,
        )
        subprocess.run([sys.executable, "dotted_writer.py", str(store / "nested" / f"rows-{protocol}.dat"), protocol], cwd=old_layout, check=True)
    (store / "notes.txt").write_text("not a pickle\n")
    return store


MODELS_RECORD = stub("scripts/etl/models.py", "scripts.etl.models", "pkg.models")[1]


def test_pickles_classified(stored_pickles):
    result = scan_pickles(stored_pickles, [MODELS_RECORD])

    found = sorted((finding.file, finding.module, finding.name, finding.status, finding.new_module) for finding in result.findings)
    assert found == [
        ("bare-2.pkl", "models", "Row", NEEDS_PATH, "pkg.models"),
        ("bare-5.pkl", "models", "Row", NEEDS_PATH, "pkg.models"),
        ("main-2.pickle", "__main__", "Local", NOT_RESCUABLE, ""),
        ("main-5.pickle", "__main__", "Local", NOT_RESCUABLE, ""),
        ("nested/rows-2.dat", "scripts.etl.models", "Row", RESCUABLE, "pkg.models"),
        ("nested/rows-5.dat", "scripts.etl.models", "Row", RESCUABLE, "pkg.models"),
    ]
    assert result.files_read == 7
    assert len(result.pickles) == 6


def test_pickle_scan_never_loads(tmp_path):
    marker = tmp_path / "marker"
    # Loading this would import scripts.etl.models and call os.system.
    (tmp_path / "evil.pkl").write_bytes(b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntRcscripts.etl.models\nRow\n.")

    result = scan_pickles(tmp_path, [MODELS_RECORD])

    assert [(finding.module, finding.status) for finding in result.findings] == [("scripts.etl.models", RESCUABLE)]
    assert not marker.exists()
    assert "scripts.etl.models" not in sys.modules


def test_scan_pickles_command(stored_pickles, tmp_path):
    save_manifest(tmp_path / manifest_path(MODELS_RECORD.batch), [MODELS_RECORD])

    completed = codemod("shims", "--scan-pickles", str(stored_pickles), "--json", cwd=tmp_path)

    assert completed.returncode == 1, completed.stderr
    data = json.loads(completed.stdout)
    assert len(data["findings"]) == 6
    assert "6 globals naming old modules or __main__ (2 not rescuable)" in completed.stderr


def test_scan_pickles_missing_folder(tmp_path):
    save_manifest(tmp_path / manifest_path(MODELS_RECORD.batch), [MODELS_RECORD])

    completed = invoke("shims", "--scan-pickles", str(tmp_path / "missing"), cwd=tmp_path)

    assert completed.returncode == 2
    assert "does not exist" in completed.stderr


# The command -----------------------------------------------------------------------------


def test_shims_command_lists_uses(legacy):
    completed = codemod("shims", "--batch", "etl-base", cwd=legacy)

    assert completed.returncode == 0, completed.stderr
    assert "scripts/etl/bare_sibling.py:4" in completed.stdout
    assert "deploy/crontab:1" in completed.stdout
    assert "4 shims: 2 still used (1 import sites, 2 strings, 2 commands in other files), 2 unused" in completed.stderr


def test_shims_command_json(checkout):
    completed = codemod("shims", "--json", cwd=checkout)

    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["source"] == "working tree"
    assert [item["record"]["old_path"] for item in data["shims"]] == [
        "scripts/etl/adaptive_rate_limiter.py",
        "scripts/etl/async_scraper_base.py",
        "scripts/etl/scraper_config.py",
        "scripts/etl/scraper_telemetry.py",
    ]


def test_shims_command_ruff_and_pytest(legacy):
    completed = invoke("shims", "--batch", "etl-base", "--ruff", "--pytest", cwd=legacy)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("[tool.ruff.lint.flake8-tidy-imports.banned-api]\n")
    assert "\n[pytest]\nfilterwarnings =\n" in completed.stdout
    assert "save the [pytest] setting below as pytest.ini" in completed.stderr
    # bare_sibling.py imports scraper_config from scripts/etl, and use_other.py imports another file by that name.
    assert completed.stdout.count(".msg = ") == 4
    assert "scraper_config (import sites also use it for scripts/other/scraper_config.py)" in completed.stderr


def test_shims_command_unknown_batch(legacy):
    completed = invoke("shims", "--batch", "later", cwd=legacy)

    assert completed.returncode != 0
    assert "later" in completed.stderr


def test_shims_command_reads_usage_log(tmp_path):
    log = tmp_path / "uses.jsonl"
    entry = {
        "time": "2026-12-04T10:00:00Z",
        "event": "import",
        "old": "scripts.etl.old",
        "old_path": "scripts/etl/old.py",
        "new": "pkg.new",
        "file": "/srv/app/jobs/nightly.py",
        "line": 3,
        "argv0": "jobs/nightly.py",
        "pid": 11,
    }
    log.write_text(json.dumps(entry) + "\n" + json.dumps({**entry, "event": "run", "file": "", "line": 0}) + "\n")

    completed = invoke("shims", "--usage-log", str(log), "--json", cwd=tmp_path)

    assert completed.returncode == 0, completed.stderr
    [summary] = json.loads(completed.stdout)
    assert summary["imports"] == 1
    assert summary["runs"] == 1
    assert summary["importers"] == ["/srv/app/jobs/nightly.py:3"]
    assert "2 uses of 1 shims" in completed.stderr


def test_manifest_without_shims(tmp_path):
    completed = invoke("shims", "--ruff", cwd=tmp_path)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert "list no shims" in completed.stderr


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(".codemod/shims/etl-base.json", id="batch-file"),
        pytest.param(LEGACY_MANIFEST_PATH, id="legacy-single-file"),
    ],
)
def test_invalid_manifest_named(tmp_path, manifest):
    (tmp_path / manifest).parent.mkdir(parents=True)
    (tmp_path / manifest).write_text("{not json")

    completed = invoke("shims", "--ruff", cwd=tmp_path)

    assert completed.returncode == 4
    assert manifest in completed.stderr
    assert "invalid JSON" in completed.stderr
