"""Commands of the `codemod` CLI that belong to the safety area."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this module's commands to the `codemod` group."""
