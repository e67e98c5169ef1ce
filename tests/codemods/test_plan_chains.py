"""plan: import sites found through the inventory, including `import a` used as `a.b.moved.f()`."""

from __future__ import annotations

from pathlib import Path

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


def test_only_prefix_importers_are_parsed(tmp_path):
    read_paths: list[str] = []
    root = make_repo(
        tmp_path / "repo",
        {
            **MODULES,
            "main.py": "import scripts\n\nscripts.etl.scraper_config.load()\n",
            "unrelated.py": "import json\n",
            "sibling.py": "import scripts.etl.other\n",
        },
    )
    config = load_config(root)
    inventory = scan_target(root, config, use_cache=False)
    reader = file_reader(root)

    def read(path: str) -> bytes:
        read_paths.append(path)
        return reader(path)

    plan_batch(config, "b", inventory, read)

    assert "unrelated.py" not in read_paths
    assert "sibling.py" not in read_paths
    assert "main.py" in read_paths


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
    assert "ROOT = HERE.parent.parent.parent\n" in moved.after.decode()
    kept = [(hazard.file, hazard.line, hazard.kind) for hazard in plan.hazards if hazard.kind == "file-relative-path"]
    assert kept == [("scripts/etl/scraper_config.py", 3, "file-relative-path")]
