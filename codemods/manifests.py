"""Read the shim manifests of a checkout folder or of a commit.

Both functions read through :func:`shimgen.manifest.read_manifests`: every
``.codemod/shims/<batch>.json``, and the single ``.codemod/shims.json`` that
earlier codemod versions wrote. They raise ManifestReadError naming the file,
which the CLI reports with exit code 4.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from codemods.errors import ManifestReadError
from codemods.gitops import Repository
from shimgen.manifest import ManifestError, ShimManifests, manifests_in_folder, read_manifests


def manifests_in(folder: Path, *, label: Optional[str] = None) -> ShimManifests:
    """Read every manifest file of the checkout at ``folder``.

    Errors name a file ``<label>:<path>`` when ``label`` is given (the branch or
    commit of a temporary checkout), else by its full path.
    """
    try:
        return manifests_in_folder(folder, label=label)
    except ManifestError as error:
        raise ManifestReadError(str(error)) from None


def manifests_at(repository: Repository, commit: str, *, label: Optional[str] = None) -> ShimManifests:
    """Read every manifest file in the tree of ``commit``; errors name a file ``<label>:<path>``.

    ``label`` defaults to the first ten digits of ``commit``.
    """
    prefix = label or commit[:10]
    try:
        return read_manifests(
            lambda folder: repository.files_in_folder(commit, folder),
            lambda path: repository.show_file(commit, path),
            source_of=lambda path: f"{prefix}:{path}",
        )
    except ManifestError as error:
        raise ManifestReadError(str(error)) from None
