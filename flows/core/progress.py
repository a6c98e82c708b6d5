"""Progress lines for long work: the callback type every stage takes, and the terminal's printer.

A stage reports with ``progress("normalize 200/1000 documents")``; None means silent. The CLI and the
Prefect flows pass ``terminal``; benchmarks and tests pass None or a list's ``append``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Progress = Callable[[str], None] | None


def terminal(message: str) -> None:
    """One timestamped line on stderr, flushed at once (stdout is for the command's result)."""
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)
