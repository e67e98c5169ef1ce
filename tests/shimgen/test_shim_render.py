"""Stub text: marker header, hash, type-checking block, validation of the spec."""

from __future__ import annotations

import ast
import dataclasses

import pytest

from shimgen import InvalidShimSpec, ShimSpec, is_generated_shim, render_shim, shim_hash
from shimgen.render import root_depth

SPEC = ShimSpec(
    old_path="scripts/etl/scraper_config.py",
    old_module="scripts.etl.scraper_config",
    new_module="nba_simulator.etl.config.manager",
    kind="module",
    batch="etl-base",
    created="2026-12-04",
    remove_after="2027-06-30",
    exported_names=("load", "_private", "Thing", "__all__", "TYPE_CHECKING", "load"),
)
PACKAGE_SPEC = dataclasses.replace(
    SPEC,
    old_path="scripts/monitoring/dims/__init__.py",
    old_module="scripts.monitoring.dims",
    new_module="nba_simulator.monitoring.dims",
    kind="package",
    exported_names=(),
)


def type_checking_block(text: str) -> ast.If:
    return type_checking_node(ast.parse(text))


def type_checking_node(tree: ast.Module) -> ast.If:
    for node in tree.body:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            return node
    raise AssertionError("no `if TYPE_CHECKING:` block")


def test_render_is_deterministic() -> None:
    assert render_shim(SPEC) == render_shim(SPEC)
    reordered = dataclasses.replace(SPEC, exported_names=tuple(reversed(SPEC.exported_names)))
    assert render_shim(reordered) == render_shim(SPEC)


@pytest.mark.parametrize("spec", [SPEC, PACKAGE_SPEC], ids=["module", "package"])
def test_header_round_trip(spec: ShimSpec) -> None:
    header = is_generated_shim(render_shim(spec))

    assert header is not None
    assert header.old_path == spec.old_path
    assert header.old_module == spec.old_module
    assert header.new_module == spec.new_module
    assert header.kind == spec.kind
    assert header.batch == spec.batch
    assert header.created == spec.created
    assert header.remove_after == spec.remove_after
    assert header.hash == shim_hash(render_shim(spec))
    assert header.hash.startswith("sha256:")
    assert header.unchanged


def test_header_without_old_module() -> None:
    spec = dataclasses.replace(SPEC, old_path="scripts/0_0011/job.py", old_module="")
    text = render_shim(spec)
    header = is_generated_shim(text)

    assert header is not None
    assert header.old_module == ""
    assert header.unchanged
    assert "# codemod-shim: old-module =\n" in text


def test_no_trailing_whitespace() -> None:
    text = render_shim(dataclasses.replace(SPEC, old_module=""))
    assert [line for line in text.splitlines() if line != line.rstrip()] == []
    assert text.endswith("\n")


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda text: text.replace(
                "_REMOVE_AFTER = '2027-06-30'", "_REMOVE_AFTER = '2099-01-01'"
            ),
            id="body-edit",
        ),
        pytest.param(lambda text: text + "\nprint('local patch')\n", id="appended-code"),
        pytest.param(
            lambda text: text.replace("batch = etl-base", "batch = other"), id="header-edit"
        ),
    ],
)
def test_hash_detects_edits(edit) -> None:
    header = is_generated_shim(edit(render_shim(SPEC)))

    assert header is not None
    assert not header.unchanged


def test_hash_ignores_line_endings() -> None:
    text = render_shim(SPEC)
    header = is_generated_shim(text.replace("\n", "\r\n"))

    assert header is not None
    assert header.unchanged


def test_hash_line_removed_is_not_unchanged() -> None:
    text = "\n".join(
        line for line in render_shim(SPEC).splitlines() if "codemod-shim: hash" not in line
    )
    header = is_generated_shim(text)

    assert header is not None
    assert header.hash == ""
    assert not header.unchanged


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("import os\n", id="plain-code"),
        pytest.param('"""Doc."""\n# codemod-shim: hash = sha256:00\n', id="marker-not-first"),
    ],
)
def test_not_a_shim(text: str) -> None:
    assert is_generated_shim(text) is None


def test_shim_hash_ignores_hash_field_value() -> None:
    text = render_shim(SPEC)
    blanked = text.replace(shim_hash(text), "")

    assert shim_hash(blanked) == shim_hash(text)


def test_type_checking_reexports() -> None:
    block = type_checking_block(render_shim(SPEC))
    imports = [node for node in block.body if isinstance(node, ast.ImportFrom)]

    assert [node.module for node in imports] == [SPEC.new_module, SPEC.new_module]
    assert [(alias.name, alias.asname) for alias in imports[0].names] == [("*", None)]
    assert [(alias.name, alias.asname) for alias in imports[1].names] == [
        ("Thing", "Thing"),
        ("_private", "_private"),
        ("load", "load"),
    ]


def test_type_checking_without_names() -> None:
    block = type_checking_block(render_shim(PACKAGE_SPEC))

    assert len(block.body) == 1
    assert isinstance(block.body[0], ast.ImportFrom)


