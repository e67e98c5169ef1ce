from __future__ import annotations

from textwrap import dedent

import libcst as cst
import pytest

from codemods.rewrite_file_paths import rewrite_file_paths

OLD_PATH = "scripts/etl/scraper_config.py"  # three parts: the root is three steps up
NEW_PATH = "nba_simulator/etl/config/manager.py"  # four parts: the root is four steps up
DEEP_PATH = "scripts/etl/deep/scraper_config.py"
SHALLOW_PATH = "nba_simulator/manager.py"

DEEPER = (OLD_PATH, NEW_PATH)
SHALLOWER = (DEEP_PATH, SHALLOW_PATH)

REWRITTEN = [
    pytest.param(
        "ROOT = Path(__file__).parent.parent.parent\n",
        DEEPER,
        "ROOT = Path(__file__).parent.parent.parent.parent\n",
        id="parent-chain-adds-parent",
    ),
    pytest.param(
        "ROOT = Path(__file__).resolve().parents[2]\n",
        DEEPER,
        "ROOT = Path(__file__).resolve().parents[3]\n",
        id="parents-index-grows",
    ),
    pytest.param(
        "ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n",
        DEEPER,
        "ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))\n",
        id="dirname-nesting-adds-level",
    ),
    pytest.param(
        "from os.path import dirname\nROOT = dirname(dirname(dirname(__file__)))\n",
        DEEPER,
        "from os.path import dirname\nROOT = dirname(dirname(dirname(dirname(__file__))))\n",
        id="dirname-imported-from-os-path",
    ),
    pytest.param(
        "import os.path as osp\nROOT = osp.dirname(osp.dirname(osp.dirname(__file__)))\n",
        DEEPER,
        "import os.path as osp\nROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))\n",
        id="os-path-alias",
    ),
    pytest.param(
        'ROOT = os.path.join(os.path.dirname(__file__), "..", "..")\n',
        DEEPER,
        'ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")\n',
        id="join-dot-arguments-add-one",
    ),
    pytest.param(
        "sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '../..')))\n",
        DEEPER,
        "sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..')))\n",
        id="join-dotted-string-grows",
    ),
    pytest.param(
        'SQL = os.path.join(os.path.dirname(__file__), "../../sql/plus_minus")\n',
        DEEPER,
        'SQL = os.path.join(os.path.dirname(__file__), "../../../sql/plus_minus")\n',
        id="join-path-below-root-keeps-tail",
    ),
    pytest.param(
        'CONFIG = str(Path(__file__).parent.parent.parent / "config" / "etl.yaml")\n',
        DEEPER,
        'CONFIG = str(Path(__file__).parent.parent.parent.parent / "config" / "etl.yaml")\n',
        id="root-then-down-keeps-tail",
    ),
    pytest.param(
        "sys.path.insert(0, str(pathlib.Path(__file__).absolute().parent.parent.parent))  # root\n",
        DEEPER,
        "sys.path.insert(0, str(pathlib.Path(__file__).absolute().parent.parent.parent.parent))  # root\n",
        id="sys-path-insert-root",
    ),
    pytest.param(
        'DATA = Path(__file__).parent.parent.parent.joinpath("data")\n',
        DEEPER,
        'DATA = Path(__file__).parent.parent.parent.parent.joinpath("data")\n',
        id="joinpath-below-root",
    ),
    pytest.param(
        'ROOT = Path(__file__).parent / ".." / ".."\n',
        DEEPER,
        'ROOT = Path(__file__).parent.parent / ".." / ".."\n',
        id="slash-dot-parts-count-as-steps-up",
    ),
    pytest.param(
        "ROOT = Path(__file__).parent.parent.parent.parent\n",
        SHALLOWER,
        "ROOT = Path(__file__).parent.parent\n",
        id="parent-chain-removes-parents",
    ),
    pytest.param(
        "ROOT = Path(__file__).resolve().parents[3]\n",
        SHALLOWER,
        "ROOT = Path(__file__).resolve().parents[1]\n",
        id="parents-index-shrinks",
    ),
    pytest.param(
        "ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))\n",
        SHALLOWER,
        "ROOT = os.path.dirname(os.path.dirname(__file__))\n",
        id="dirname-nesting-removes-levels",
    ),
    pytest.param(
        'ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")\n',
        SHALLOWER,
        'ROOT = os.path.join(os.path.dirname(__file__), "..")\n',
        id="join-dot-arguments-removed",
    ),
    pytest.param(
        "ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))\n",
        SHALLOWER,
        "ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))\n",
        id="join-dotted-string-shrinks",
    ),
    pytest.param(
        "ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '../..', '..'))\n",
        SHALLOWER,
        "ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))\n",
        id="join-mixed-dots-shrink",
    ),
    pytest.param(
        "HERE = Path(__file__).parent\n",
        ("scripts/etl/scraper_config.py", "scripts/etl/config/manager.py"),
        "HERE = Path(__file__).parent.parent\n",
        id="own-folder-still-an-ancestor",
    ),
    pytest.param(
        "ROOT = Path(__file__).parent.parent.parent.parent\n",
        ("scripts/scraper_config.py", "nba_simulator/etl/manager.py"),
        "ROOT = Path(__file__).parent.parent.parent.parent.parent\n",
        id="folder-above-root",
    ),
    pytest.param(
        "ROOT = Path(__file__).parent.parent.parent\r\nprint(ROOT)\r\n",
        DEEPER,
        "ROOT = Path(__file__).parent.parent.parent.parent\r\nprint(ROOT)\r\n",
        id="crlf-line-endings",
    ),
]


