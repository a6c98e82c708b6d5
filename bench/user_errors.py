"""How fast a user error reaches the terminal (issue 12: one line, within 2 s of being found).

    .venv/bin/python bench/user_errors.py

Measures, each in a fresh process:
- the three commands whose mistake is found before Prefect starts (``cli.check_inputs``): wall time
  from process start to exit, the one line they print, and whether Prefect was imported;
- a user error raised inside a Prefect task (``stages.load_stage`` replaced by one that raises): the
  time from the raise to the CLI's message, and from the command's start (which includes the
  ephemeral Prefect server's start).
Prints a Markdown table; writes nothing outside a temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

IN_PROCESS = """
import json, sys, time
t0 = time.monotonic()
from flows.cli import main
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "prefect": "prefect" in sys.modules, "in_process_s": time.monotonic() - t0}))
"""

INSIDE_FLOW = """
import json, sys, time
import flows.cli as cli
from flows import stages
from flows.core.errors import UserError
found = {}
def failing(settings, **kwargs):
    found["t"] = time.monotonic()
    raise UserError("a user error found inside the flow")
stages.load_stage = failing
report = cli.report_error
def timed(command, exc):
    found["printed"] = time.monotonic()
    return report(command, exc)
cli.report_error = timed
t0 = time.monotonic()
rc = cli.main(["load"])
print(json.dumps({"rc": rc, "found_to_printed_s": found["printed"] - found["t"], "start_to_printed_s": found["printed"] - t0}))
"""


def _run(code: str, args: list[str], cwd: Path, env: dict) -> tuple[dict, str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )
    wall = time.monotonic() - started
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr, wall


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="fazhi-user-errors-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAZHI_", "PREFECT_"))}
        env.update(PYTHONPATH=str(PROJECT_DIR), PREFECT_HOME=str(work / "prefect-home"))
        project = work / "proj"
        shutil.copytree(PROJECT_DIR / "raw", project / "raw")
        (work / "empty").mkdir()
        # A warehouse holding the embedded data (2022), for `publish --year 2021`.
        subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "--offline", "--no-publish"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
        rows = []
        for label, args, cwd in (
            ("fazhi run --source nonexistent", ["run", "--source", "nonexistent"], project),
            ("fazhi --root EMPTY load", ["--root", str(work / "empty"), "load"], work),
            ("fazhi publish --year 2021", ["publish", "--year", "2021"], project),
        ):
            outcome, stderr, wall = _run(IN_PROCESS, args, cwd, env)
            lines = stderr.splitlines()
            rows.append(
                f"| `{label}` | {outcome['rc']} | {len(lines)} | {outcome['prefect']} | {wall:.2f} s | "
                f"{lines[0] if lines else ''} |"
            )
        outcome, stderr, wall = _run(INSIDE_FLOW, [], project, env)
        print("| command | exit | stderr lines | Prefect imported | wall | message |")
        print("| --- | --- | --- | --- | --- | --- |")
        print("\n".join(rows))
        print()
        print(
            f"A user error raised inside a Prefect task (`fazhi load`): exit {outcome['rc']}, "
            f"{len(stderr.splitlines())} stderr line(s); raise -> message {outcome['found_to_printed_s']:.2f} s; "
            f"command start -> message {outcome['start_to_printed_s']:.2f} s (the ephemeral server's start)."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
