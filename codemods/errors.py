"""The one error family the toolkit raises for problems a user can fix."""

from __future__ import annotations

from codemods.exitcodes import ExitCode


class CodemodError(Exception):
    """A problem with the user's input or repository, with what to do about it.

    The message states what failed, on which value, and what to do next. The CLI
    prints it without a traceback and exits with ``ExitCode.USAGE`` or
    ``ExitCode.FAILURE``.
    """

    exit_code: int = ExitCode.FAILURE


class ConfigError(CodemodError):
    """The `[tool.codemod]` table or `codemod.toml` is missing or invalid."""

    exit_code: int = ExitCode.USAGE


class GitError(CodemodError):
    """A git command failed or the repository is in a state the tool cannot use."""


class BatchError(CodemodError):
    """A batch cannot be planned, applied or verified as asked."""


class OutOfOrderError(BatchError):
    """A batch depends on an earlier batch of the configuration that is not applied yet."""


class LockedError(CodemodError):
    """Another codemod command is writing to the same repository."""


class ManifestReadError(CodemodError):
    """A shim manifest (`.codemod/shims/<batch>.json`, or the older `.codemod/shims.json`) cannot be read."""
