"""Render the import graph as one self-contained HTML page with an inline SVG.

The layout is computed here, so the page needs no script to draw itself and
loads nothing from the network. Files are drawn in boxes, one per folder
(down to three levels, so ``docs/phases/phase_0`` is a box of its own).
Boxes sit in rows by dependency layer: a box in a lower row never imports a
box in a higher row, except along a cycle. A small inline script
highlights a file's edges while the pointer is on it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from inventory.graph import ImportGraph, strongly_connected_components

PAGE_WIDTH = 1320  # pixels of the drawing before boxes wrap to a new line
CELL = 22  # pixels between file centers inside a box
BOX_PADDING = 10
LABEL_HEIGHT = 18
GAP = 24  # pixels between boxes and between rows
GROUP_DEPTH = 3  # folder levels that name a box
TOP_FAN_IN_ROWS = 25


@dataclass(frozen=True)
class _Box:
    folder: str
    files: tuple[str, ...]
    x: float
    y: float
    width: float
    height: float


def display_folder(path: str) -> str:
    """Return the box a file is drawn in: its folder, cut to ``GROUP_DEPTH`` levels."""
    parts = path.split("/")[:-1]
    return "/".join(parts[:GROUP_DEPTH])


def render_html(graph: ImportGraph, *, title: str = "Import graph") -> str:
    """Return the whole HTML page for ``graph``."""
    fan_in = graph.fan_in
    fan_out = graph.fan_out
    cycles = graph.cycles()
    cycle_edges = graph.cycle_edges()
    in_cycle = {node for cycle in cycles for node in cycle}
    drawn = sorted({node for edge in graph.edges for node in edge})

    boxes = _layout_boxes(drawn, graph, fan_in)
    positions = _file_positions(boxes)
    height = max((box.y + box.height for box in boxes), default=0) + GAP
    width = max((box.x + box.width for box in boxes), default=0) + GAP
    max_fan_in = max(fan_in.values(), default=0)

    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" id="graph">'
    ]
    svg += _render_boxes(boxes)
    svg += _render_edges(graph, positions, cycle_edges)
    svg += _render_files(drawn, positions, fan_in, fan_out, in_cycle, max_fan_in)
    svg.append("</svg>")

    summary = (
        f"{len(graph.nodes)} files, {len(graph.edges)} import edges between them, "
        f"{len(cycles)} cycles; {len(graph.nodes) - len(drawn)} files with no local "
        "import in either direction are not drawn."
    )
    return _PAGE.format(
        title=html.escape(title),
        summary=html.escape(summary),
        legend=_legend(max_fan_in),
        svg="\n".join(svg),
        top_table=_top_fan_in_table(graph, fan_in, fan_out, in_cycle),
        cycles=_cycle_list(cycles),
        script=_SCRIPT,
    )


def _layout_boxes(drawn: list[str], graph: ImportGraph, fan_in: dict[str, int]) -> list[_Box]:
    groups: dict[str, list[str]] = {}
    for node in drawn:
        groups.setdefault(display_folder(node), []).append(node)
    layers = _folder_layers(groups, graph)

    boxes: list[_Box] = []
    y = float(GAP)
    for layer in sorted(set(layers.values()), reverse=True):
        x = float(GAP)
        row_height = 0.0
        for folder in sorted(name for name, value in layers.items() if value == layer):
            files = tuple(sorted(groups[folder], key=lambda node: (-fan_in[node], node)))
            columns = max(1, math.ceil(math.sqrt(len(files) * 2)))
            rows = math.ceil(len(files) / columns)
            label = f"{folder or '(repository root)'} ({len(files)})"
            box_width = max(columns * CELL + 2 * BOX_PADDING, 7.0 * len(label) + 2 * BOX_PADDING)
            box_height = rows * CELL + 2 * BOX_PADDING + LABEL_HEIGHT
            if x + box_width > PAGE_WIDTH and x > GAP:
                x = float(GAP)
                y += row_height + GAP
                row_height = 0.0
            boxes.append(_Box(folder, files, x, y, box_width, box_height))
            x += box_width + GAP
            row_height = max(row_height, box_height)
        y += row_height + GAP
    return boxes


def _folder_layers(groups: dict[str, list[str]], graph: ImportGraph) -> dict[str, int]:
    """Return each folder's layer: 0 when it imports no other folder, else one above its highest import."""
    folder_of = {node: folder for folder, nodes in groups.items() for node in nodes}
    successors: dict[str, list[str]] = {folder: [] for folder in groups}
    for source, target in sorted(graph.edges):
        if folder_of[source] != folder_of[target]:
            successors[folder_of[source]].append(folder_of[target])

    layers: dict[str, int] = {}
    for component in strongly_connected_components(sorted(groups), successors):
        members = set(component)
        below = [
            layers[target]
            for folder in component
            for target in successors[folder]
            if target not in members
        ]
        layer = max(below, default=-1) + 1
        for folder in component:
            layers[folder] = layer
    return layers


