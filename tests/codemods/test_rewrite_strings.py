from __future__ import annotations

from textwrap import dedent

import libcst as cst
import pytest

from codemods.model import StringRewrite
from codemods.rewrite_strings import rewrite_strings

OLD = "scripts.etl.scraper_config"
NEW = "nba_simulator.etl.config.manager"


def patch(line: int, suffix: str = ".load") -> StringRewrite:
    return StringRewrite(line=line, old=OLD + suffix, new=NEW + suffix)


def import_text(line: int) -> StringRewrite:
    return StringRewrite(line=line, old=OLD, new=NEW, kind="import_module")


def module_key(line: int) -> StringRewrite:
    return StringRewrite(line=line, old=OLD, new=NEW, kind="sys.modules")


REWRITTEN = [
    pytest.param(
        '@mock.patch("scripts.etl.scraper_config.load")\ndef test(): ...\n',
        [patch(1)],
        '@mock.patch("nba_simulator.etl.config.manager.load")\ndef test(): ...\n',
        id="mock-patch-double-quotes",
    ),
    pytest.param(
        "with patch('scripts.etl.scraper_config.load') as load:  # patch it\n    pass\n",
        [patch(1)],
        "with patch('nba_simulator.etl.config.manager.load') as load:  # patch it\n    pass\n",
        id="single-quotes-and-comment-kept",
    ),
    pytest.param(
        'module = importlib.import_module(r"scripts.etl.scraper_config")\n',
        [import_text(1)],
        'module = importlib.import_module(r"nba_simulator.etl.config.manager")\n',
        id="raw-prefix-kept",
    ),
    pytest.param(
        "name = '''scripts.etl.scraper_config'''\n",
        [import_text(1)],
        "name = '''nba_simulator.etl.config.manager'''\n",
        id="triple-quotes-kept",
    ),
    pytest.param(
        'name = u"scripts.etl.scraper_config"\n',
        [import_text(1)],
        'name = u"nba_simulator.etl.config.manager"\n',
        id="u-prefix-kept",
    ),
    pytest.param(
        """\
        patcher = mock.patch(
            "scripts.etl.scraper_config.load",
            return_value=None,
        )
        """,
        [patch(2)],
        """\
        patcher = mock.patch(
            "nba_simulator.etl.config.manager.load",
            return_value=None,
        )
        """,
        id="string-on-its-own-line",
    ),
    pytest.param(
        'a = "scripts.etl.scraper_config"\nb = "scripts.etl.scraper_config"\n',
        [import_text(2)],
        'a = "scripts.etl.scraper_config"\nb = "nba_simulator.etl.config.manager"\n',
        id="only-listed-line",
    ),
    pytest.param(
        'x = "scripts.etl.scraper_config"\r\ny = 1\r\n',
        [import_text(1)],
        'x = "nba_simulator.etl.config.manager"\r\ny = 1\r\n',
        id="crlf-line-endings",
    ),
    pytest.param(
        'with mock.patch.object(sys.modules["scripts.etl.scraper_config"], "load"):\n    pass\n',
        [module_key(1)],
        'with mock.patch.object(sys.modules["nba_simulator.etl.config.manager"], "load"):\n    pass\n',
        id="sys-modules-key-in-patch-object",
    ),
    pytest.param(
        'with patch.object(importlib.import_module("scripts.etl.scraper_config"), "load"):\n    pass\n',
        [import_text(1)],
        'with patch.object(importlib.import_module("nba_simulator.etl.config.manager"), "load"):\n    pass\n',
        id="import-module-in-patch-object-keeps-attribute-name",
    ),
    pytest.param(
        """\
        with mock.patch.dict(sys.modules, {
            "scripts.etl.scraper_config": fake,  # replaced
            "scripts.etl.other": other,
        }):
            pass
        """,
        [module_key(2)],
        """\
        with mock.patch.dict(sys.modules, {
            "nba_simulator.etl.config.manager": fake,  # replaced
            "scripts.etl.other": other,
        }):
            pass
        """,
        id="patch-dict-sys-modules-key",
    ),
    pytest.param(
        '@patch.multiple("scripts.etl.scraper_config", load=DEFAULT)\ndef test(load): ...\n',
        [StringRewrite(line=1, old=OLD, new=NEW, kind="mock.patch")],
        '@patch.multiple("nba_simulator.etl.config.manager", load=DEFAULT)\ndef test(load): ...\n',
        id="patch-multiple-target",
    ),
    pytest.param(
        'module = __import__("scripts.etl.scraper_config", fromlist=["load"])\n',
        [StringRewrite(line=1, old=OLD, new=NEW, kind="__import__")],
        'module = __import__("nba_simulator.etl.config.manager", fromlist=["load"])\n',
        id="dunder-import-with-fromlist",
    ),
]


@pytest.mark.parametrize(("before", "rewrites", "after"), REWRITTEN)
def test_rewrites_listed_string(before: str, rewrites: list[StringRewrite], after: str) -> None:
    module, result = rewrite_strings(cst.parse_module(dedent(before)), rewrites)

    assert module.code == dedent(after)
    assert result.changed
    assert result.skipped == ()
    assert result.applied == len(rewrites)


UNCHANGED = [
    pytest.param('x = "scripts.etl.scraper_config"\n', [], "", id="no-rewrites"),
    pytest.param('x = "scripts.etl.scraper_config.load_all"\n', [patch(1)], "not-found", id="prefix-of-value-only"),
    pytest.param('x = "scripts.etl.scraper_config"\n', [import_text(2)], "not-found", id="other-line"),
    pytest.param('x = b"scripts.etl.scraper_config"\n', [import_text(1)], "not-found", id="bytes-literal"),
    pytest.param('x = f"scripts.etl.{name}"\n', [import_text(1)], "string-formatted", id="f-string"),
    pytest.param(
        'x = "scripts.etl." "scraper_config"\n', [import_text(1)], "string-concatenated", id="concatenated-string"
    ),
    pytest.param(
        '# "scripts.etl.scraper_config"\nx = 1\n', [import_text(1)], "not-found", id="comment-is-not-a-string"
    ),
]


@pytest.mark.parametrize(("before", "rewrites", "code"), UNCHANGED)
def test_leaves_string_unchanged(before: str, rewrites: list[StringRewrite], code: str) -> None:
    module, result = rewrite_strings(cst.parse_module(before), rewrites)

    assert module.code == before
    assert not result.changed
    assert [item.code for item in result.skipped] == ([code] if code else [])


def test_new_value_escaped_for_quote_style() -> None:
    rewrite = StringRewrite(line=1, old="a", new="it's")

    module, result = rewrite_strings(cst.parse_module("x = 'a'\n"), [rewrite])

    assert module.code == "x = 'it\\'s'\n"
    assert result.applied == 1


def test_raw_string_that_cannot_hold_value_is_skipped() -> None:
    rewrite = StringRewrite(line=1, old="a", new="b'c")

    module, result = rewrite_strings(cst.parse_module("x = r'a'\n"), [rewrite])

    assert module.code == "x = r'a'\n"
    assert [item.code for item in result.skipped] == ["string-quote-style"]