@pytest.mark.parametrize(("before", "paths", "after"), REWRITTEN)
def test_points_at_same_folder(before: str, paths: tuple[str, str], after: str) -> None:
    module, result = rewrite_file_paths(cst.parse_module(dedent(before)), *paths)

    assert module.code == dedent(after)
    assert result.changed
    assert result.skipped == ()
    assert result.applied == 1


UNCHANGED = [
    pytest.param(
        "ROOT = Path(__file__).parent.parent.parent\nHERE = Path(__file__).parent\n",
        ("scripts/etl/scraper_config.py", "scripts/etl/scraper_config.py"),
        id="same-path",
    ),
    pytest.param(
        "ROOT = Path(__file__).parent.parent.parent\n",
        ("scripts/etl/scraper_config.py", "nba_simulator/etl/manager.py"),
        id="same-depth",
    ),
    pytest.param(
        "HERE = Path(__file__).parent\n",
        ("scripts/etl/scraper_config.py", "scripts/etl/manager.py"),
        id="renamed-in-same-folder",
    ),
    pytest.param("ROOT = Path(base).parent.parent\n", DEEPER, id="not-rooted-in-file"),
    pytest.param("NAME = Path(__file__).name\nSTEM = Path(__file__).stem\n", DEEPER, id="file-itself"),
    pytest.param('print(__file__, "__file__")\n', DEEPER, id="file-name-printed"),
    pytest.param("ROOT = BASE.parent.parent\n", DEEPER, id="name-derived-from-file-elsewhere"),
]


@pytest.mark.parametrize(("before", "paths"), UNCHANGED)
def test_needs_no_change(before: str, paths: tuple[str, str]) -> None:
    module, result = rewrite_file_paths(cst.parse_module(before), *paths)

    assert module.code == before
    assert not result.changed
    assert result.skipped == ()


SIDEWAYS = [
    pytest.param(
        "sys.path.insert(0, str(Path(__file__).parent))\n",
        DEEPER,
        'sys.path.insert(0, str((Path(__file__).parent.parent.parent.parent / "scripts/etl")))\n',
        id="own-folder-still-reached-from-new-path",
    ),
    pytest.param(
        'DATA = Path(__file__).parent / "data.yaml"\n',
        DEEPER,
        'DATA = (Path(__file__).parent.parent.parent.parent / "scripts/etl") / "data.yaml"\n',
        id="sibling-file-keeps-its-folder",
    ),
    pytest.param(
        'DATA = os.path.join(os.path.dirname(__file__), "data.yaml")\n',
        DEEPER,
        'DATA = os.path.join(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))), "scripts/etl"), "data.yaml")\n',
        id="sibling-file-joined-keeps-its-folder",
    ),
    pytest.param(
        "SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n",
        DEEPER,
        'SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "scripts")\n',
        id="scripts-folder-through-os-path-join",
    ),
    pytest.param(
        'MAPPING = Path(__file__).parent.parent / f"mapping_{season}.json"\n',
        DEEPER,
        'MAPPING = (Path(__file__).parent.parent.parent.parent / "scripts") / f"mapping_{season}.json"\n',
        id="computed-part-after-the-folder",
    ),
    pytest.param(
        "ROOT = Path(__file__).resolve().parents[1]\n",
        DEEPER,
        'ROOT = (Path(__file__).resolve().parents[3] / "scripts")\n',
        id="parents-index-then-folder",
    ),
    pytest.param(
        "from os.path import dirname, join\nSCRIPTS = dirname(dirname(__file__))\n",
        DEEPER,
        'from os.path import dirname, join\nSCRIPTS = join(dirname(dirname(dirname(dirname(__file__)))), "scripts")\n',
        id="join-imported-from-os-path",
    ),
    pytest.param(
        "S = Path(__file__).parent.parent\n",
        ("a/b/c/x.py", "a/x.py"),
        'S = (Path(__file__).parent / "b")\n',
        id="fewer-steps-then-folder",
    ),
]


