"""The import graph between the repository's own files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from inventory.model import Inventory


@dataclass(frozen=True)
class ImportGraph:
    """Files as nodes and "imports" as edges, from local resolutions only.

    An edge goes from the importing file to the module file (or package
    ``__init__.py``) it names, and also to the submodule a from-import
    names. Namespace-package folders are not nodes.
    """

    nodes: tuple[str, ...]
    edges: frozenset[tuple[str, str]]

    @property
    def fan_out(self) -> dict[str, int]:
        """Number of distinct files each file imports."""
        counts = dict.fromkeys(self.nodes, 0)
        for source, _ in self.edges:
            counts[source] += 1
        return counts

    @property
    def fan_in(self) -> dict[str, int]:
        """Number of distinct files that import each file."""
        counts = dict.fromkeys(self.nodes, 0)
        for _, target in self.edges:
            counts[target] += 1
        return counts

    def successors(self) -> dict[str, list[str]]:
        adjacency: dict[str, list[str]] = {node: [] for node in self.nodes}
        for source, target in sorted(self.edges):
            adjacency[source].append(target)
        return adjacency

    def cycles(self) -> tuple[tuple[str, ...], ...]:
        """Return the strongly connected components with more than one file, each sorted."""
        components = strongly_connected_components(self.nodes, self.successors())
        cycles = [tuple(sorted(component)) for component in components if len(component) > 1]
        return tuple(sorted(cycles))

    def cycle_edges(self) -> frozenset[tuple[str, str]]:
        """Return the edges whose two ends lie in the same cycle."""
        member_of = {node: index for index, cycle in enumerate(self.cycles()) for node in cycle}
        return frozenset(
            (source, target)
            for source, target in self.edges
            if source in member_of and member_of[source] == member_of.get(target)
        )

    def to_dot(self) -> str:
        """Render the graph in Graphviz DOT syntax, one cluster per folder, cycles in red."""
        cycle_edges = self.cycle_edges()
        lines = ["digraph imports {", "  rankdir=LR;", "  node [shape=box];"]
        for index, (folder, members) in enumerate(sorted(group_by_folder(self.nodes).items())):
            lines.append(f"  subgraph cluster_{index} {{")
            lines.append(f"    label={_quote(folder or '(repository root)')};")
            lines += [f"    {_quote(node)};" for node in members]
            lines.append("  }")
        for source, target in sorted(self.edges):
            style = " [color=red]" if (source, target) in cycle_edges else ""
            lines.append(f"  {_quote(source)} -> {_quote(target)}{style};")
        lines.append("}")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FolderGraph:
    """Folders as nodes; an edge when a file of one folder imports a file of another.

    ``weights`` counts the file-to-file edges behind each folder edge.
    """

    nodes: tuple[str, ...]
    weights: dict[tuple[str, str], int]

    @property
    def edges(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.weights)

    def successors(self) -> dict[str, list[str]]:
        adjacency: dict[str, list[str]] = {node: [] for node in self.nodes}
        for source, target in sorted(self.weights):
            adjacency[source].append(target)
        return adjacency

    def components_in_dependency_order(self) -> list[tuple[str, ...]]:
        """Return the strongly connected components, each after every component it imports.

        Tarjan's algorithm emits a component only after all components it
        reaches, which is the order in which folders can move.
        """
        components = strongly_connected_components(self.nodes, self.successors())
        return [tuple(sorted(component)) for component in components]


def folder_of(path: str) -> str:
    """Return the folder that groups ``path``: ``scripts/<area>`` under scripts, else the top-level folder.

    Files at the repository root and directly in ``scripts/`` group under
    that folder itself ("" and "scripts").
    """
    parts = path.split("/")
    if len(parts) == 1:
        return ""
    if parts[0] == "scripts" and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


def group_by_folder(nodes: Iterable[str]) -> dict[str, list[str]]:
    """Return the nodes grouped by :func:`folder_of`, each group sorted."""
    groups: dict[str, list[str]] = {}
    for node in sorted(nodes):
        groups.setdefault(folder_of(node), []).append(node)
    return groups


def build_folder_graph(graph: ImportGraph) -> FolderGraph:
    """Collapse the file graph onto folders; edges inside one folder are dropped."""
    nodes = sorted({folder_of(node) for node in graph.nodes})
    weights: dict[tuple[str, str], int] = {}
    for source, target in graph.edges:
        pair = (folder_of(source), folder_of(target))
        if pair[0] != pair[1]:
            weights[pair] = weights.get(pair, 0) + 1
    return FolderGraph(nodes=tuple(nodes), weights=weights)


def build_graph(inventory: Inventory) -> ImportGraph:
    """Build the file-to-file import graph of ``inventory``."""
    nodes = {facts.path for facts in inventory.files}
    edges: set[tuple[str, str]] = set()
    for item in inventory.imports:
        resolution = item.resolution
        if resolution.status != "local":
            continue
        for target in (resolution.target, resolution.member_target):
            if target is not None and target in nodes and target != item.site.file:
                edges.add((item.site.file, target))
    return ImportGraph(nodes=tuple(sorted(nodes)), edges=frozenset(edges))


def strongly_connected_components(
    nodes: Iterable[str], successors: dict[str, list[str]]
) -> list[list[str]]:
    """Return Tarjan's strongly connected components, without recursion."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0

    for start in nodes:
        if start in index_of:
            continue
        work = [(start, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = successors.get(node, [])
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in index_of:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