@pytest.mark.parametrize("spec", [SPEC, PACKAGE_SPEC], ids=["module", "package"])
def test_stub_parses_as_python_3_9(spec: ShimSpec) -> None:
    tree = ast.parse(render_shim(spec), feature_version=(3, 9))

    assert ast.get_docstring(tree, clean=False).startswith("Deprecated alias:")


@pytest.mark.parametrize("spec", [SPEC, PACKAGE_SPEC], ids=["module", "package"])
def test_stub_imports_standard_library_only(spec: ShimSpec) -> None:
    tree = ast.parse(render_shim(spec))
    type_checking_imports = {id(node) for node in ast.walk(type_checking_node(tree))}
    imported = set()
    for node in ast.walk(tree):
        if id(node) in type_checking_imports:
            continue
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])

    assert imported <= {"importlib", "json", "os", "pathlib", "runpy", "sys", "time", "warnings"}


@pytest.mark.parametrize(
    "old_path, depth",
    [
        ("job.py", 0),
        ("scripts/etl/scraper_config.py", 2),
        ("scripts/monitoring/dims/__init__.py", 3),
    ],
)
def test_root_depth(old_path: str, depth: int) -> None:
    assert root_depth(old_path) == depth


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param({"old_path": "/abs/foo.py"}, "not a normalized", id="absolute-path"),
        pytest.param({"old_path": "scripts/../foo.py"}, "not a normalized", id="parent-path"),
        pytest.param({"old_path": "scripts//foo.py"}, "not a normalized", id="empty-part"),
        pytest.param({"old_path": "scripts/foo.txt"}, "does not end with '.py'", id="not-python"),
        pytest.param(
            {"old_path": "scripts/\nimport os.py"}, "control character", id="newline-in-path"
        ),
        pytest.param({"old_path": 'scripts/a"b.py'}, "quote", id="quote-in-path"),
        pytest.param({"kind": "folder"}, "kind 'folder' is invalid", id="bad-kind"),
        pytest.param({"kind": "package"}, "__init__.py", id="package-not-init"),
        pytest.param(
            {"new_module": "nba_simulator.0_11"},
            "not a valid dotted module name",
            id="bad-new-module",
        ),
        pytest.param(
            {"new_module": "nba_simulator.class.x"},
            "not a valid dotted module name",
            id="keyword-new-module",
        ),
        pytest.param({"old_module": "scripts.0_0011.x"}, "pass '' when", id="bad-old-module"),
        pytest.param(
            {"new_module": "scripts.etl.scraper_config.core"}, "inside it", id="new-inside-old"
        ),
        pytest.param({"batch": "etl\nimport os"}, "control character", id="newline-in-batch"),
        pytest.param({"batch": ""}, "empty", id="empty-batch"),
        pytest.param({"created": "04/12/2026"}, "not an ISO date", id="bad-created"),
        pytest.param(
            {"remove_after": "2026-01-01"}, "earlier than created", id="removal-before-creation"
        ),
        pytest.param({"package_root": "../src"}, "package_root", id="bad-package-root"),
        pytest.param(
            {"exported_names": ("ok", "not-a-name")}, "not a Python identifier", id="bad-export"
        ),
        pytest.param({"shebang": "/usr/bin/env python3"}, "not one '#!' line", id="shebang-without-hash-bang"),
        pytest.param(
            {"shebang": "#!/usr/bin/env python3\nimport os"}, "not one '#!' line", id="newline-in-shebang"
        ),
        pytest.param({"shebang": "#!/usr/bin/python3\r"}, "without its line ending", id="shebang-with-line-ending"),
    ],
)
def test_invalid_spec_rejected(changes: dict, message: str) -> None:
    spec = dataclasses.replace(SPEC, **changes)

    with pytest.raises(InvalidShimSpec, match=message):
        render_shim(spec)


def test_invalid_spec_is_value_error() -> None:
    assert issubclass(InvalidShimSpec, ValueError)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(dataclasses.replace(SPEC, shebang="#!/usr/bin/env python3"), id="module-stub"),
        pytest.param(dataclasses.replace(PACKAGE_SPEC, shebang="#!/opt/py/bin/python -u"), id="package-stub"),
    ],
)
def test_shebang_is_first_line(spec: ShimSpec) -> None:
    text = render_shim(spec)
    header = is_generated_shim(text)

    assert text.splitlines()[0] == spec.shebang
    assert text.splitlines()[1].startswith("# codemod-shim:")
    assert header is not None
    assert header.old_path == spec.old_path
    assert header.unchanged


def test_stub_without_shebang_starts_with_header() -> None:
    assert render_shim(SPEC).startswith("# codemod-shim:")


def test_shebang_edit_counts_as_edit() -> None:
    text = render_shim(dataclasses.replace(SPEC, shebang="#!/usr/bin/env python3"))
    edited = text.replace("#!/usr/bin/env python3", "#!/usr/bin/python2", 1)

    header = is_generated_shim(edited)

    assert header is not None
    assert not header.unchanged
