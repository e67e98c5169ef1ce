"""Folder graph, DOT and HTML output of the import graph, and the page as a browser draws it."""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess

import pytest

from inventory.graph import ImportGraph, build_folder_graph, folder_of, group_by_folder
from inventory.graph_html import display_folder, fan_in_color, render_html
from tests.conftest import codemod, make_repo


def graph_of(edges, extra=()) -> ImportGraph:
    nodes = {node for edge in edges for node in edge} | set(extra)
    return ImportGraph(nodes=tuple(sorted(nodes)), edges=frozenset(edges))


CYCLIC = graph_of(
    [
        ("scripts/etl/a.py", "scripts/etl/b.py"),
        ("scripts/etl/b.py", "scripts/etl/a.py"),
        ("scripts/ml/train.py", "scripts/etl/a.py"),
        ("docs/phases/phase_0/x/run.py", "scripts/ml/train.py"),
        ("tools.py", "scripts/etl/b.py"),
    ],
    extra=["scripts/etl/alone.py"],
)


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        pytest.param("scripts/etl/x.py", "scripts/etl", id="area-under-scripts"),
        pytest.param("scripts/etl/sub/x.py", "scripts/etl", id="nested-area-file"),
        pytest.param("scripts/x.py", "scripts", id="file-directly-in-scripts"),
        pytest.param("validators/deep/x.py", "validators", id="top-level-folder"),
        pytest.param("setup.py", "", id="root-file"),
    ],
)
def test_folder_of(path, folder):
    assert folder_of(path) == folder


def test_display_folder_cuts_at_three_levels():
    assert display_folder("docs/phases/phase_0/0.0001_x/run.py") == "docs/phases/phase_0"
    assert display_folder("setup.py") == ""


def test_folder_graph_counts_file_edges():
    folders = build_folder_graph(CYCLIC)

    assert folders.weights == {
        ("scripts/ml", "scripts/etl"): 1,
        ("docs", "scripts/ml"): 1,
        ("", "scripts/etl"): 1,
    }


def test_folder_components_come_after_their_imports():
    order = [component for component in build_folder_graph(CYCLIC).components_in_dependency_order()]

    position = {folder: index for index, component in enumerate(order) for folder in component}
    assert position["scripts/etl"] < position["scripts/ml"] < position["docs"]
    assert position["scripts/etl"] < position[""]


def test_folder_cycle_is_one_component():
    graph = graph_of([("a/x.py", "b/y.py"), ("b/y.py", "a/x.py"), ("c/z.py", "a/x.py")])

    order = build_folder_graph(graph).components_in_dependency_order()

    assert order == [("a", "b"), ("c",)]


def test_cycle_edges_are_the_edges_inside_a_cycle():
    assert CYCLIC.cycle_edges() == {("scripts/etl/a.py", "scripts/etl/b.py"), ("scripts/etl/b.py", "scripts/etl/a.py")}


def test_dot_clusters_and_red_cycles():
    dot = CYCLIC.to_dot()

    assert 'label="scripts/etl";' in dot
    assert 'label="(repository root)";' in dot
    assert '"scripts/etl/a.py" -> "scripts/etl/b.py" [color=red];' in dot
    assert '"scripts/ml/train.py" -> "scripts/etl/a.py";' in dot
    assert dot.count("subgraph cluster_") == len(group_by_folder(CYCLIC.nodes))


class _PageParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse_page(text: str) -> list[tuple[str, dict]]:
    parser = _PageParser()
    parser.feed(text)
    return parser.tags


def test_html_draws_connected_files():
    tags = parse_page(render_html(CYCLIC, title="cyclic"))

    circles = [attrs for tag, attrs in tags if tag == "circle"]
    assert sorted(attrs["data-path"] for attrs in circles) == sorted(set(CYCLIC.nodes) - {"scripts/etl/alone.py"})
    assert len([attrs for tag, attrs in tags if tag == "path"]) == len(CYCLIC.edges)


