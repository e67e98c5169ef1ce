"""Generate the stubs ("shims") left at the old paths of moved modules, and their manifest.

``render_shim`` turns a ``ShimSpec`` into stub text, ``is_generated_shim`` reads a stub's
marker header back, ``shimgen.manifest`` reads and writes the manifests (one file per batch
under ``.codemod/shims/``), and ``shimgen.prune`` decides whether a stub is untouched and due
for removal.
"""

from __future__ import annotations

from shimgen.manifest import (
    LEGACY_MANIFEST_PATH,
    MANIFEST_FOLDER,
    ManifestError,
    ShimManifests,
    ShimRecord,
    is_manifest_path,
    load_manifest,
    manifest_path,
    manifests_in_folder,
    merge_records,
    parse_manifest,
    read_manifests,
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
    "LEGACY_MANIFEST_PATH",
    "MANIFEST_FOLDER",
    "InvalidShimSpec",
    "ManifestError",
    "ShimHeader",
    "ShimManifests",
    "ShimRecord",
    "ShimSpec",
    "StubCheck",
    "check_stub",
    "is_due",
    "is_generated_shim",
    "is_manifest_path",
    "load_manifest",
    "manifest_path",
    "manifests_in_folder",
    "merge_records",
    "parse_manifest",
    "read_manifests",
    "render_shim",
    "save_manifest",
    "shim_hash",
    "stub_state",
    "validate_spec",
]
