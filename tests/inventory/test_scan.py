from __future__ import annotations

import textwrap

import pytest

from inventory.model import (
    CONTEXT_AFTER_PATH_EDIT,
    CONTEXT_CLASS,
    CONTEXT_CONDITIONAL,
    CONTEXT_EXCEPT_BRANCH,
    CONTEXT_FUNCTION,
    CONTEXT_TRY_IMPORT_ERROR,
    CONTEXT_TYPE_CHECKING,
)
from inventory.scan import scan_source


def scan(text: str, path: str = "scripts/etl/job.py"):
    return scan_source(path, textwrap.dedent(text).lstrip("\n").encode("utf-8"))


def hazard_kinds(facts) -> list[str]:
    return [hazard.kind for hazard in facts.hazards]


@pytest.mark.parametrize(
    "source, expected",
    [
        pytest.param(
            "import a.b as c, d\n",
            [("import", "a.b", None, "c", 0), ("import", "d", None, None, 0)],
            id="import-aliases",
        ),
        pytest.param(
            "from a.b import x, y as z\n",
            [("from", "a.b", "x", None, 0), ("from", "a.b", "y", "z", 0)],
            id="from-import-two-names",
        ),
        pytest.param("from .. import x\n", [("from", "", "x", None, 2)], id="relative-dots-only"),
        pytest.param("from .sib import *\n", [("from", "sib", "*", None, 1)], id="relative-star"),
        pytest.param(
            "from a import (\n    x,\n    y,\n)\n",
            [("from", "a", "x", None, 0), ("from", "a", "y", None, 0)],
            id="parenthesized",
        ),
    ],
)
def test_import_sites_per_alias(source, expected):
    facts = scan(source)

    found = [(site.kind, site.module, site.name, site.alias, site.level) for site in facts.imports]

    assert found == expected


def test_import_site_lines_and_columns():
    facts = scan("import os\nfrom a import (\n    x,\n)\n")

    assert (facts.imports[0].line, facts.imports[0].end_line, facts.imports[0].col) == (1, 1, 0)
    assert (facts.imports[1].line, facts.imports[1].end_line) == (2, 4)


@pytest.mark.parametrize(
    "source, context",
    [
        pytest.param("def f():\n    import a\n", (CONTEXT_FUNCTION,), id="function"),
        pytest.param(
            "try:\n    import a\nexcept ImportError:\n    pass\n",
            (CONTEXT_TRY_IMPORT_ERROR,),
            id="try-import-error",
        ),
        pytest.param(
            "try:\n    import a\nexcept (ValueError, ModuleNotFoundError):\n    pass\n",
            (CONTEXT_TRY_IMPORT_ERROR,),
            id="try-tuple-handler",
        ),
        pytest.param(
            "try:\n    import a\nexcept Exception:\n    pass\n",
            (CONTEXT_TRY_IMPORT_ERROR,),
            id="try-exception",
        ),
        pytest.param(
            "try:\n    import a\nexcept KeyError:\n    pass\n", (), id="try-other-handler"
        ),
        pytest.param(
            "try:\n    pass\nexcept ImportError:\n    import a\n",
            (CONTEXT_EXCEPT_BRANCH,),
            id="except-branch",
        ),
        pytest.param(
            "if TYPE_CHECKING:\n    import a\n", (CONTEXT_TYPE_CHECKING,), id="type-checking"
        ),
        pytest.param(
            "if typing.TYPE_CHECKING:\n    import a\n",
            (CONTEXT_TYPE_CHECKING,),
            id="typing-type-checking",
        ),
        pytest.param(
            "if sys.version_info > (3,):\n    import a\n", (CONTEXT_CONDITIONAL,), id="conditional"
        ),
        pytest.param("class C:\n    import a\n", (CONTEXT_CLASS,), id="class-body"),
        pytest.param(
            "import sys\nsys.path.insert(0, '/x')\nimport a\n",
            (CONTEXT_AFTER_PATH_EDIT,),
            id="after-path-edit",
        ),
        pytest.param(
            "def f():\n    sys.path.append('x')\nimport a\n", (), id="edit-in-other-scope"
        ),
    ],
)
def test_import_context(source, context):
    facts = scan(source)

    assert facts.imports[-1].context == context


