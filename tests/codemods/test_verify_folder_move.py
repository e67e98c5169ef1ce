"""verify after a whole package folder moves: identity of each submodule, and test files that get no shim."""

from __future__ import annotations

import pytest

from codemods.apply import apply_batch
from codemods.gitops import Repository
from codemods.verify import verify_batch
from tests.conftest import git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "dims"
entry-point-args = []
[batch.moves]
"scripts/monitoring/dims/" = "nba_simulator.monitoring.dims"
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/__init__.py": "",
    "scripts/monitoring/__init__.py": "",
    "scripts/monitoring/dims/__init__.py": "",
    "scripts/monitoring/dims/helpers.py": "def scale(value):\n    return value * 10\n",
    "scripts/monitoring/dims/core.py": "from .helpers import scale\n\n\ndef measure(value):\n    return scale(value) + 1\n",
    "scripts/monitoring/dims/test_core.py": (
        "from scripts.monitoring.dims import core\n"
        "from .helpers import scale\n\n\n"
        "def test_measure():\n"
        "    assert core.measure(1) == scale(1) + 1\n"
    ),
    "use.py": "from scripts.monitoring.dims.core import measure\n\nprint(measure(2))\n",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = make_repo(tmp_path_factory.mktemp("verify-folder") / "repo", FILES)
    apply_batch(root, "dims")
    return verify_batch(root, "dims", run_entry_points=False)


def by_kind(report, kind):
    return {check.subject: check for check in report.checks if check.kind == kind}


def test_folder_move_verifies(report):
    assert report.ok, report.failed


def test_identity_passes_per_submodule(report):
    identities = by_kind(report, "identity")

    assert len(identities) == 3
    for old, new in [
        ("scripts.monitoring.dims", "nba_simulator.monitoring.dims"),
        ("scripts.monitoring.dims.helpers", "nba_simulator.monitoring.dims.helpers"),
        ("scripts.monitoring.dims.core", "nba_simulator.monitoring.dims.core"),
    ]:
        check = identities[f"{old} -> {new}"]
        assert check.status == "passed", check
        assert check.detail.startswith("scripts.monitoring.dims is deprecated")


def test_unshimmed_test_file_passes_static(report):
    static = list(by_kind(report, "static").values())

    assert [check.status for check in static] == ["passed"], static


def test_test_file_gets_no_shim(report):
    assert not any("test_core" in check.subject for check in report.checks if check.kind == "identity")


def test_renamed_paths_skips_edits(tmp_path):
    root = make_repo(tmp_path / "repo", {"a b/one.py": "X = 1\n", "caf\u00e9.py": "Y = 2\n", "edited.py": "Z = 3\n"})
    git(root, "mv", "a b", "c d")
    git(root, "mv", "caf\u00e9.py", "th\u00e9.py")
    (root / "edited.py").write_text("Z = 4\n")
    git(root, "commit", "--quiet", "-am", "Move")

    renames = Repository(root).renamed_paths("HEAD~1", "HEAD")

    assert renames == {"a b/one.py": "c d/one.py", "caf\u00e9.py": "th\u00e9.py"}
