"""Errors that classify themselves: each carries the exit status the CLI returns for it.

The CLI prints a ``FazhiError`` as its message alone (one line for a user error; a data check lists
its offending rows) and exits with its ``exit_code``; anything else is unexpected and exits 1 with a
hint to rerun with ``--debug`` for the traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the run finished, but some items failed (or an unexpected error)
EXIT_USER = 2  # a user error: bad option, invalid registry, missing file
EXIT_CHECK = 3  # a data check failed; nothing was replaced
EXIT_INTERRUPTED = 130


class FazhiError(Exception):
    """An error fazhi expects and words for the person running it; ``exit_code`` classifies it."""

    exit_code = EXIT_FAILED


class UserError(FazhiError):
    """Bad input from the person running fazhi: a file, url, registry entry or option.

    The message names the thing and says what is wrong (and, where it helps, what to do)."""

    exit_code = EXIT_USER


class RunFailed(FazhiError):
    """The run finished but some items failed; the summary has already been printed."""

    exit_code = EXIT_FAILED


class DataCheckFailed(FazhiError):
    """A check on the data refused it; the message lists the offending rows."""

    exit_code = EXIT_CHECK