def test_html_marks_cycles():
    tags = parse_page(render_html(CYCLIC))

    cycle_files = {attrs["data-path"] for tag, attrs in tags if tag == "circle" and "cycle" in attrs["class"]}
    cycle_edges = [attrs for tag, attrs in tags if tag == "path" and "cycle" in attrs["class"]]
    assert cycle_files == {"scripts/etl/a.py", "scripts/etl/b.py"}
    assert len(cycle_edges) == 2


def test_html_loads_nothing_from_elsewhere():
    page = render_html(CYCLIC)
    tags = parse_page(page)

    assert not [attrs for tag, attrs in tags if "src" in attrs or tag == "link"]
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page


def test_html_lists_top_fan_in():
    page = render_html(CYCLIC)

    table = page.split("<h2>Files with the highest fan-in</h2>")[1]
    assert table.index("scripts/etl/a.py") < table.index("scripts/ml/train.py")
    assert "<td>scripts/etl/b.py</td><td>2</td>" in table


def test_html_escapes_paths():
    page = render_html(graph_of([("a/<b>.py", "a/c&d.py")]))

    assert "<b>.py" not in page
    assert "a/&lt;b&gt;.py" in page


def test_html_of_empty_graph():
    page = render_html(graph_of([], extra=["a.py"]))

    assert "No import cycles" in page
    assert "1 files with no local import" in page


@pytest.mark.parametrize(
    ("value", "maximum", "color"),
    [
        pytest.param(0, 0, "hsl(210,70%,82%)", id="no-imports-at-all"),
        pytest.param(0, 20, "hsl(210,70%,82%)", id="lowest"),
        pytest.param(20, 20, "hsl(0,70%,40%)", id="highest"),
    ],
)
def test_fan_in_color(value, maximum, color):
    assert fan_in_color(value, maximum) == color


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH to draw the page; the HTML checks above still run")
def test_browser_draws_the_page(tmp_path):
    page = tmp_path / "graph.html"
    page.write_text(render_html(CYCLIC, title="cyclic"), encoding="utf-8")

    completed = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=2000", "--dump-dom", page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.count("<circle") == 5
    assert "scripts/etl/a.py" in completed.stdout


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    files = {
        "scripts/etl/a.py": "import b\n",
        "scripts/etl/b.py": "import a\n",
        "scripts/ml/train.py": "import sys\nsys.path.insert(0, '..')\nimport scripts.etl.a\n",
    }
    return make_repo(tmp_path_factory.mktemp("graph") / "repo", files)


@pytest.mark.parametrize(
    ("name", "start"),
    [pytest.param("graph.dot", "digraph imports {", id="dot"), pytest.param("graph.html", "<!DOCTYPE html>", id="html")],
)
def test_cli_graph_format_follows_suffix(repository, tmp_path, name, start):
    output = tmp_path / name

    completed = codemod("inventory", "--graph", str(output), cwd=repository)

    assert completed.returncode == 0, completed.stderr
    assert output.read_text().startswith(start)


def test_cli_graph_rejects_unknown_suffix(repository, tmp_path):
    completed = codemod("inventory", "--graph", str(tmp_path / "graph.svg"), cwd=repository)

    assert completed.returncode == 2
    assert "*.dot" in completed.stderr
    assert not (tmp_path / "graph.svg").exists()


def test_cli_json_has_graph(repository, tmp_path):
    output = tmp_path / "inventory.json"

    completed = codemod("inventory", "--json", str(output), cwd=repository)

    assert completed.returncode == 0, completed.stderr
    graph = json.loads(output.read_text())["graph"]
    assert graph["cycles"] == [["scripts/etl/a.py", "scripts/etl/b.py"]]
    assert graph["fan_in"]["scripts/etl/a.py"] == 2
    assert graph["fan_out"]["scripts/ml/train.py"] == 1
    assert ["scripts/ml/train.py", "scripts/etl/a.py"] in graph["edges"]


def test_cli_table_lists_cycles_and_fan_in(repository):
    completed = codemod("inventory", cwd=repository)

    assert completed.returncode == 0, completed.stderr
    assert "import cycle: scripts/etl/a.py -> scripts/etl/b.py" in completed.stdout
    assert "Most imported files" in completed.stdout