def test_docstring_usage_is_not_an_import():
    facts = scan('"""Usage:\n\n    from scraper_config import X\n"""\nimport os\n')

    assert [site.module for site in facts.imports] == ["os"]
    assert facts.strings == ()


def test_import_text_in_assigned_string():
    facts = scan('TEMPLATE = """\nimport os\nfrom scripts.etl.x import Y\n"""\n')

    kinds = [(item.kind, item.value, item.module, item.line) for item in facts.strings]

    assert ("import-text", "from scripts.etl.x import Y", "scripts.etl.x", 3) in kinds
    assert ("import-text", "import os", "os", 2) in kinds


def test_prose_string_is_not_import_text():
    facts = scan('MESSAGE = "please import the data first"\n')

    assert facts.strings == ()


@pytest.mark.parametrize(
    "source, target",
    [
        pytest.param(
            "sys.path.append(str(Path(__file__).parent.parent.parent))", "", id="parent-chain"
        ),
        pytest.param(
            "root = Path(__file__).resolve().parents[2]\nsys.path.insert(0, str(root))",
            "",
            id="parents-index-name",
        ),
        pytest.param(
            "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))",
            "scripts/etl",
            id="dirname-abspath",
        ),
        pytest.param(
            "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'utils'))",
            "scripts/utils",
            id="join-dotdot",
        ),
        pytest.param(
            "ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nsys.path.insert(0, ROOT)",
            "scripts",
            id="nested-dirname-name",
        ),
        pytest.param(
            "sys.path.extend([str(Path(__file__).parent / 'lib')])",
            "scripts/etl/lib",
            id="extend-division",
        ),
        pytest.param(
            "sys.path[0:0] = [os.path.dirname(__file__)]", "scripts/etl", id="slice-assign"
        ),
        pytest.param("sys.path += [os.path.dirname(__file__)]", "scripts/etl", id="augmented-add"),
        pytest.param(
            "def f():\n    here = Path(__file__).parent\n    sys.path.insert(0, str(here))",
            "scripts/etl",
            id="name-in-function",
        ),
    ],
)
def test_path_edit_is_evaluated(source, target):
    facts = scan("import os, sys\nfrom pathlib import Path\n" + source + "\n")

    assert [edit.target for edit in facts.path_edits] == [target]


def test_path_edit_operation_and_position():
    facts = scan("import sys\nsys.path.insert(1, 'lib')\nsys.path.append('x')\n")

    assert [(edit.op, edit.position) for edit in facts.path_edits] == [
        ("insert", 1),
        ("append", None),
    ]
    assert facts.path_edits[0].expression == "'lib'"


def test_path_edit_not_evaluated_has_reason():
    facts = scan("import os, sys\nsys.path.insert(0, os.getcwd())\n")

    assert facts.path_edits[0].target is None
    assert "working directory" in facts.path_edits[0].reason


def test_hard_coded_path_edit_is_hazard():
    facts = scan('import sys\nsys.path.append("/Users/someone/project")\n')

    assert facts.path_edits[0].absolute == "/Users/someone/project"
    assert "hard-coded-path" in hazard_kinds(facts)


@pytest.mark.parametrize(
    "test_line",
    ['if __name__ == "__main__":', "if '__main__' == __name__:"],
    ids=["name-first", "main-first"],
)
def test_entry_point(test_line):
    facts = scan(f"import sys\n{test_line}\n    main()\n")

    assert facts.is_entry_point
    assert facts.main_line == 2


def test_not_an_entry_point():
    facts = scan("def main():\n    pass\n")

    assert not facts.is_entry_point
    assert facts.main_line == 0


def test_defines_and_dunder_all():
    facts = scan(
        """
        import os.path
        from a import b as c
        X, (Y, *Z) = 1, (2, 3)
        T: int = 1
        def f(): inner = 1
        class K: attribute = 1
        try:
            import yaml
        except ImportError:
            yaml = None
        __all__ = ["f", "K"]
        """
    )

    assert facts.defines == ("os", "c", "X", "Y", "Z", "T", "f", "K", "yaml", "__all__")
    assert facts.dunder_all == ("f", "K")


