from __future__ import annotations

from pathlib import Path

import pytest

from codemods.config import load_config
from codemods.errors import ConfigError

VALID = """
package = "nba_simulator"
exclude = ["docs/**"]
protect = ["scripts/etl/*_scraper.py"]
shim-remove-after = "2027-06-30"

[[batch]]
name = "etl-base"
[batch.moves]
"scripts/etl/scraper_config.py" = "nba_simulator.etl.config.manager"
"scripts/monitoring/dims/" = "nba_simulator.monitoring.dims"
"scripts/etl/*_agent.py" = "nba_simulator.agents.{stem}"
"""


def write(tmp_path: Path, text: str, name: str = "codemod.toml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_codemod_toml_parsed(tmp_path):
    config = load_config(write(tmp_path, VALID))

    assert config.package == "nba_simulator"
    assert config.exclude == ("docs/**",)
    assert config.shim_remove_after == "2027-06-30"
    batch = config.batch("etl-base")
    assert [(move.source, move.kind) for move in batch.moves] == [
        ("scripts/etl/scraper_config.py", "file"),
        ("scripts/monitoring/dims/", "folder"),
        ("scripts/etl/*_agent.py", "glob"),
    ]


def test_pyproject_table_parsed(tmp_path):
    text = VALID.replace("[[batch]]", "[[tool.codemod.batch]]").replace("[batch.moves]", "[tool.codemod.batch.moves]")
    text = "[tool.codemod]\n" + text
    config = load_config(write(tmp_path, text, "pyproject.toml"))

    assert config.path.name == "pyproject.toml"
    assert config.batch("etl-base").moves[0].target == "nba_simulator.etl.config.manager"


def test_codemod_toml_wins_over_pyproject(tmp_path):
    write(tmp_path, '[tool.codemod]\npackage = "other"\n', "pyproject.toml")
    config = load_config(write(tmp_path, VALID))

    assert config.package == "nba_simulator"


def test_missing_config_explains_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"no configuration found; add a \[tool.codemod\] table"):
        load_config(tmp_path)


def test_pyproject_without_table_is_missing(tmp_path):
    write(tmp_path, "[project]\nname = 'x'\n", "pyproject.toml")
    with pytest.raises(ConfigError, match="no configuration found"):
        load_config(tmp_path)


BASE = 'package = "nba_simulator"\n[[batch]]\nname = "b"\n[batch.moves]\n'

