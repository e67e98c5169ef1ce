"""codemod check: code that still reaches a shim, in given files or in the whole repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.check import check_shim_uses
from codemods.errors import ManifestReadError
from shimgen.manifest import ShimRecord, manifest_path, save_manifest
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import codemod, git, make_repo

ROOT = Path(__file__).resolve().parents[2]

SHIMMED = {
    "scripts/etl/old.py": "from app.etl.new import *  # stands in for a generated shim\n",
    "scripts/etl/older.py": "X = 1\n",
    "scripts/other/old.py": "X = 2\n",
    "app/__init__.py": "",
    "app/etl/__init__.py": "",
    "app/etl/new.py": "def fetch():\n    return 1\n",
}


def shim_repo(root: Path, files: dict[str, str]) -> Path:
    make_repo(root, {**SHIMMED, **files})
    record = ShimRecord(
        old_path="scripts/etl/old.py",
        old_module="scripts.etl.old",
        new_module="app.etl.new",
        kind="module",
        batch="etl",
        created="2026-01-01",
        remove_after="2026-07-01",
        hash="0" * 16,
    )
    save_manifest(root / manifest_path(record.batch), [record])
    return root


@pytest.mark.parametrize(
    "path, code, old_name, new_name",
    [
        pytest.param("use.py", "import scripts.etl.old\n", "import scripts.etl.old", "app.etl.new", id="import-dotted"),
        pytest.param("use.py", "import scripts.etl.old as o\n", "import scripts.etl.old as o", "app.etl.new", id="import-as"),
        pytest.param("use.py", "from scripts.etl.old import fetch\n", "from scripts.etl.old import fetch", "app.etl.new", id="from-module-import-name"),
        pytest.param("use.py", "from scripts.etl import old\n", "from scripts.etl import old", "app.etl.new", id="from-package-import-module"),
        pytest.param("scripts/etl/sibling.py", "import old\n", "import old", "app.etl.new", id="script-folder-import"),
        pytest.param("scripts/etl/rel.py", "from . import old\n", "from . import old", "app.etl.new", id="relative-import"),
        pytest.param("use.py", "def run():\n    import scripts.etl.old\n", "import scripts.etl.old", "app.etl.new", id="lazy-import"),
        pytest.param(
            "test_use.py",
            'from unittest import mock\n\nwith mock.patch("scripts.etl.old.fetch"):\n    pass\n',
            "scripts.etl.old.fetch",
            "app.etl.new.fetch",
            id="mock-patch-string",
        ),
        pytest.param(
            "use.py",
            'import importlib\n\nimportlib.import_module("scripts.etl.old")\n',
            "scripts.etl.old",
            "app.etl.new",
            id="import-module-string",
        ),
        pytest.param(
            "use.py",
            'import sys\n\nloaded = sys.modules.get("scripts.etl.old")\n',
            "scripts.etl.old",
            "app.etl.new",
            id="sys-modules-key",
        ),
    ],
)
def test_shim_use_found(tmp_path, path, code, old_name, new_name):
    root = shim_repo(tmp_path / "repo", {path: code})

    result = check_shim_uses(root, [path], cwd=root)

    assert [(use.file, use.old_name, use.new_name, use.shim) for use in result.uses] == [
        (path, old_name, new_name, "scripts/etl/old.py")
    ]
    assert not result.ok


@pytest.mark.parametrize(
    "path, code",
    [
        pytest.param("use.py", "import app.etl.new\n", id="new-name"),
        pytest.param("use.py", "from app.etl.new import fetch\n", id="from-new-name"),
        pytest.param("use.py", "import scripts.etl.older\n", id="name-sharing-a-prefix"),
        pytest.param("scripts/other/user.py", "import old\n", id="same-basename-other-folder"),
        pytest.param("use.py", 'from unittest import mock\n\nmock.patch("scripts.etl.older.X")\n', id="patch-of-prefix-sharing-name"),
        pytest.param("use.py", 'from unittest import mock\n\nmock.patch("app.etl.new.fetch")\n', id="patch-of-new-name"),
        pytest.param("use.py", 'print("scripts.etl.old")\n', id="plain-string"),
        pytest.param("gen.py", 'TEMPLATE = "from scripts.etl.old import fetch"\n', id="import-text-in-generated-code"),
        pytest.param("scripts/etl/old.py", "from app.etl.new import *\nimport scripts.etl.old\n", id="the-shim-itself"),
    ],
)
def test_clean_code_passes(tmp_path, path, code):
    root = shim_repo(tmp_path / "repo", {path: code})

    result = check_shim_uses(root, [path], cwd=root)

    assert result.uses == ()
    assert result.ok


def test_moved_package_submodule_found(tmp_path):
    root = make_repo(
        tmp_path / "repo",
        {"scripts/dims/__init__.py": "# package shim\n", "app/__init__.py": "", "app/dims/__init__.py": "", "app/dims/sub.py": "", "use.py": "import scripts.dims.sub\n"},
    )
    record = ShimRecord("scripts/dims/__init__.py", "scripts.dims", "app.dims", "package", "dims", "2026-01-01", "2026-07-01", "0" * 16)
    save_manifest(root / manifest_path(record.batch), [record])

    result = check_shim_uses(root, ["use.py"], cwd=root)

    assert [(use.file, use.old_name, use.new_name, use.shim) for use in result.uses] == [
        ("use.py", "import scripts.dims.sub", "app.dims.sub", "scripts/dims/__init__.py")
    ]


def test_only_given_files_scanned(tmp_path):
    root = shim_repo(tmp_path / "repo", {"a.py": "import scripts.etl.old\n", "b.py": "import scripts.etl.old\n"})

    (root / "notes.txt").write_text("scripts.etl.old\n")

    result = check_shim_uses(root, ["b.py", "notes.txt"], cwd=root)

    assert result.files == 1
    assert [use.file for use in result.uses] == ["b.py"]
    assert [item.path for item in result.skipped] == ["notes.txt"]


def test_untracked_file_checked(tmp_path):
    root = shim_repo(tmp_path / "repo", {})
    (root / "new_job.py").write_text("from scripts.etl.old import fetch\n")

    result = check_shim_uses(root, ["new_job.py"], cwd=root)

    assert [use.file for use in result.uses] == ["new_job.py"]


def test_excluded_file_not_checked(tmp_path):
    root = shim_repo(tmp_path / "repo", {"codemod.toml": 'package = "app"\nexclude = ["archive/**"]\n', "archive/a.py": "import scripts.etl.old\n"})

    result = check_shim_uses(root, ["archive/a.py"], cwd=root)

    assert (result.files, result.uses) == (0, ())
    assert [(item.path, item.reason) for item in result.skipped] == [("archive/a.py", "excluded by `exclude` in codemod.toml")]


def test_absolute_path_inside_repository(tmp_path):
    root = shim_repo(tmp_path / "repo", {"a.py": "import scripts.etl.old\n"})

    result = check_shim_uses(root, [str(root / "a.py")])

    assert [use.file for use in result.uses] == ["a.py"]


def test_all_files_without_paths(tmp_path):
    root = shim_repo(tmp_path / "repo", {"a.py": "import scripts.etl.old\n", "pkg/b.py": "from scripts.etl import old\n"})

    result = check_shim_uses(root)

    assert [(use.file, use.line) for use in result.uses] == [("a.py", 1), ("pkg/b.py", 1)]
    assert result.files == len(SHIMMED) + 2


def test_no_manifest_is_clean(tmp_path):
    root = make_repo(tmp_path / "repo", {"a.py": "import scripts.etl.old\n", **SHIMMED})

    result = check_shim_uses(root)

    assert (result.files, result.shims, result.ok) == (0, 0, True)


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(".codemod/shims/etl.json", id="batch-file"),
        pytest.param(".codemod/shims.json", id="legacy-single-file"),
    ],
)
def test_invalid_manifest_rejected(tmp_path, manifest):
    root = make_repo(tmp_path / "repo", {"a.py": "", manifest: "{not json"})

    with pytest.raises(ManifestReadError, match=f"{manifest}: invalid JSON"):
        check_shim_uses(root)


@pytest.fixture(scope="module")
def legacy_branch(tmp_path_factory):
    """A checkout of the applied legacy batch, as a developer has it after merging."""
    folder = tmp_path_factory.mktemp("check")
    root = make_legacy_repo(folder / "repo")
    apply_batch(root, "etl-base")
    git(root, "merge", "--quiet", "--ff-only", "codemod/etl-base")
    return root


def test_legacy_sibling_import_stays_on_shim(legacy_branch):
    result = check_shim_uses(legacy_branch)

    assert result.uses == ()
    assert [(use.file, use.line, use.old_name) for use in result.kept] == [
        ("scripts/etl/bare_sibling.py", 4, "from scraper_config import load_config")
    ]
    assert "the package root is not on sys.path there" in result.kept[0].reason
    assert result.ok
    assert result.shims == 4


def test_cli_lists_file_line_and_new_name(legacy_branch):
    (legacy_branch / "report_job.py").write_text("from scripts.etl.scraper_config import load_config\n")
    try:
        completed = codemod("check", "report_job.py", cwd=legacy_branch)
    finally:
        (legacy_branch / "report_job.py").unlink()

    assert completed.returncode == 1
    assert completed.stdout == (
        "report_job.py:1: `from scripts.etl.scraper_config import load_config` reaches the shim "
        "scripts/etl/scraper_config.py; use nba_simulator.etl.config.manager\n"
    )
    assert completed.stderr.strip().splitlines()[-1].startswith("check: 1 place(s) in 1 file(s) ")


def test_cli_notes_uses_left_on_shim(legacy_branch):
    completed = codemod("check", cwd=legacy_branch)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == ""
    assert (
        "scripts/etl/bare_sibling.py:4: `from scraper_config import load_config` stays on the shim "
        "scripts/etl/scraper_config.py: "
    ) in completed.stderr
    assert completed.stderr.strip().splitlines()[-1].endswith("; 1 left on shims where the new names cannot work")


def test_cli_clean_files_exit_zero(legacy_branch):
    completed = codemod("check", "tests/test_async_scrapers.py", "scripts/etl/espn_scraper.py", cwd=legacy_branch)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == ""
    assert "check: 2 files scanned, none reaches one of the 4 shims" in completed.stderr


def test_pre_commit_hook_definition():
    lines = (ROOT / ".pre-commit-hooks.yaml").read_text().splitlines()
    fields = dict(line.lstrip("- ").split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))

    assert fields["id"] == "codemod-check"
    assert fields["language"] == "python"
    assert fields["entry"] == "codemod check"
    assert fields["types"] == "[python]"
    assert sum(1 for line in lines if line.startswith("- id:")) == 1
