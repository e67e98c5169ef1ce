"""Generate the stubs ("shims") left at the old paths of moved modules, and their manifest.

``render_shim`` turns a ``ShimSpec`` into stub text, ``is_generated_shim`` reads a stub's
marker header back, ``shimgen.manifest`` reads and writes ``.codemod/shims.json``, and
``shimgen.prune`` decides whether a stub is untouched and due for removal.
"""

from __future__ import annotations

from shimgen.manifest import (
    MANIFEST_PATH,
    ManifestError,
    ShimRecord,
    load_manifest,
    merge_records,
    parse_manifest,
    save_manifest,
)
from shimgen.prune import StubCheck, check_stub, is_due, stub_state
from shimgen.render import (
    KIND_MODULE,
    KIND_PACKAGE,
    InvalidShimSpec,
    ShimHeader,
    ShimSpec,
    is_generated_shim,
    render_shim,
    shim_hash,
    validate_spec,
)

__all__ = [
    "KIND_MODULE",
    "KIND_PACKAGE",
    "MANIFEST_PATH",
    "InvalidShimSpec",
    "ManifestError",
    "ShimHeader",
    "ShimRecord",
    "ShimSpec",
    "StubCheck",
    "check_stub",
    "is_due",
    "is_generated_shim",
    "load_manifest",
    "merge_records",
    "parse_manifest",
    "render_shim",
    "save_manifest",
    "shim_hash",
    "stub_state",
    "validate_spec",
]
