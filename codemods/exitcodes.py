"""Exit codes of the `codemod` command, in one place.

docs/cli.md lists them for users; every command exits through these names.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    CLEAN = 0  # the command did what was asked and found nothing to report
    FINDINGS = 1  # verify found a failure, or check found imports of shimmed names
    USAGE = 2  # invalid command line or configuration
    INTERNAL_ERROR = 3  # an unexpected exception, which is a bug in codemod
    FAILURE = 4  # the command could not complete; the repository is unchanged
    INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM; branches and files are unchanged
