"""Errors a user can fix. The CLI prints them as one line (no traceback unless ``--debug``)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the person running fazhi: a file, url, registry entry or option.

    The message names the thing and says what is wrong (and, where it helps, what to do)."""

    exit_code = 2


class RunFailed(Exception):
    """The run finished but some items failed; the summary has already been printed."""

    exit_code = 1
