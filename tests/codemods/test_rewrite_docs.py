from __future__ import annotations

from textwrap import dedent

import libcst as cst
import pytest

from codemods.model import RewriteOptions
from codemods.rewrite_docs import rewrite_doc_mentions, rewrite_doc_text
from tests.codemods.test_plan_chains import plan_files

RENAMES = [
    ("scripts.etl.scraper_config", "nba_simulator.etl.config.manager"),
    ("scripts/etl/scraper_config.py", "nba_simulator/etl/config/manager.py"),
]

TEXT_REWRITTEN = [
    pytest.param("Run scripts/etl/scraper_config.py nightly.\n", "Run nba_simulator/etl/config/manager.py nightly.\n", id="path"),
    pytest.param("See `scripts.etl.scraper_config.load`.\n", "See `nba_simulator.etl.config.manager.load`.\n", id="dotted-prefix"),
    pytest.param("[cfg](./scripts/etl/scraper_config.py)\n", "[cfg](./nba_simulator/etl/config/manager.py)\n", id="markdown-link"),
    pytest.param("a\r\nscripts.etl.scraper_config\r\n", "a\r\nnba_simulator.etl.config.manager\r\n", id="crlf"),
]


@pytest.mark.parametrize(("before", "after"), TEXT_REWRITTEN)
def test_rewrites_mention(before: str, after: str) -> None:
    assert rewrite_doc_text(before, RENAMES) == after


TEXT_UNCHANGED = [
    pytest.param("old/scripts/etl/scraper_config.py\n", id="longer-path"),
    pytest.param("scripts.etl.scraper_configuration\n", id="longer-name"),
    pytest.param("my_scripts.etl.scraper_config\n", id="other-prefix"),
    pytest.param("scripts/etl/scraper_config.pyc\n", id="other-suffix"),
]


@pytest.mark.parametrize("text", TEXT_UNCHANGED)
def test_leaves_other_words(text: str) -> None:
    assert rewrite_doc_text(text, RENAMES) == text


def test_python_comments_and_docstrings_only() -> None:
    before = dedent(
        '''\
        """Loads scripts.etl.scraper_config settings."""
        import scripts.etl.scraper_config  # scripts.etl.scraper_config

        def f():
            """Reads scripts/etl/scraper_config.py."""
            return "scripts.etl.scraper_config"
        '''
    )

    module, result = rewrite_doc_mentions(cst.parse_module(before), RENAMES)

    assert module.code == dedent(
        '''\
        """Loads nba_simulator.etl.config.manager settings."""
        import scripts.etl.scraper_config  # nba_simulator.etl.config.manager

        def f():
            """Reads nba_simulator/etl/config/manager.py."""
            return "scripts.etl.scraper_config"
        '''
    )
    assert result.applied == 3


DOCS_FILES = {
    "README.md": "Settings live in `scripts/etl/scraper_config.py` (module `scripts.etl.scraper_config`).\n",
    "use.py": '"""Uses scripts.etl.scraper_config."""\nimport scripts.etl.scraper_config  # see scripts/etl/scraper_config.py\n',
    "other.py": '"""Mentions scripts.etl.scraper_config but never imports it."""\n',
}


def test_plan_rewrites_docs_only_when_asked(tmp_path):
    plain = plan_files(tmp_path / "plain", DOCS_FILES)
    with_docs = plan_files(tmp_path / "docs", DOCS_FILES, RewriteOptions(docs=True))

    plain_after = {change.path: change.after.decode() for change in plain.changes if change.changed}
    docs_after = {change.path: change.after.decode() for change in with_docs.changes if change.changed}
    assert "README.md" not in plain_after
    assert docs_after["README.md"] == (
        "Settings live in `nba_simulator/etl/config/manager.py` (module `nba_simulator.etl.config.manager`).\n"
    )
    assert plain_after["use.py"] == '"""Uses scripts.etl.scraper_config."""\nimport nba_simulator.etl.config.manager  # see scripts/etl/scraper_config.py\n'
    assert docs_after["use.py"] == (
        '"""Uses nba_simulator.etl.config.manager."""\n'
        "import nba_simulator.etl.config.manager  # see nba_simulator/etl/config/manager.py\n"
    )
    assert "other.py" not in docs_after  # files that do not import a moved module are never parsed
