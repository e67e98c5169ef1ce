"""Exit codes of the `codemod` command, in one place."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    CLEAN = 0  # the command did what was asked and found nothing to report
    FINDINGS = 1  # changes, hazards or verification failures were found
    USAGE = 2  # invalid command line or configuration
    FAILURE = 4  # the command could not complete; the repository is unchanged
    INTERRUPTED = 130  # stopped by Ctrl-C; the repository is unchanged