@pytest.mark.parametrize(("before", "paths", "after"), SIDEWAYS)
def test_points_at_folder_beside_new_path(before: str, paths: tuple[str, str], after: str) -> None:
    module, result = rewrite_file_paths(cst.parse_module(before), *paths)

    assert module.code == after
    assert result.changed
    assert result.skipped == ()


SKIPPED = [
    pytest.param(
        'SETTINGS = Path(__file__).with_suffix(".yaml")\n',
        DEEPER,
        "points at scripts/etl/scraper_config.yaml, which does not move with the module",
        id="with-suffix",
    ),
    pytest.param(
        "SCRIPTS = dirname(dirname(__file__))\nfrom os.path import dirname\n",
        DEEPER,
        "points at scripts, which does not move with the module, and this expression cannot be pointed at it "
        "from the new path; adjust it by hand",
        id="no-join-spelling-imported",
    ),
    pytest.param(
        "ROOT = os.path.dirname(\n    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))\n)\n",
        SHALLOWER,
        "the expression spans several lines and would lose some, so adjust it by hand",
        id="multi-line-removal",
    ),
]


@pytest.mark.parametrize(("before", "paths", "reason"), SKIPPED)
def test_reports_expression_left_alone(before: str, paths: tuple[str, str], reason: str) -> None:
    module, result = rewrite_file_paths(cst.parse_module(before), *paths)

    assert module.code == before
    assert not result.changed
    assert [item.reason for item in result.skipped] == [reason]
    assert [item.line for item in result.skipped] == [1]


def test_reports_line_of_each_expression() -> None:
    before = dedent(
        """\
        import sys
        from pathlib import Path

        ROOT = Path(__file__).parent.parent.parent
        SETTINGS = Path(__file__).with_suffix(".yaml")
        """
    )

    module, result = rewrite_file_paths(cst.parse_module(before), *DEEPER)

    assert "ROOT = Path(__file__).parent.parent.parent.parent\n" in module.code
    assert [item.line for item in result.skipped] == [5]
    assert result.applied == 1


THROUGH_NAMES = [
    pytest.param(
        """\
        HERE = Path(__file__).parent
        ROOT = HERE.parent.parent
        DATA = ROOT / "data"
        CONFIG = HERE / "x.yaml"
        """,
        """\
        HERE = (Path(__file__).parent.parent.parent.parent / "scripts/etl")
        ROOT = HERE.parent.parent
        DATA = ROOT / "data"
        CONFIG = HERE / "x.yaml"
        """,
        [],
        id="here-kept-on-old-folder-root-unchanged",
    ),
    pytest.param(
        """\
        ROOT = Path(__file__).parent.parent.parent
        DATA = ROOT / "data"
        OUTSIDE = ROOT.parent
        """,
        """\
        ROOT = Path(__file__).parent.parent.parent.parent
        DATA = ROOT / "data"
        OUTSIDE = ROOT.parent
        """,
        [],
        id="root-adjusted-users-unchanged",
    ),
    pytest.param(
        """\
        HERE = os.path.dirname(os.path.abspath(__file__))
        ROOT = os.path.dirname(os.path.dirname(HERE))
        SQL = os.path.join(HERE, "..", "..", "sql")
        """,
        """\
        HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "scripts/etl")
        ROOT = os.path.dirname(os.path.dirname(HERE))
        SQL = os.path.join(HERE, "..", "..", "sql")
        """,
        [],
        id="os-path-name-kept-on-old-folder",
    ),
    pytest.param(
        """\
        FILE = Path(__file__).resolve()
        ROOT = FILE.parents[2]
        """,
        """\
        FILE = Path(__file__).resolve()
        ROOT = FILE.parents[3]
        """,
        [],
        id="file-itself-through-name",
    ),
    pytest.param(
        """\
        HERE = Path(__file__).parent
        SCRIPTS = HERE.parent
        """,
        """\
        HERE = (Path(__file__).parent.parent.parent.parent / "scripts/etl")
        SCRIPTS = HERE.parent
        """,
        [],
        id="name-reaching-folder-left-behind",
    ),
    pytest.param(
        """\
        HERE = Path(__file__).parent
        HERE = HERE.parent
        ROOT = HERE.parent.parent
        """,
        """\
        HERE = (Path(__file__).parent.parent.parent.parent / "scripts/etl")
        HERE = HERE.parent
        ROOT = HERE.parent.parent
        """,
        [],
        id="reassigned-name-keeps-first-value",
    ),
]


@pytest.mark.parametrize(("before", "after", "reported"), THROUGH_NAMES)
def test_follows_module_level_names(before: str, after: str, reported: list[int]) -> None:
    module, result = rewrite_file_paths(cst.parse_module(dedent(before)), *DEEPER)

    assert module.code == dedent(after)
    assert [item.line for item in result.skipped] == reported
