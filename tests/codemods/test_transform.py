from __future__ import annotations

import pytest

from codemods.errors import CodemodError
from codemods.model import SiteRewrite, StringRewrite
from codemods.transform import SourceParseError, parse_source, render_source, transform_file_source

OLD_PATH = "scripts/etl/scraper_config.py"
NEW_PATH = "nba_simulator/etl/config/manager.py"
NEW = "nba_simulator.etl.config.manager"

BARE_IMPORT = SiteRewrite(
    line=2, kind="import", module="scraper_config", level=0, name=None, alias=None,
    target="module", new_module=NEW, old_chain="scraper_config",
)
MEMBER_IMPORT = SiteRewrite(
    line=1, kind="from", module="scripts.etl", level=0, name="scraper_config", alias=None,
    target="member", new_module="nba_simulator.etl.config", new_name="manager",
)

MEMBER_IMPORT_IN_FUNCTION = SiteRewrite(
    line=2, kind="from", module="scripts.etl", level=0, name="scraper_config", alias=None,
    target="member", new_module="nba_simulator.etl.config", new_name="manager",
)

ROUND_TRIPS = [
    pytest.param(b"", id="empty-file"),
    pytest.param(b"import os\r\n\r\nx = 'a'  # note\r\n", id="crlf"),
    pytest.param(b"\xef\xbb\xbfimport os\n", id="byte-order-mark"),
    pytest.param(b"# -*- coding: latin-1 -*-\n# caf\xe9\nimport os\n", id="latin-1-cookie"),
    pytest.param(b"import os\nx = 1", id="no-final-newline"),
    pytest.param(b"if x:\n\ty = 1  \n", id="tabs-and-trailing-spaces"),
]


@pytest.mark.parametrize("source", ROUND_TRIPS)
def test_parse_and_render_round_trip(source: bytes) -> None:
    assert render_source(parse_source(source)) == source


@pytest.mark.parametrize("source", ROUND_TRIPS)
def test_unchanged_source_returns_same_bytes(source: bytes) -> None:
    after, result = transform_file_source(
        source, path="scripts/x.py", rewrites=[BARE_IMPORT], move=("scripts/x.py", "scripts/x.py")
    )

    assert after is source
    assert not result.changed


def test_no_transform_requested_skips_parsing() -> None:
    source = b"this is not python (\n"

    after, result = transform_file_source(source, path="scripts/x.py")

    assert after is source
    assert not result.changed


REWRITTEN_BYTES = [
    pytest.param(
        b"import os\r\nimport scraper_config\r\n\r\nscraper_config.load()\r\n",
        BARE_IMPORT,
        b"import os\r\nimport nba_simulator.etl.config.manager as scraper_config\r\n\r\nscraper_config.load()\r\n",
        id="crlf",
    ),
    pytest.param(
        b"\xef\xbb\xbfimport os\nimport scraper_config\n",
        BARE_IMPORT,
        b"\xef\xbb\xbfimport os\nimport nba_simulator.etl.config.manager as scraper_config\n",
        id="byte-order-mark",
    ),
    pytest.param(
        b"\xef\xbb\xbfdef f():\r\n\tfrom scripts.etl import scraper_config, other  # c\r\n\treturn 1\r\n",
        MEMBER_IMPORT_IN_FUNCTION,
        b"\xef\xbb\xbfdef f():\r\n\tfrom scripts.etl import other  # c\r\n"
        b"\tfrom nba_simulator.etl.config import manager as scraper_config\r\n\treturn 1\r\n",
        id="inserted-line-keeps-tab-crlf-and-bom",
    ),
    pytest.param(
        b"# -*- coding: latin-1 -*-\nimport scraper_config  # caf\xe9\n",
        BARE_IMPORT,
        b"# -*- coding: latin-1 -*-\nimport nba_simulator.etl.config.manager as scraper_config  # caf\xe9\n",
        id="latin-1-cookie",
    ),
]


@pytest.mark.parametrize(("before", "site", "after"), REWRITTEN_BYTES)
def test_rewrite_keeps_bytes_of_other_lines(before: bytes, site: SiteRewrite, after: bytes) -> None:
    rewritten, result = transform_file_source(before, path="scripts/etl/run.py", rewrites=[site])

    assert rewritten == after
    assert result.changed
    assert result.applied == 1


def test_runs_all_transforms_on_one_file() -> None:
    before = (
        b"from scripts.etl import scraper_config, other_mod\n"
        b"from pathlib import Path\n"
        b"ROOT = Path(__file__).parent.parent.parent\n"
        b"HERE = Path(__file__).parent\n"
        b'TARGET = "scripts.etl.scraper_config.load"\n'
    )
    strings = [StringRewrite(line=5, old="scripts.etl.scraper_config.load", new=f"{NEW}.load")]

    after, result = transform_file_source(
        before, path=OLD_PATH, rewrites=[MEMBER_IMPORT], strings=strings, move=(OLD_PATH, NEW_PATH)
    )

    assert after == (
        b"from scripts.etl import other_mod\n"
        b"from nba_simulator.etl.config import manager as scraper_config\n"
        b"from pathlib import Path\n"
        b"ROOT = Path(__file__).parent.parent.parent.parent\n"
        b'HERE = (Path(__file__).parent.parent.parent.parent / "scripts/etl")\n'
        b'TARGET = "nba_simulator.etl.config.manager.load"\n'
    )
    assert result.applied == 4
    assert result.skipped == ()