def _file_positions(boxes: list[_Box]) -> dict[str, tuple[float, float]]:
    positions = {}
    for box in boxes:
        columns = max(1, round((box.width - 2 * BOX_PADDING) / CELL))
        for index, node in enumerate(box.files):
            column, row = index % columns, index // columns
            positions[node] = (
                box.x + BOX_PADDING + CELL / 2 + column * CELL,
                box.y + LABEL_HEIGHT + BOX_PADDING + CELL / 2 + row * CELL,
            )
    return positions


def _render_boxes(boxes: list[_Box]) -> list[str]:
    lines = []
    for box in boxes:
        label = html.escape(box.folder or "(repository root)")
        lines.append(
            f'<g class="box"><rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.width:.0f}" '
            f'height="{box.height:.0f}" rx="6"/><text x="{box.x + 6:.0f}" y="{box.y + 14:.0f}">'
            f"{label} ({len(box.files)})</text></g>"
        )
    return lines


def _render_edges(
    graph: ImportGraph,
    positions: dict[str, tuple[float, float]],
    cycle_edges: frozenset[tuple[str, str]],
) -> list[str]:
    lines = ['<g id="edges">']
    for source, target in sorted(graph.edges):
        (x1, y1), (x2, y2) = positions[source], positions[target]
        bend = (x1 + x2) / 2 + (y2 - y1) * 0.15, (y1 + y2) / 2 - (x2 - x1) * 0.15
        css = "edge cycle" if (source, target) in cycle_edges else "edge"
        lines.append(
            f'<path class="{css}" data-source="{html.escape(source)}" data-target="{html.escape(target)}" '
            f'd="M{x1:.1f},{y1:.1f} Q{bend[0]:.1f},{bend[1]:.1f} {x2:.1f},{y2:.1f}"/>'
        )
    lines.append("</g>")
    return lines


def _render_files(
    drawn: list[str],
    positions: dict[str, tuple[float, float]],
    fan_in: dict[str, int],
    fan_out: dict[str, int],
    in_cycle: set[str],
    max_fan_in: int,
) -> list[str]:
    lines = ['<g id="files">']
    for node in drawn:
        x, y = positions[node]
        radius = 4 + min(6.0, 2 * math.sqrt(fan_in[node]))
        css = "file cycle" if node in in_cycle else "file"
        tooltip = html.escape(f"{node}\nfan-in {fan_in[node]}, fan-out {fan_out[node]}")
        lines.append(
            f'<circle class="{css}" data-path="{html.escape(node)}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{radius:.1f}" fill="{fan_in_color(fan_in[node], max_fan_in)}"><title>{tooltip}</title></circle>'
        )
    lines.append("</g>")
    return lines


