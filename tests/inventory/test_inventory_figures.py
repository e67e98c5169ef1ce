"""Counts shared by the inventory summary table and its JSON statistics."""

from __future__ import annotations

from inventory.figures import files_started_from_outside, imports_by_kind
from inventory.model import ExternalReference, ImportSite, Resolution, ResolvedImport


def site(**fields) -> ResolvedImport:
    defaults = {"file": "a.py", "line": 1, "col": 0, "kind": "from", "module": "m"}
    defaults.update(fields)
    return ResolvedImport(ImportSite(**defaults), Resolution("local", "m", target="m.py"))


def test_imports_by_kind_counts_each_kind():
    imports = [
        site(context=("function", "try-import-error")),
        site(context=("type-checking",)),
        site(name="*"),
        site(level=1, module=""),
        site(context=("conditional",)),
        site(),
    ]

    assert imports_by_kind(imports) == {
        "function": 1,
        "try-import-error": 1,
        "type-checking": 1,
        "conditional": 1,
        "star": 1,
        "relative": 1,
    }


def test_files_started_from_outside_without_docs():
    references = [
        ExternalReference("deploy/crontab", 1, "crontab", "python a.py", "a.py", starts_python=True),
        ExternalReference("README.md", 3, "markdown", "python b.py", "b.py", starts_python=True),
        ExternalReference("README.md", 4, "markdown", "see c.py", "c.py"),
    ]

    assert files_started_from_outside(references) == ("a.py", "b.py")
    assert files_started_from_outside(references, include_docs=False) == ("a.py",)
