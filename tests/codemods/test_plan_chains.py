"""plan: import sites found through the inventory, including `import a` used as `a.b.moved.f()`."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods import plan as plan_module
from codemods.config import load_config
from codemods.model import DEFAULT_REWRITE_OPTIONS, RewriteOptions
from codemods.plan import Plan, plan_batch
from codemods.workspace import file_reader, scan_target
from tests.conftest import make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "b"
[batch.moves]
"scripts/etl/scraper_config.py" = "nba_simulator.etl.config.manager"
"scripts/etl/scraper_telemetry.py" = "nba_simulator.etl.telemetry"
"""

MODULES = {
    "codemod.toml": CONFIG,
    "scripts/etl/scraper_config.py": "LIMIT = 3\n\ndef load():\n    return LIMIT\n",
    "scripts/etl/scraper_telemetry.py": "COUNT = 0\n",
    "scripts/etl/other.py": "KEY = 'k'\n",
}


def plan_files(tmp_path: Path, files: dict[str, str], options: RewriteOptions = DEFAULT_REWRITE_OPTIONS) -> Plan:
    root = make_repo(tmp_path / "repo", {**MODULES, **files})
    config = load_config(root)
    inventory = scan_target(root, config, use_cache=False)
    return plan_batch(config, "b", inventory, file_reader(root), options=options)


def after(plan: Plan, path: str) -> str:
    change = next(change for change in plan.changes if change.path == path)
    return change.after.decode()


def test_parent_package_import_gets_submodule_import(tmp_path):
    plan = plan_files(
        tmp_path,
        {
            "use.py": (
                "import scripts.etl.other\n"
                "import scripts.etl.scraper_config\n\n"
                "print(scripts.etl.scraper_config.load(), scripts.etl.other.KEY)\n"
            ),
            "main.py": (
                "import scripts\n"
                "import use\n\n"
                "print(scripts.etl.scraper_config.LIMIT, scripts.etl.scraper_telemetry.COUNT)\n"
                "print(scripts.etl.other.KEY)\n"
            ),
        },
    )

    assert after(plan, "main.py") == (
        "import scripts\n"
        "import nba_simulator.etl.config.manager\n"
        "import nba_simulator.etl.telemetry\n"
        "import use\n\n"
        "print(nba_simulator.etl.config.manager.LIMIT, nba_simulator.etl.telemetry.COUNT)\n"
        "print(scripts.etl.other.KEY)\n"
    )


def test_dotted_parent_import_gets_submodule_import(tmp_path):
    plan = plan_files(
        tmp_path,
        {"main.py": "import scripts.etl\nimport scripts.etl.other\n\nscripts.etl.scraper_config.load()\n"},
    )

    assert after(plan, "main.py") == (
        "import scripts.etl\n"
        "import nba_simulator.etl.config.manager\n"
        "import scripts.etl.other\n\n"
        "nba_simulator.etl.config.manager.load()\n"
    )


def test_parent_import_without_chain_left_alone(tmp_path):
    plan = plan_files(tmp_path, {"main.py": "import scripts\n\nprint(scripts.etl.other.KEY)\n"})

    assert "main.py" not in {change.path for change in plan.changes}


def test_parent_import_under_script_folder_left_to_resolution(tmp_path):
    # `import etl` from scripts/ reaches scripts/etl; the chain `etl.scraper_config`
    # names the moved module there, while a same-named chain elsewhere does not.
    plan = plan_files(
        tmp_path,
        {
            "scripts/run.py": "import etl\n\netl.scraper_config.load()\n",
            "tools/etl/__init__.py": "",
            "tools/etl/scraper_config.py": "X = 1\n",
            "tools/run.py": "import etl\n\nprint(etl.scraper_config.X)\n",
        },
    )

    changed = {change.path for change in plan.changes if change.changed}
    assert "tools/run.py" not in changed
    assert "scripts/run.py" not in changed  # the package root is not on sys.path there
    assert any(finding.file == "scripts/run.py" for finding in plan.kept)


def test_only_prefix_importers_are_parsed(tmp_path, monkeypatch):
    read_paths: list[str] = []
    parsed: list[bytes] = []
    root = make_repo(
        tmp_path / "repo",
        {
            **MODULES,
            "main.py": "import scripts\n\nscripts.etl.scraper_config.load()\n",
            "unrelated.py": "import json\n",
            "sibling.py": "from scripts.etl import other\n\nprint(other.KEY)\n",
            "plain.py": "import scripts.etl.other\n\nprint(scripts.etl.other.KEY)\n",
        },
    )
    config = load_config(root)
    inventory = scan_target(root, config, use_cache=False)
    reader = file_reader(root)
    chains_of = plan_module._attribute_chains
    monkeypatch.setattr(plan_module, "_attribute_chains", lambda source: parsed.append(source) or chains_of(source))

    def read(path: str) -> bytes:
        read_paths.append(path)
        return reader(path)

    plan_batch(config, "b", inventory, read)

    assert "unrelated.py" not in read_paths
    assert "sibling.py" not in read_paths  # `other` is a module, so no chain through it reaches a moved one
    assert "main.py" in read_paths
    # `import scripts.etl.other` binds `scripts`, so the file is read, but it never names a moved module.
    assert "plain.py" in read_paths
    assert parsed == [(root / "main.py").read_bytes()]


