from __future__ import annotations

from inventory.graph import ImportGraph, build_graph, strongly_connected_components
from inventory.model import FileFacts, ImportSite, Inventory, Resolution, ResolvedImport


def local_import(source: str, target: str, member: str | None = None) -> ResolvedImport:
    site = ImportSite(file=source, line=1, col=0, kind="from", module="m", name="x")
    return ResolvedImport(
        site, Resolution("local", "m", target=target, member_target=member, via="root")
    )


def inventory_of(paths, imports) -> Inventory:
    files = tuple(FileFacts(path=path, sha="", size=0) for path in paths)
    return Inventory(root="/repo", files=files, imports=tuple(imports))


def test_edges_and_fans():
    inventory = inventory_of(
        ["a.py", "b.py", "pkg/__init__.py", "pkg/c.py"],
        [
            local_import("a.py", "b.py"),
            local_import("a.py", "pkg/__init__.py", "pkg/c.py"),
            local_import("b.py", "pkg"),  # a namespace folder is not a node
            local_import("b.py", "b.py"),  # no self edge
            ResolvedImport(ImportSite("b.py", 2, 0, "import", "os"), Resolution("stdlib", "os")),
        ],
    )

    graph = build_graph(inventory)

    assert graph.edges == {("a.py", "b.py"), ("a.py", "pkg/__init__.py"), ("a.py", "pkg/c.py")}
    assert graph.fan_out == {"a.py": 3, "b.py": 0, "pkg/__init__.py": 0, "pkg/c.py": 0}
    assert graph.fan_in["b.py"] == 1


def test_cycles_are_strongly_connected_components():
    inventory = inventory_of(
        ["a.py", "b.py", "c.py", "d.py", "e.py"],
        [
            local_import("a.py", "b.py"),
            local_import("b.py", "c.py"),
            local_import("c.py", "a.py"),
            local_import("c.py", "d.py"),
            local_import("d.py", "e.py"),
            local_import("e.py", "d.py"),
        ],
    )

    assert build_graph(inventory).cycles() == (("a.py", "b.py", "c.py"), ("d.py", "e.py"))


def test_long_chain_needs_no_recursion():
    nodes = [f"m{index}.py" for index in range(20000)]
    successors = {node: [nodes[index + 1]] for index, node in enumerate(nodes[:-1])}
    successors[nodes[-1]] = [nodes[0]]

    components = strongly_connected_components(nodes, successors)

    assert len(components) == 1
    assert len(components[0]) == 20000


def test_to_dot():
    graph = ImportGraph(nodes=("a.py", 'we"ird.py'), edges=frozenset({("a.py", 'we"ird.py')}))

    dot = graph.to_dot()

    assert dot.startswith("digraph imports {")
    assert '"a.py" -> "we\\"ird.py";' in dot