INVALID = [
    pytest.param("package = \n", "invalid TOML", id="malformed-toml"),
    pytest.param('package = "nba-simulator"\n', "'package' = 'nba-simulator' is not a valid", id="package-hyphen"),
    pytest.param('package = "os.path"\n', "is not a valid top-level package", id="package-dotted"),
    pytest.param('package = "x"\ncolour = 1\n', "unknown key 'colour'", id="unknown-key"),
    pytest.param('package = "logging"\n', "is the name of a standard-library module", id="package-shadows-stdlib"),
    pytest.param(BASE + '"scripts/x.py" = "nba_simulator.0_11"\n', "'0_11' is not an identifier", id="target-leading-digit"),
    pytest.param(BASE + '"scripts/x.py" = "nba_simulator.class.x"\n', "'class' is not an identifier", id="target-keyword"),
    pytest.param(BASE + '"scripts/x.py" = "nba_simulator.my-mod"\n', "'my-mod' is not an identifier", id="target-hyphen"),
    pytest.param(BASE + '"scripts/x.py" = "other.x"\n', "outside the package 'nba_simulator'", id="target-outside-package"),
    pytest.param(BASE + '"scripts/x.py" = "nba_simulator"\n', "is the package itself", id="target-is-package"),
    pytest.param(BASE + '"../x.py" = "nba_simulator.x"\n', "leaves the repository", id="key-parent-folder"),
    pytest.param(BASE + '"/abs/x.py" = "nba_simulator.x"\n', "absolute paths are not allowed", id="key-absolute"),
    pytest.param(BASE + '"scripts/x" = "nba_simulator.x"\n', "a file key must end in .py", id="key-no-suffix"),
    pytest.param(BASE + '"scripts/*.py" = "nba_simulator.x"\n', "needs {stem}", id="glob-without-stem"),
    pytest.param(BASE + '"scripts/x:Thing" = "nba_simulator.x"\n', "path of one Python file", id="symbol-key-without-py"),
    pytest.param(BASE + '"scripts/*.py:Thing" = "nba_simulator.x"\n', "path of one Python file", id="symbol-key-glob"),
    pytest.param(BASE + '"scripts/x.py:2nd" = "nba_simulator.x"\n', "not a function or class name", id="symbol-name-invalid"),
    pytest.param(BASE + '"scripts/x.py:Thing" = "other.x"\n', "outside the package", id="symbol-target-outside"),
    pytest.param(BASE + '"scripts/x.py" = 3\n', "must be a dotted module name string", id="target-not-string"),
    pytest.param(
        BASE + '"scripts/a.py" = "nba_simulator.x"\n"scripts/b.py" = "nba_simulator.x"\n',
        "moves both 'scripts/a.py' and 'scripts/b.py' to 'nba_simulator.x'",
        id="two-moves-one-target",
    ),
    pytest.param('package = "x"\n[[batch]]\nname = "b c"\n[batch.moves]\n"a.py" = "x.a"\n', "cannot be part of a git branch name", id="batch-name-space"),
    pytest.param('package = "x"\n[[batch]]\nname = "b"\n', "'moves' is missing or empty", id="batch-without-moves"),
    pytest.param('package = "x"\n[[batch]]\n[batch.moves]\n"a.py" = "x.a"\n', "has no 'name'", id="batch-without-name"),
    pytest.param(
        'package = "x"\n[[batch]]\nname = "b"\n[batch.moves]\n"a.py" = "x.a"\n[[batch]]\nname = "b"\n[batch.moves]\n"c.py" = "x.c"\n',
        "two batches are named 'b'",
        id="duplicate-batch",
    ),
    pytest.param(
        'package = "x"\n[[batch]]\nname = "etl"\n[batch.moves]\n"a.py" = "x.a"\n[[batch]]\nname = "ETL"\n[batch.moves]\n"c.py" = "x.c"\n',
        "batches 'etl' and 'ETL' differ only in case",
        id="batch-names-differ-in-case",
    ),
    pytest.param('package = "x"\nshim-remove-after = "soon"\n', "is not a date", id="bad-date"),
    pytest.param(
        'package = "x"\nprotect = ["scripts/*.py"]\n[[batch]]\nname = "b"\n[batch.moves]\n"scripts/a.py" = "x.a"\n',
        "which the 'protect' pattern 'scripts/\\*.py' keeps in place",
        id="protected-move",
    ),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_config_names_value_and_fix(tmp_path, text, message):
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(tmp_path)
    assert "codemod.toml" in str(caught.value)


def test_unknown_batch_lists_known(tmp_path):
    config = load_config(write(tmp_path, VALID))
    with pytest.raises(ConfigError, match="no batch named 'nope'; the batches defined are: etl-base"):
        config.batch("nope")


def test_default_removal_date_is_in_future(tmp_path):
    config = load_config(write(tmp_path, 'package = "x"\n'))
    import datetime

    assert datetime.date.fromisoformat(config.shim_remove_after) > datetime.date.today()


def test_symbol_move_parsed(tmp_path):
    text = VALID + '"scripts/etl/utils.py:parse_date" = "nba_simulator.etl.dates"\n"scripts/etl/utils.py:Parser" = "nba_simulator.etl.dates"\n'

    config = load_config(write(tmp_path, text))

    symbols = [rule for rule in config.batch("etl-base").moves if rule.kind == "symbol"]
    assert [(rule.source, rule.symbol, rule.target) for rule in symbols] == [
        ("scripts/etl/utils.py", "parse_date", "nba_simulator.etl.dates"),
        ("scripts/etl/utils.py", "Parser", "nba_simulator.etl.dates"),
    ]
    assert symbols[0].key == "scripts/etl/utils.py:parse_date"


DOCS_ROOT = Path(__file__).resolve().parents[2]


def first_toml_block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index("```toml\n") + len("```toml\n")
    return text[start : text.index("```", start)]


@pytest.mark.parametrize(
    "document",
    [pytest.param("README.md", id="readme-example"), pytest.param("docs/configuration.md", id="configuration-page-example")],
)
def test_documented_example_loads(tmp_path, document):
    config = load_config(write(tmp_path, first_toml_block(DOCS_ROOT / document)))

    assert "scripts/etl/*_agent.py" in config.never_run
    assert config.batch("etl-base").entry_point_args == ("--help",)
    assert "scripts/etl/*_agent.py" in config.batch("etl-base").never_run
