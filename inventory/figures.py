"""Counts over an inventory that the summary table and the JSON statistics share."""

from __future__ import annotations

from collections.abc import Iterable

from inventory.model import (
    CONTEXT_CONDITIONAL,
    CONTEXT_FUNCTION,
    CONTEXT_TRY_IMPORT_ERROR,
    CONTEXT_TYPE_CHECKING,
    ExternalReference,
    Inventory,
    ResolvedImport,
)

# Import kinds a move must handle with care, in the order the summary lists them.
IMPORT_KINDS = (
    (CONTEXT_FUNCTION, "inside functions"),
    (CONTEXT_TRY_IMPORT_ERROR, "in try/except ImportError"),
    (CONTEXT_TYPE_CHECKING, "under TYPE_CHECKING"),
    (CONTEXT_CONDITIONAL, "under another module-level if"),
    ("star", "star imports"),
    ("relative", "relative imports"),
)


def imports_by_kind(imports: Iterable[ResolvedImport]) -> dict[str, int]:
    """Count import sites per kind of :data:`IMPORT_KINDS`; one site can count under several."""
    counts = dict.fromkeys((kind for kind, _ in IMPORT_KINDS), 0)
    for item in imports:
        site = item.site
        for flag in site.context:  # the scanner lists each flag once per site
            if flag in counts:
                counts[flag] += 1
        if site.name == "*":
            counts["star"] += 1
        if site.level:
            counts["relative"] += 1
    return counts


def files_started_from_outside(
    references: Iterable[ExternalReference], *, include_docs: bool = True
) -> tuple[str, ...]:
    """Return the Python files that a non-Python file starts with ``python`` (by path or ``-m``).

    With ``include_docs=False``, commands shown in Markdown files do not count,
    which leaves what shell scripts, cron, systemd, Docker, Makefiles and CI run.
    """
    return tuple(
        sorted(
            {
                reference.target
                for reference in references
                if reference.starts_python and (include_docs or reference.kind != "markdown")
            }
        )
    )


def path_edit_counts(inventory: Inventory) -> dict[str, int]:
    """Count ``sys.path`` edits: evaluated inside the repository, outside it, and not evaluated."""
    edits = [edit for facts in inventory.files for edit in facts.path_edits]
    evaluated = sum(1 for edit in edits if edit.target is not None)
    outside = sum(1 for edit in edits if edit.target is None and edit.absolute is not None)
    return {
        "total": len(edits),
        "evaluated": evaluated,
        "outside": outside,
        "not_evaluated": len(edits) - evaluated - outside,
    }