@pytest.mark.parametrize(
    "source, name",
    [
        pytest.param("for index in range(3):\n    pass\n", "index", id="for-target"),
        pytest.param("with open('x') as (first, second):\n    pass\n", "second", id="with-target-tuple"),
        pytest.param("def setup():\n    global CLIENT\n    CLIENT = object()\n", "CLIENT", id="global-in-function"),
    ],
)
def test_defines_other_bindings(source, name):
    assert name in scan(source).defines


def test_dunder_all_not_literal():
    facts = scan("__all__ = [name for name in dir()]\n")

    assert facts.dunder_all is None


@pytest.mark.parametrize(
    "source, kind, value, module",
    [
        pytest.param(
            '@mock.patch("a.b.func")\ndef t(): pass',
            "mock.patch",
            "a.b.func",
            None,
            id="mock-patch-decorator",
        ),
        pytest.param(
            'with patch("a.b.func"): pass', "mock.patch", "a.b.func", None, id="patch-context"
        ),
        pytest.param('patch.multiple("a.b", f=1)', "mock.patch", "a.b", None, id="patch-multiple"),
        pytest.param('mocker.patch("a.b.c")', "mock.patch", "a.b.c", None, id="mocker-patch"),
        pytest.param(
            'monkeypatch.setattr("a.b.c", 1)',
            "monkeypatch",
            "a.b.c",
            None,
            id="monkeypatch-setattr",
        ),
        pytest.param(
            'importlib.import_module("a.b")', "import_module", "a.b", "a.b", id="import-module"
        ),
        pytest.param(
            'import_module("..c", package="a.b")',
            "import_module",
            "..c",
            "a.c",
            id="import-module-relative",
        ),
        pytest.param('__import__("a.b")', "__import__", "a.b", "a.b", id="dunder-import"),
    ],
)
def test_string_reference(source, kind, value, module):
    facts = scan(source + "\n")

    assert [(item.kind, item.value, item.module) for item in facts.strings] == [
        (kind, value, module)
    ]


def test_patch_object_is_not_a_string_reference():
    facts = scan("mock.patch.object(module, 'name')\n")

    assert facts.strings == ()


@pytest.mark.parametrize(
    "source, kind, path",
    [
        pytest.param(
            'importlib.util.spec_from_file_location("m", "scripts/etl/m.py")',
            "spec_from_file_location",
            "scripts/etl/m.py",
            id="spec-constant",
        ),
        pytest.param(
            'spec_from_file_location("m", os.path.join(os.path.dirname(__file__), "m.py"))',
            "spec_from_file_location",
            "scripts/etl/m.py",
            id="spec-file-relative",
        ),
        pytest.param(
            'SourceFileLoader("m", str(Path(__file__).parent / "m.py"))',
            "SourceFileLoader",
            "scripts/etl/m.py",
            id="source-file-loader",
        ),
        pytest.param(
            'subprocess.run(["python", "scripts/etl/run.py", "--x"])',
            "subprocess",
            "scripts/etl/run.py",
            id="subprocess-list",
        ),
        pytest.param(
            'os.system("python3 scripts/etl/run.py --all")',
            "subprocess",
            "scripts/etl/run.py",
            id="os-system",
        ),
        pytest.param(
            'subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "w.py")])',
            "subprocess",
            "scripts/etl/w.py",
            id="popen-file-relative",
        ),
    ],
)
def test_file_string_reference(source, kind, path):
    facts = scan(source + "\n")

    assert [(item.kind, item.path) for item in facts.strings] == [(kind, path)]


def test_subprocess_without_python_file_is_ignored():
    facts = scan('subprocess.run(["ls", "-l"])\n')

    assert facts.strings == ()