def test_file_paths_through_names_in_plan(tmp_path):
    plan = plan_files(
        tmp_path,
        {
            "scripts/etl/scraper_config.py": (
                "from pathlib import Path\n\n"
                "HERE = Path(__file__).parent\n"
                "ROOT = HERE.parent.parent\n"
                "DATA = ROOT / 'data'\n"
                "LIMIT = 3\n"
            ),
        },
    )

    moved = next(change for change in plan.changes if change.path == "scripts/etl/scraper_config.py")
    assert moved.new_path == "nba_simulator/etl/config/manager.py"
    after = moved.after.decode()
    # HERE keeps naming scripts/etl, the folder left behind, so ROOT and DATA need no change.
    assert "HERE = (Path(__file__).parent.parent.parent.parent / \"scripts/etl\")\n" in after
    assert "ROOT = HERE.parent.parent\n" in after
    assert [hazard for hazard in plan.hazards if hazard.kind == "file-relative-path"] == []


CHAINS_THROUGH_BOUND_NAMES = [
    pytest.param(
        "import scripts.etl as etl_package\n\nprint(etl_package.scraper_config.LIMIT, etl_package.other.KEY)\n",
        "import scripts.etl as etl_package\n"
        "import nba_simulator.etl.config.manager\n\n"
        "print(nba_simulator.etl.config.manager.LIMIT, etl_package.other.KEY)\n",
        id="aliased-package-import",
    ),
    pytest.param(
        "from scripts import etl\n\nprint(etl.scraper_config.LIMIT, etl.other.KEY)\n",
        "from scripts import etl\n"
        "import nba_simulator.etl.config.manager\n\n"
        "print(nba_simulator.etl.config.manager.LIMIT, etl.other.KEY)\n",
        id="from-imported-package",
    ),
    pytest.param(
        "import scripts.etl.other\n\nprint(scripts.etl.scraper_config.LIMIT, scripts.etl.other.KEY)\n",
        "import scripts.etl.other\n"
        "import nba_simulator.etl.config.manager\n\n"
        "print(nba_simulator.etl.config.manager.LIMIT, scripts.etl.other.KEY)\n",
        id="sibling-module-import-binds-root",
    ),
    pytest.param(
        "import scripts\nimport scripts.etl.other\n\nprint(scripts.etl.scraper_config.LIMIT)\n",
        "import scripts\n"
        "import nba_simulator.etl.config.manager\n"
        "import scripts.etl.other\n\n"
        "print(nba_simulator.etl.config.manager.LIMIT)\n",
        id="two-module-level-bindings-one-import",
    ),
    pytest.param(
        "def first():\n    import scripts\n    return scripts.etl.scraper_config.LIMIT\n\n\n"
        "def second():\n    import scripts\n    return scripts.etl.scraper_config.LIMIT\n",
        "def first():\n    import scripts\n    import nba_simulator.etl.config.manager\n"
        "    return nba_simulator.etl.config.manager.LIMIT\n\n\n"
        "def second():\n    import scripts\n    import nba_simulator.etl.config.manager\n"
        "    return nba_simulator.etl.config.manager.LIMIT\n",
        id="each-lazy-binding-gets-its-import",
    ),
]


@pytest.mark.parametrize(("before", "expected"), CHAINS_THROUGH_BOUND_NAMES)
def test_chain_through_bound_name_gets_import(tmp_path, before, expected):
    plan = plan_files(tmp_path, {"main.py": before})

    assert after(plan, "main.py") == expected


def test_module_name_not_a_package_reaches_nothing(tmp_path):
    plan = plan_files(tmp_path, {"main.py": "from scripts.etl import other\n\nprint(other.scraper_config)\n"})

    assert "main.py" not in {change.path for change in plan.changes}


def test_package_init_keeps_submodule_name_it_reads(tmp_path):
    plan = plan_files(
        tmp_path,
        {
            "scripts/__init__.py": "",
            "scripts/etl/__init__.py": (
                "from .scraper_config import load\n"
                "from .scraper_telemetry import COUNT\n\n\n"
                "def limit():\n"
                "    return scraper_config.LIMIT\n"
            ),
        },
    )

    assert after(plan, "scripts/etl/__init__.py") == (
        "from .scraper_config import load\n"
        "from nba_simulator.etl.telemetry import COUNT\n\n\n"
        "def limit():\n"
        "    return scraper_config.LIMIT\n"
    )
    kept = [(finding.file, finding.line, finding.kind) for finding in plan.kept]
    assert kept == [("scripts/etl/__init__.py", 1, "kept-on-shim")]
    assert "scraper_config" in plan.kept[0].message


def test_package_init_binding_submodule_itself_rewritten(tmp_path):
    plan = plan_files(
        tmp_path,
        {
            "scripts/__init__.py": "",
            "scripts/etl/__init__.py": "from . import scraper_config\nfrom .scraper_config import load\n\n__all__ = ['scraper_config', 'load']\n",
        },
    )

    assert after(plan, "scripts/etl/__init__.py") == (
        "from nba_simulator.etl.config import manager as scraper_config\n"
        "from nba_simulator.etl.config.manager import load\n\n"
        "__all__ = ['scraper_config', 'load']\n"
    )
    assert plan.kept == ()
