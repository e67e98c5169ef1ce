"""The scanner skips expressions on lines without a call, string or name it looks for; nothing may be lost."""

from __future__ import annotations

import textwrap

import pytest

from inventory.scan import _hot_lines, scan_source


def scan(source: bytes, path: str = "scripts/etl/job.py"):
    return scan_source(path, source)


def text(source: str) -> bytes:
    return textwrap.dedent(source).lstrip("\n").encode("utf-8")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            text(
                """
                import sys
                from pathlib import Path
                sys.path.insert(
                    0,
                    str(Path(__file__).parent),
                )
                """
            ),
            id="call-name-on-first-line-of-three",
        ),
        pytest.param(
            text(
                """
                import sys, os
                HERE = os.path.dirname(
                    os.path.abspath(__file__))
                sys.path \\
                    .insert(0, HERE)
                """
            ),
            id="call-name-on-continuation-line",
        ),
        pytest.param(
            b"import sys, os\r\nsys.path.insert(0, os.path.dirname(__file__))\r\n",
            id="crlf-line-endings",
        ),
        pytest.param(
            b"import sys, os\rX = 1\rsys.path.insert(0, os.path.dirname(__file__))\r",
            id="lone-carriage-returns",
        ),
    ],
)
def test_path_edit_still_found(source):
    facts = scan(source)

    assert len(facts.path_edits) == 1
    assert facts.path_edits[0].target == "scripts/etl"


def test_lines_after_multiline_string_keep_their_numbers():
    facts = scan(text('"""Doc\n\nstring."""\nimport logging\n\n\nlogger = logging.getLogger(__name__)\n'))

    assert [(hazard.kind, hazard.line) for hazard in facts.hazards] == [("logger-name", 7)]


def test_string_with_import_text_inside_a_call():
    facts = scan(text('run(\n    code="import scripts.etl.job",\n)\n'))

    assert [(reference.kind, reference.line) for reference in facts.strings] == [("import-text", 2)]


def test_hot_lines_numbers():
    assert _hot_lines(b"x = 1\nimport os\ny = 2\nopen('f')\n") == [2, 4]
    assert _hot_lines(b"a\rb\r") is None


def test_longer_words_stay_cold():
    assert _hot_lines(b"opened = inserted + appendix\n") == []