@pytest.mark.parametrize(
    "source, kind",
    [
        pytest.param("BASE = os.path.dirname(__file__)", "file-relative-path", id="dirname-file"),
        pytest.param(
            "DATA = Path(__file__).parent / 'data.json'", "file-relative-path", id="path-division"
        ),
        pytest.param("sys.exit(1)", "module-exit", id="module-sys-exit"),
        pytest.param("exit()", "module-exit", id="module-exit-builtin"),
        pytest.param("logger = logging.getLogger(__name__)", "logger-name", id="logger-name"),
        pytest.param("pickle.dump(model, handle)", "pickle", id="pickle-dump"),
        pytest.param("joblib.load('m.pkl')", "pickle", id="joblib-load"),
        pytest.param("shelve.open('db')", "pickle", id="shelve-open"),
        pytest.param("frame.to_pickle('x.pkl')", "pickle", id="to-pickle"),
    ],
)
def test_hazard(source, kind):
    facts = scan(source + "\n")

    assert kind in hazard_kinds(facts)


def test_file_relative_hazard_detail_is_expression():
    facts = scan("CONFIG = open(os.path.join(os.path.dirname(__file__), 'c.json'))\n")

    details = [hazard.detail for hazard in facts.hazards if hazard.kind == "file-relative-path"]

    assert details == ["os.path.join(os.path.dirname(__file__), 'c.json')"]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('if __name__ == "__main__":\n    sys.exit(main())', id="exit-in-main-block"),
        pytest.param("def main():\n    sys.exit(1)", id="exit-in-function"),
        pytest.param("handler = lambda: sys.exit(1)", id="exit-in-lambda"),
        pytest.param("print(__file__)", id="file-without-path-arithmetic"),
    ],
)
def test_no_hazard(source):
    facts = scan(source + "\n")

    assert facts.hazards == ()


@pytest.mark.parametrize(
    "path, kind, fragment",
    [
        pytest.param("scripts/0_0011/x.py", "invalid-name", "folder 0_0011", id="digit-folder"),
        pytest.param("scripts/my-script.py", "invalid-name", "my-script.py", id="hyphen-file"),
        pytest.param("lambda/handler.py", "invalid-name", "keyword", id="keyword-folder"),
        pytest.param("scripts/logging.py", "stdlib-shadow", "logging", id="stdlib-file"),
        pytest.param("tools/email/__init__.py", "stdlib-shadow", "email", id="stdlib-package"),
    ],
)
def test_name_hazard(path, kind, fragment):
    facts = scan_source(path, b"x = 1\n")

    details = [hazard.detail for hazard in facts.hazards if hazard.kind == kind]

    assert len(details) == 1
    assert fragment in details[0]


@pytest.mark.parametrize(
    "source, fragment",
    [
        pytest.param(b"def f(:\n", "line 1:", id="syntax-error"),
        pytest.param(b'import os\nprint "python 2"\n', "line 2:", id="python-2-print"),
        pytest.param(b"x = 1\ny = 2\0\n", "line 2:", id="null-byte"),
        pytest.param(b"x = '\xff\xfe'\n", "line 1:", id="invalid-utf8"),
    ],
)
def test_parse_error_is_recorded(source, fragment):
    facts = scan_source("scripts/bad.py", source)

    assert facts.parse_error is not None
    assert facts.parse_error.startswith(fragment)
    assert "parse-error" in hazard_kinds(facts)
    assert facts.imports == ()


def test_encoding_cookie_is_honored():
    source = "# -*- coding: latin-1 -*-\nNAME = 'caf\u00e9'\nBASE = os.path.dirname(__file__)  # caf\u00e9\n".encode(
        "latin-1"
    )

    facts = scan_source("scripts/legacy.py", source)

    assert facts.parse_error is None
    assert facts.defines == ("NAME", "BASE")


def test_bom_and_crlf_parse():
    facts = scan_source(
        "a.py", b"\xef\xbb\xbfimport os\r\nsys.path.insert(0, os.path.dirname(__file__))\r\n"
    )

    assert facts.parse_error is None
    assert facts.path_edits[0].expression == "os.path.dirname(__file__)"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("tests/etl/helpers.py", True),
        ("scripts/test_loader.py", True),
        ("scripts/loader_test.py", True),
        ("conftest.py", True),
        ("scripts/testing.py", False),
        ("scripts/contest.py", False),
    ],
)
def test_is_test(path, expected):
    assert scan_source(path, b"").is_test is expected


def test_content_hash_and_size():
    facts = scan_source("a.py", b"x = 1\n")

    assert facts.size == 6
    assert len(facts.sha) == 64
