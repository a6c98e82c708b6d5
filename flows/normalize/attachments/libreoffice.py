"""Old Word (.doc) and WPS (.wps) files converted by LibreOffice, when it is installed.

The one place that runs a program: ``soffice --headless --convert-to`` in a temporary directory
with its own throw-away profile, bounded in time. Everything else in ``attachments`` is pure.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from flows.normalize.attachments.formats import AttachmentError

TIMEOUT_S = 120
_TARGETS = {"doc": "docx", "wps": "docx"}


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, kind: str) -> tuple[bytes, str]:
    """``data`` (a .doc or .wps file) converted: (bytes, ``docx``). Raises
    ``AttachmentError`` when LibreOffice is missing or cannot convert the file."""
    program = soffice()
    if program is None:
        raise AttachmentError(f"unsupported format .{kind}: convert to .docx or PDF")
    target = _TARGETS[kind]
    with tempfile.TemporaryDirectory(prefix="fazhi-soffice-") as temp:
        work = Path(temp)
        source = work / f"input.{kind}"
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise AttachmentError(
                f"unsupported format .{kind}: LibreOffice did not convert it within {TIMEOUT_S} s"
            ) from None
        produced = work / "out" / f"input.{target}"
        if done.returncode != 0 or not produced.is_file():
            detail = " ".join((done.stderr or done.stdout or b"").decode("utf-8", "replace").split())[:160]
            raise AttachmentError(
                f"unsupported format .{kind}: LibreOffice could not convert it to .{target}"
                + (f" ({detail})" if detail else "")
            )
        return produced.read_bytes(), target
