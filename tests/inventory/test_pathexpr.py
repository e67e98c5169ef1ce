from __future__ import annotations

import ast

import pytest

from inventory.pathexpr import checkout_prefixes, evaluate_path, map_hard_coded_path

FILE = "scripts/etl/job.py"


def evaluate(expression: str, names: dict[str, str] | None = None, file: str = FILE):
    parsed_names = {name: ast.parse(text, mode="eval").body for name, text in (names or {}).items()}
    return evaluate_path(ast.parse(expression, mode="eval").body, file, parsed_names.get)


@pytest.mark.parametrize(
    "expression, target",
    [
        pytest.param("__file__", "scripts/etl/job.py", id="file"),
        pytest.param("Path(__file__)", "scripts/etl/job.py", id="path-of-file"),
        pytest.param("pathlib.Path(__file__).parent", "scripts/etl", id="pathlib-parent"),
        pytest.param("Path(__file__).parent.parent", "scripts", id="parent-parent"),
        pytest.param("Path(__file__).parents[0]", "scripts/etl", id="parents-0"),
        pytest.param("Path(__file__).resolve().parents[2]", "", id="parents-2-root"),
        pytest.param("Path(__file__).absolute().parent", "scripts/etl", id="absolute"),
        pytest.param("str(Path(__file__).parent / 'lib')", "scripts/etl/lib", id="division-str"),
        pytest.param(
            "Path(__file__).parent.parent / 'scripts/ml'",
            "scripts/scripts/ml",
            id="division-two-parts",
        ),
        pytest.param("Path(__file__).parent.joinpath('a', 'b')", "scripts/etl/a/b", id="joinpath"),
        pytest.param("os.path.dirname(__file__)", "scripts/etl", id="dirname"),
        pytest.param(
            "os.path.dirname(os.path.dirname(os.path.abspath(__file__)))",
            "scripts",
            id="nested-dirname",
        ),
        pytest.param("os.path.realpath(os.path.dirname(__file__))", "scripts/etl", id="realpath"),
        pytest.param(
            "os.path.join(os.path.dirname(__file__), '..', 'utils')",
            "scripts/utils",
            id="join-parent",
        ),
        pytest.param(
            "os.path.abspath(os.path.join(os.path.dirname(__file__), '../..'))",
            "",
            id="join-two-up",
        ),
        pytest.param(
            "os.path.normpath(os.path.join(os.path.dirname(__file__), './x/../y'))",
            "scripts/etl/y",
            id="normpath",
        ),
        pytest.param("os.fspath(Path(__file__).parent)", "scripts/etl", id="fspath"),
        pytest.param(
            "os.path.dirname(__file__) + '/../lib'", "scripts/lib", id="string-concatenation"
        ),
        pytest.param(
            "Path(__file__).parent / f'phase_{2}'", "scripts/etl/phase_2", id="fstring-constant"
        ),
    ],
)
def test_expression_evaluates_to_folder(expression, target):
    result = evaluate(expression)

    assert result.target == target
    assert result.absolute is None


def test_names_assigned_earlier():
    names = {
        "project_root": "Path(__file__).resolve().parents[2]",
        "validators": "project_root / 'validators' / f'phase_{NUMBER}'",
        "NUMBER": "'2'",
    }

    result = evaluate("str(validators)", names)

    assert result.target == "validators/phase_2"


@pytest.mark.parametrize(
    "expression, fragment",
    [
        pytest.param("os.getcwd()", "working directory", id="getcwd"),
        pytest.param("Path.cwd() / 'x'", "working directory", id="path-cwd"),
        pytest.param("os.path.expanduser('~')", "home folder", id="home"),
        pytest.param("unknown_name", "not assigned", id="unknown-name"),
        pytest.param(
            "Path(__file__).parent / f'phase_{self.number}'", "f-string", id="fstring-attribute"
        ),
        pytest.param("os.path.dirname(sys.argv[0])", "subscript", id="argv"),
    ],
)
def test_expression_not_evaluated(expression, fragment):
    result = evaluate(expression)

    assert not result.evaluated
    assert fragment in result.reason


def test_self_referencing_name_stops():
    result = evaluate("a", {"a": "a / 'x'"})

    assert not result.evaluated


def test_path_above_root_is_outside():
    result = evaluate("Path(__file__).parent.parent.parent.parent")

    assert result.target is None
    assert result.absolute == ".."
    assert result.reason.startswith("outside the repository")


def test_relative_constant_assumes_root_working_directory():
    result = evaluate("'lib/vendor'")

    assert result.target == "lib/vendor"
    assert "working directory" in result.reason


def test_absolute_constant():
    result = evaluate("'/opt/lib/'")

    assert result.absolute == "/opt/lib"
    assert result.target is None


@pytest.mark.parametrize(
    "absolute, prefixes, expected",
    [
        pytest.param("/Users/someone/project/docs/phases", (), "docs/phases", id="two-part-suffix"),
        pytest.param("/usr/lib", (), None, id="one-part-suffix-is-not-enough"),
        pytest.param(
            "/Users/someone/project", ("/Users/someone/project",), "", id="known-prefix-root"
        ),
        pytest.param(
            "/Users/someone/project/scripts",
            ("/Users/someone/project",),
            "scripts",
            id="known-prefix-folder",
        ),
        pytest.param("/elsewhere/nothing/here", (), None, id="unknown"),
    ],
)
def test_map_hard_coded_path(absolute, prefixes, expected):
    folders = {"docs", "docs/phases", "scripts", "lib"}

    assert map_hard_coded_path(absolute, folders, prefixes) == expected


def test_checkout_prefixes_from_suffix_and_root_name():
    folders = {"docs", "docs/phases"}

    prefixes = checkout_prefixes(
        ["/Users/a/project/docs/phases", "/home/b/repo/x"], folders, "repo"
    )

    assert prefixes == {"/Users/a/project", "/home/b/repo"}
