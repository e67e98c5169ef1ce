"""Inventory of a legacy Python repository: files, imports, path edits, references, hazards.

Nothing here imports or runs the scanned code; every fact comes from the
syntax tree or the text of the files.
"""

from inventory.api import scan_repository
from inventory.graph import ImportGraph, build_graph
from inventory.references import scan_references
from inventory.resolve import resolve_imports
from inventory.scan import scan_source

__all__ = [
    "ImportGraph",
    "build_graph",
    "resolve_imports",
    "scan_references",
    "scan_repository",
    "scan_source",
]
