"""Text of scanned PDF pages by OCR, with the optional extra ``fazhi[ocr]`` (rapidocr-onnxruntime).

rapidocr-onnxruntime (Apache-2.0) ships its Chinese detection and recognition models inside the
wheel and runs them with onnxruntime: nothing is downloaded at run time. Without it installed, a
scanned PDF is quarantined with "scanned PDF without text layer: install fazhi[ocr]".
"""

from __future__ import annotations

import importlib.util
import io
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
    boxes = []
    for box, text, score in result or []:
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        xs = [point[0] / scale for point in box]
        ys = [point[1] / scale for point in box]
        boxes.append(Line(str(text).strip(), min(xs), max(xs), min(ys), max(ys) - min(ys)))
    return rows_of(boxes)


def rows_of(boxes: list[Line]) -> list[Line]:
    """Text boxes -> printed lines: boxes whose vertical middles lie within half a line height of
    each other are one line (table cells, a line cut in two), read left to right, top to bottom."""
    if not boxes:
        return []
    height = sorted(box.size for box in boxes)[len(boxes) // 2]
    rows: list[list[Line]] = []
    for box in sorted(boxes, key=lambda b: b.top + b.size / 2):
        middle = box.top + box.size / 2
        if rows and abs(middle - (rows[-1][0].top + rows[-1][0].size / 2)) <= height / 2:
            rows[-1].append(box)
        else:
            rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        text = row[0].text
        for before, box in zip(row, row[1:]):
            gap = box.x0 - before.x1
            text += (" " if gap > height else "") + box.text
        top = min(b.top for b in row)
        lines.append(Line(text, row[0].x0, row[-1].x1, top, max(b.top + b.size for b in row) - top))
    return lines


def image_lines(data: bytes, box: tuple[float, float, float, float]) -> list[Line]:
    """The text lines of an image file (an OFD page's scan) printed in ``box`` (points: x0, y0, x1,
    y1 on the page), with positions in points on the page. Raises ``ValueError`` for an image that
    Pillow cannot decode (JBIG2, for one)."""
    import numpy
    from PIL import Image, UnidentifiedImageError  # Pillow comes with the ocr extra

    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"image not decodable ({error})") from None
    width_pt = max(box[2] - box[0], 1.0)
    scale = image.width / width_pt  # pixels per point
    lines = ocr_lines(numpy.asarray(image), scale)
    for line in lines:
        line.x0, line.x1, line.top = line.x0 + box[0], line.x1 + box[0], line.top + box[1]
    return lines
