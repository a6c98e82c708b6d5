"""Text of scanned PDF pages by OCR, with the optional extra ``fazhi[ocr]`` (rapidocr-onnxruntime).

rapidocr-onnxruntime (Apache-2.0) ships its Chinese detection and recognition models inside the
wheel and runs them with onnxruntime: nothing is downloaded at run time. Without it installed, a
scanned PDF is quarantined with "scanned PDF without text layer: install fazhi[ocr]".
"""

from __future__ import annotations

import importlib.util
import threading

from flows.normalize.attachments.reading_text import Line

# Scores below this are noise (stamps, seals, specks).
MIN_SCORE = 0.5
_engine = None
_engine_lock = threading.Lock()


def available() -> bool:
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def _get_engine():
    global _engine
    with _engine_lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR()
        return _engine


def ocr_lines(image, scale: float) -> list[Line]:
    """The text lines of one page image (an RGB numpy array rendered at ``scale`` × 72 dpi), with
    positions in PDF points, top to bottom."""
    engine = _get_engine()
    with _engine_lock:  # one inference at a time: onnxruntime already uses every core
        result, _ = engine(image)
    lines = []
    for box, text, score in result or []:
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        xs = [point[0] / scale for point in box]
        ys = [point[1] / scale for point in box]
        lines.append(Line(str(text), min(xs), max(xs), min(ys), max(ys) - min(ys)))
    lines.sort(key=lambda line: (round(line.top / max(line.size * 0.6, 1)), line.x0))
    return lines