def test_skipped_sites_merged_in_line_order() -> None:
    before = b"import os\nimport json\nx = 'a'\n"
    missing_import = SiteRewrite(2, "import", "scraper_config", 0, None, None, "module", NEW)
    missing_string = StringRewrite(line=1, old="scraper_config", new=NEW)

    after, result = transform_file_source(before, path="x.py", rewrites=[missing_import], strings=[missing_string])

    assert after is before
    assert [item.line for item in result.skipped] == [1, 2]


PARSE_FAILURES = [
    pytest.param(b"def broken(:\n", "syntax error", id="syntax-error"),
    pytest.param(b"# -*- coding: no-such-codec -*-\nx = 1\n", "no-such-codec", id="unknown-encoding"),
    pytest.param(b"x = '\xff'\n", "encoding", id="bytes-invalid-in-utf-8"),
]


@pytest.mark.parametrize(("source", "detail"), PARSE_FAILURES)
def test_parse_failure_names_file(source: bytes, detail: str) -> None:
    with pytest.raises(SourceParseError) as caught:
        transform_file_source(source, path="scripts/etl/broken.py", rewrites=[BARE_IMPORT])

    message = str(caught.value)
    assert message.startswith("scripts/etl/broken.py: cannot parse as Python")
    assert detail in message
    assert caught.value.path == "scripts/etl/broken.py"
    assert isinstance(caught.value, CodemodError)


def test_statement_splice_matches_whole_file_route() -> None:
    from textwrap import dedent

    from codemods.transform import splice_import_rewrites
    from tests.codemods.test_rewrite_imports import REWRITTEN

    spliced_cases = 0
    for case in REWRITTEN:
        before, sites, after = case.values
        source = dedent(before).encode()
        spliced = splice_import_rewrites(source, sites)
        if spliced is None:
            continue
        spliced_cases += 1
        text, result = spliced

        assert text.decode() == dedent(after), case.id
        assert result.applied == len(sites), case.id
    assert spliced_cases >= 20


SPLICE_FALLBACKS = [
    pytest.param(b"import os; from scripts.etl import scraper_config\n", id="second-statement-on-line"),
    pytest.param(b"if True: from scripts.etl import scraper_config, other\n", id="one-line-suite"),
    pytest.param(b"\xef\xbb\xbffrom scripts.etl import scraper_config\n", id="byte-order-mark"),
    pytest.param(b"# -*- coding: latin-1 -*-\nfrom scripts.etl import scraper_config\n", id="other-encoding"),
    pytest.param(b"x = 1\n", id="no-import-at-line"),
]


@pytest.mark.parametrize("source", SPLICE_FALLBACKS)
def test_statement_splice_falls_back(source: bytes) -> None:
    from codemods.transform import splice_import_rewrites

    line = source.count(b"\n", 0, source.index(b"from ")) + 1 if b"from " in source else 1
    site = SiteRewrite(line, "from", "scripts.etl", 0, "scraper_config", None, "member", "nba_simulator.etl.config", "manager")

    assert splice_import_rewrites(source, [site]) is None


def test_statement_splice_skips_chain_sites() -> None:
    from codemods.transform import splice_import_rewrites

    site = SiteRewrite(1, "import", "scripts.etl.scraper_config", 0, None, None, "module", "nba_simulator.etl.config.manager")

    assert splice_import_rewrites(b"import scripts.etl.scraper_config\n", [site]) is None


SPLICE_EQUALS_WHOLE_FILE = [
    pytest.param(
        b"import os\r\nfrom scripts.etl import (\r\n    other_mod,  # a\r\n    scraper_config,  # b\r\n)\r\nx = 1\r\n",
        2,
        id="crlf-parenthesized-split",
    ),
    pytest.param(
        b"def f():\n    from scripts.etl import (other_mod,\n        scraper_config)  # late\n    return scraper_config\n",
        2,
        id="indented-multi-line-split",
    ),
    pytest.param(b"from scripts.etl import scraper_config, \\\n    other_mod\n", 1, id="backslash-continuation"),
    pytest.param(b"from scripts.etl import scraper_config, other_mod", 1, id="no-newline-at-end"),
    pytest.param(
        b"def f():\r\n    from scripts.etl import (\r\n        # the config\r\n        scraper_config,\r\n"
        b"        other_mod,\r\n    )\r\n    return scraper_config\r\n",
        2,
        id="crlf-indented-comment-line-moves",
    ),
    pytest.param(
        b"from scripts.etl import (\n    other_mod,\n    # the config\n    scraper_config\n)",
        1,
        id="comment-line-moves-without-newline-at-end",
    ),
]


@pytest.mark.parametrize(("source", "line"), SPLICE_EQUALS_WHOLE_FILE)
def test_statement_splice_equals_whole_file(source: bytes, line: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import codemods.transform as transform_module

    site = SiteRewrite(line, "from", "scripts.etl", 0, "scraper_config", None, "member", "nba_simulator.etl.config", "manager")
    spliced = transform_module.splice_import_rewrites(source, [site])
    monkeypatch.setattr(transform_module, "splice_import_rewrites", lambda source, rewrites: None)
    whole_file, _ = transform_file_source(source, path="x.py", rewrites=[site])

    assert spliced is not None
    assert spliced[0] == whole_file