def fan_in_color(value: int, maximum: int) -> str:
    """Return a color from pale blue (fan-in 0) to dark red (the highest fan-in), on a log scale."""
    share = math.log1p(value) / math.log1p(maximum) if maximum > 0 else 0.0
    hue = 210 - 210 * share
    lightness = 82 - 42 * share
    return f"hsl({hue:.0f},70%,{lightness:.0f}%)"


def _legend(max_fan_in: int) -> str:
    steps = sorted({0, 1, 2, 5, 10, 20, max_fan_in})
    swatches = "".join(
        f'<span class="swatch" style="background:{fan_in_color(step, max_fan_in)}"></span>{step} '
        for step in steps
        if step <= max_fan_in
    )
    return (
        f"<p>Fan-in (files importing a file): {swatches} &middot; "
        '<span class="cycle-key"></span> file or edge in an import cycle (purple) &middot; '
        "point at a file to see its imports (blue) and importers (orange)</p>"
    )


def _top_fan_in_table(
    graph: ImportGraph, fan_in: dict[str, int], fan_out: dict[str, int], in_cycle: set[str]
) -> str:
    ranked = sorted(graph.nodes, key=lambda node: (-fan_in[node], node))[:TOP_FAN_IN_ROWS]
    rows = "".join(
        f"<tr><td>{html.escape(node)}</td><td>{fan_in[node]}</td><td>{fan_out[node]}</td>"
        f"<td>{'yes' if node in in_cycle else ''}</td></tr>"
        for node in ranked
        if fan_in[node] > 0
    )
    return (
        "<table><thead><tr><th>file</th><th>fan-in</th><th>fan-out</th><th>in a cycle</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _cycle_list(cycles: tuple[tuple[str, ...], ...]) -> str:
    if not cycles:
        return "<p>No import cycles between the repository's files.</p>"
    items = "".join(f"<li>{html.escape(' → '.join(cycle))}</li>" for cycle in cycles)
    return f"<ol>{items}</ol>"


_SCRIPT = """
const edges = Array.from(document.querySelectorAll('#edges path'));
for (const file of document.querySelectorAll('#files circle')) {
  const path = file.dataset.path;
  file.addEventListener('mouseenter', () => {
    for (const edge of edges) {
      if (edge.dataset.source === path) edge.classList.add('out');
      if (edge.dataset.target === path) edge.classList.add('in');
    }
  });
  file.addEventListener('mouseleave', () => {
    for (const edge of edges) edge.classList.remove('out', 'in');
  });
}
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 16px; color: #222; }}
.box rect {{ fill: #f6f7f9; stroke: #c9ced6; }}
.box text {{ font-size: 12px; fill: #445; }}
.edge {{ fill: none; stroke: #8a94a6; stroke-opacity: 0.35; stroke-width: 1; }}
.edge.cycle {{ stroke: #8e24aa; stroke-opacity: 0.9; stroke-width: 2.5; stroke-dasharray: 6 3; }}
.edge.out {{ stroke: #1565c0; stroke-opacity: 1; stroke-width: 2.5; }}
.edge.in {{ stroke: #ef6c00; stroke-opacity: 1; stroke-width: 2.5; }}
.file {{ stroke: #556; stroke-width: 0.6; cursor: pointer; }}
.file.cycle {{ stroke: #8e24aa; stroke-width: 3; }}
.swatch {{ display: inline-block; width: 12px; height: 12px; border: 1px solid #889; margin: 0 3px; vertical-align: middle; }}
.cycle-key {{ display: inline-block; width: 18px; border-top: 3px dashed #8e24aa; vertical-align: middle; }}
.drawing {{ overflow: auto; border: 1px solid #dde; }}
table {{ border-collapse: collapse; margin-top: 8px; }}
td, th {{ border: 1px solid #ccd; padding: 2px 8px; text-align: left; font-size: 13px; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{summary}</p>
{legend}
<div class="drawing">
{svg}
</div>
<h2>Files with the highest fan-in</h2>
{top_table}
<h2>Import cycles</h2>
{cycles}
<script>{script}</script>
</body>
</html>
"""
