"""OFD (GB/T 33190-2016) bytes -> printed lines with positions, read with the standard library.

An OFD file is a zip: ``OFD.xml`` names the document (``DocBody/DocRoot``, e.g. ``Doc_0/Document.xml``),
whose ``Pages/Page`` entries point (``BaseLoc``) at each page's ``Content.xml``. Text is held in
``TextObject`` elements (``Boundary`` "x y w h" in millimetres, ``Size``, an optional ``CTM``) whose
``TextCode`` children place their first glyph at ``X``/``Y`` (the baseline, inside the boundary) and
the next ones by ``DeltaX``/``DeltaY`` (``g N d`` repeats ``d`` N times). This module turns those
runs into printed lines (runs whose baselines lie within a fraction of the text height are one line,
read left to right, lines top to bottom) in points, and the same ``reading_text`` as PDF pages
rebuilds the reading text from them (joins, headings, running headers and footers, page numbers).

Writers differ, so elements and attributes are matched by local name whatever the namespace
(http://www.ofdspec.org/2016 or another), ``Size`` in either case, and objects without a
``Boundary`` are placed by their ``CTM``. Some writers give every span of a printed line the
line's box as ``Boundary`` and ``X="0"``: when the runs of a line overlap like that, their glyph
positions are not trusted and the line is read in document order with the boundaries as its extent.
Page templates (``Tpls``: running headers and footers, stamps) and annotations are not read.

Hostile input is refused with a one-line reason (``AttachmentError``): bytes that are not a zip, a
zip bomb (checked from the archive's directory before anything is inflated, as for .docx), XML
that declares entities, no ``OFD.xml``/``DocBody``/``DocRoot``/document, encryption, no pages.
Pages holding only images are scans: ``OfdPages.scans`` keeps each one's largest image (resolved
through the document's ``DocumentRes``/``PublicRes`` ``MultiMedia``) for OCR with the ``ocr`` extra.
More than ``MAX_PAGES`` pages are cut with a warning.
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from flows.normalize.attachments.docx import open_bounded_zip
from flows.normalize.attachments.formats import AttachmentError
from flows.normalize.attachments.pdf import MAX_PAGES, MIN_PAGE_CHARS
from flows.normalize.attachments.reading_text import Line, Page

MM_TO_PT = 72 / 25.4
# One page's content over this is refused; text past MAX_CHARS is not read (the parser keeps 1.5 M
# characters of a document) and a TextCode longer than MAX_CODE_CHARS is placed without its DeltaX.
MAX_XML_BYTES = 64 * 2**20
MAX_CHARS = 2_000_000
MAX_CODE_CHARS = 10_000
DEFAULT_SIZE_MM = 3.5  # a TextObject without Size: about 10 pt
DEFAULT_PAGE_MM = (210.0, 297.0)  # A4, when neither the page nor the document gives a PhysicalBox
# Runs whose baselines differ by at most this share of the text height are one printed line.
SAME_LINE_SHARE = 0.4
# A gap wider than this share of the text height between two runs of a line is printed as a space
# (between Latin letters or digits a narrower one: a word space is a quarter to a third of an em).
SPACE_GAP_SHARE = 0.8
LATIN_SPACE_GAP_SHARE = 0.3
# Runs that overlap by more than this share of the text height have unreliable glyph positions.
OVERLAP_SHARE = 0.5
NO_TEXT_LAYER = "OFD without text layer (its pages hold only images)"
SCANNED_REASON = f"{NO_TEXT_LAYER}: install fazhi[ocr]"

_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ENTITY_RE = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass
class OfdPages:
    pages: list[Page]
    page_count: int  # pages the document lists (more than len(pages) when capped)
    scanned: list[int] = field(default_factory=list)  # 0-based indexes of pages with images and no text
    warnings: list[str] = field(default_factory=list)
    # The largest image of each scanned page: (its bytes, or None when missing; its box in points x0, y0, x1, y1).
    scans: dict[int, tuple[bytes | None, tuple[float, float, float, float]]] = field(default_factory=dict)


@dataclass
class _Run:
    """A stretch of glyphs on one baseline, in millimetres on the page."""

    text: str
    x0: float
    x1: float
    baseline: float
    size: float
    order: int  # position in the page's content: the reading order of runs with unreliable positions
    box: tuple[float, float, float, float] | None  # the TextObject's Boundary on the page (x0, y0, x1, y1)


_LOCAL_NAMES: dict[str, str] = {}  # tag -> local name (a page repeats a handful of tags thousands of times)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""  # a comment or processing instruction
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rsplit("}", 1)[-1]
    return name


def _child(element: ElementTree.Element | None, name: str) -> ElementTree.Element | None:
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _path(element: ElementTree.Element | None, *names: str) -> ElementTree.Element | None:
    for name in names:
        element = _child(element, name)
    return element


def _numbers(value: str | None) -> list[float]:
    return [float(number) for number in _NUMBER_RE.findall(value or "")]


def _attr(element: ElementTree.Element, name: str) -> str | None:
    """An attribute by local name, in any case (``Size`` and ``size`` are both written)."""
    value = element.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, value in element.attrib.items():
        if _local(key).lower() == wanted:
            return value
    return None


def deltas(value: str | None, count: int, default: float) -> list[float]:
    """``count`` glyph advances from a DeltaX/DeltaY value (``g N d`` is N times d); missing ones
    are ``default``."""
    out: list[float] = []
    tokens = (value or "").split()
    i = 0
    while i < len(tokens) and len(out) < count:
        token = tokens[i]
        if token == "g" and i + 2 < len(tokens):
            try:
                repeat, step = int(float(tokens[i + 1])), float(tokens[i + 2])
            except ValueError:
                break
            out.extend([step] * max(0, min(repeat, count - len(out))))
            i += 3
            continue
        try:
            out.append(float(token))
        except ValueError:
            break
        i += 1
    return out + [default] * (count - len(out))


def _glyph_width(char: str, size: float) -> float:
    return size * (0.55 if ord(char) < 0x2000 else 1.0)


# -- the package ----------------------------------------------------------------------------------


class _Package:
    """The zip's members by normalised name (paths in OFD are case-sensitive but writers are not)."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(b"PK"):
            raise AttachmentError(f"not an OFD file: the file starts with {data[:8]!r}, not a zip archive")
        self.archive = open_bounded_zip(data, "OFD file", "corrupt OFD")
        self.names = {info.filename.lstrip("/"): info.filename for info in self.archive.infolist()}
        self.lower = {name.lower(): real for name, real in self.names.items()}

    def find(self, name: str) -> str | None:
        name = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
        return self.names.get(name) or self.lower.get(name.lower())

    def read(self, real: str) -> bytes | None:
        """A member's bytes, or None when it cannot be unpacked."""
        try:
            return self.archive.read(real)
        except (RuntimeError, zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            return None

    def xml(self, name: str, what: str) -> ElementTree.Element:
        real = self.find(name)
        if real is None:
            raise AttachmentError(f"corrupt OFD: {what} {name} is not in the archive")
        try:
            data = self.archive.read(real)
        except RuntimeError as error:  # a member encrypted with a zip password
            raise AttachmentError(f"encrypted OFD: {real} needs a password ({error})") from None
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
            raise AttachmentError(f"corrupt OFD: {real} cannot be unpacked ({error})") from None
        if len(data) > MAX_XML_BYTES:
            raise AttachmentError(f"OFD refused: {real} is {len(data)} bytes of XML (over {MAX_XML_BYTES // 2**20} MB)")
        if _ENTITY_RE.search(data[:65536]):
            raise AttachmentError(f"OFD refused: {real} declares XML entities")
        try:
            return ElementTree.fromstring(data)
        except ElementTree.ParseError as error:
            raise AttachmentError(f"corrupt OFD: {real} is not well-formed XML ({error})") from None


def _resolve(base: str, location: str) -> str:
    """A path of the package: absolute (``/Doc_0/...``) or relative to ``base``'s folder."""
    location = (location or "").strip().replace("\\", "/")
    if location.startswith("/"):
        return location.lstrip("/")
    return posixpath.normpath(posixpath.join(base, location)) if base else location


def _box(element: ElementTree.Element | None) -> tuple[float, float] | None:
    values = _numbers(element.text if element is not None else None)
    if len(values) == 4 and values[2] > 0 and values[3] > 0:
        return values[2], values[3]
    return None


# -- a page ---------------------------------------------------------------------------------------


Image = tuple[str, tuple[float, float, float, float]]  # ResourceID, box on the page in mm (x0, y0, x1, y1)


def _image(element: ElementTree.Element) -> Image:
    boundary = _numbers(_attr(element, "Boundary"))
    if len(boundary) == 4 and boundary[2] > 0 and boundary[3] > 0:
        x, y, w, h = boundary
    else:  # placed by its CTM alone: the unit square scaled and moved
        ctm = _numbers(_attr(element, "CTM"))
        a, _, _, d, x, y = ctm if len(ctm) == 6 else (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        w, h = abs(a), abs(d)
    return (_attr(element, "ResourceID") or "").strip(), (x, y, x + w, y + h)


def _runs(content: ElementTree.Element) -> tuple[list[_Run], list[Image]]:
    """The text runs of a page's content (page coordinates, mm) and its images."""
    runs: list[_Run] = []
    images: list[Image] = []
    order = 0
    for element in content.iter():
        name = _local(element.tag)
        if name in ("ImageObject", "CompositeObject"):
            images.append(_image(element))
            continue
        if name != "TextObject":
            continue
        boundary = _numbers(_attr(element, "Boundary"))
        bx, by = (boundary[0], boundary[1]) if len(boundary) >= 2 else (0.0, 0.0)
        box = None
        if len(boundary) == 4 and boundary[2] > 0 and boundary[3] > 0:
            box = (bx, by, bx + boundary[2], by + boundary[3])
        ctm = _numbers(_attr(element, "CTM"))
        a, b, c, d, e, f = ctm if len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        scale = math.sqrt(abs(a * d - b * c)) or 1.0
        sizes = _numbers(_attr(element, "Size"))
        size = sizes[0] if sizes and sizes[0] > 0 else DEFAULT_SIZE_MM
        x = y = 0.0
        for code in element:
            if _local(code.tag) != "TextCode":
                continue
            text = code.text or ""
            xs, ys = _numbers(code.get("X")), _numbers(code.get("Y"))
            x = xs[0] if xs else x
            y = ys[0] if ys else (y or size)
            if not text:
                continue
            # Each piece: [glyphs, x of the first, baseline, x of the last] in the object's space.
            if len(text) > MAX_CODE_CHARS:  # not a printed line: placed an em a glyph, DeltaX unread
                pieces = [[text, x, y, x + size * (len(text) - 1)]]
            else:
                advances = deltas(code.get("DeltaX"), len(text) - 1, size)
                drops = deltas(code.get("DeltaY"), len(text) - 1, 0.0) if code.get("DeltaY") else []
                pieces, gx, gy = [], x, y
                if not any(drops):  # one baseline (the common case)
                    pieces, gx = [[text, x, y, x + sum(advances)]], x + sum(advances)
                for i, char in enumerate(text if not pieces else ""):
                    if pieces and gy == pieces[-1][2]:  # vertical text (DeltaY) starts a piece a glyph
                        pieces[-1][0] += char
                        pieces[-1][3] = gx
                    else:
                        pieces.append([char, gx, gy, gx])
                    if i < len(advances):
                        gx, gy = gx + advances[i], gy + (drops[i] if drops else 0.0)
            x = pieces[-1][3] + _glyph_width(text[-1], size)  # where a following TextCode without X goes on
            for chars, start, base, last in pieces:  # spaces kept: a space run separates words
                end = last + _glyph_width(chars[-1], size)
                x0 = a * start + c * base + e + bx
                x1 = a * end + c * base + e + bx
                baseline = b * start + d * base + f + by
                runs.append(_Run(chars, min(x0, x1), max(x0, x1), baseline, size * scale, order, box))
                order += 1
    return runs, images


def _line_of(runs: list[_Run]) -> Line:
    """Runs of one baseline -> a printed line (in points)."""
    size = sorted(run.size for run in runs)[len(runs) // 2]
    ordered = sorted(runs, key=lambda run: (run.x0, run.order))
    overlapping = any(nxt.x0 < prev.x1 - OVERLAP_SHARE * size for prev, nxt in zip(ordered, ordered[1:]))
    if overlapping:
        # Positions not to be trusted: runs in content order, each object's boundary as its extent
        # (consecutive runs sharing a boundary are one segment).
        segments: list[_Run] = []
        for run in sorted(runs, key=lambda r: r.order):
            if segments and run.box is not None and run.box == segments[-1].box:
                segments[-1].text += run.text
            else:
                x0, x1 = (run.box[0], run.box[2]) if run.box is not None else (run.x0, run.x1)
                segments.append(_Run(run.text, x0, x1, run.baseline, run.size, run.order, run.box))
        ordered = sorted(segments, key=lambda run: (run.x0, run.order))
    text = ordered[0].text
    for prev, nxt in zip(ordered, ordered[1:]):
        gap = nxt.x0 - prev.x1
        latin = prev.text[-1:].isascii() and nxt.text[:1].isascii()
        share = LATIN_SPACE_GAP_SHARE if latin else SPACE_GAP_SHARE
        spaced = text.endswith(" ") or nxt.text.startswith(" ")
        text += (" " if gap > share * size and not spaced else "") + nxt.text
    inked = [run for run in ordered if run.text.strip()] or ordered
    x0 = min(run.x0 for run in inked)
    x1 = max(run.x1 for run in inked)
    baseline = sorted(run.baseline for run in runs)[len(runs) // 2]
    return Line(text, x0 * MM_TO_PT, x1 * MM_TO_PT, (baseline - size) * MM_TO_PT, size * MM_TO_PT)


def page_lines(content: ElementTree.Element) -> tuple[list[Line], list[Image]]:
    """The printed lines of a page's content, top to bottom, and the page's images."""
    runs, images = _runs(content)
    rows: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.baseline, r.x0, r.order)):
        if rows:
            row = rows[-1]
            tolerance = SAME_LINE_SHARE * min(run.size, row[0].size)
            if abs(run.baseline - row[0].baseline) <= tolerance:
                row.append(run)
                continue
        rows.append([run])
    lines = [_line_of(row) for row in rows if any(run.text.strip() for run in row)]
    return lines, images


# -- the document ---------------------------------------------------------------------------------


def read_pages(data: bytes, *, max_pages: int = MAX_PAGES) -> OfdPages:
    """The printed lines of each page of an OFD file (up to ``max_pages``), and which pages are scans."""
    package = _Package(data)
    with package.archive:
        if package.find("OFD.xml") is None:
            raise AttachmentError("not an OFD file: the zip archive has no OFD.xml")
        root = package.xml("OFD.xml", "entry file")
        if package.find("Encryptions.xml") is not None or any(
            _local(element.tag) == "Encryptions" for element in root.iter()
        ):
            raise AttachmentError("encrypted OFD: not read (save it unencrypted or as PDF)")
        body = _child(root, "DocBody")
        if body is None:
            raise AttachmentError("corrupt OFD: OFD.xml has no DocBody")
        doc_root = _child(body, "DocRoot")
        if doc_root is None or not (doc_root.text or "").strip():
            raise AttachmentError("corrupt OFD: OFD.xml names no document (DocBody/DocRoot)")
        doc_path = _resolve("", doc_root.text)
        document = package.xml(doc_path, "document")
        base = posixpath.dirname(doc_path)
        default_box = _box(_path(document, "CommonData", "PageArea", "PhysicalBox")) or DEFAULT_PAGE_MM
        entries = [page for page in (_child(document, "Pages") or []) if _local(page.tag) == "Page"]
        if not entries:
            raise AttachmentError("OFD has no pages")
        warnings: list[str] = []
        if len(entries) > max_pages:
            warnings.append(f"OFD has {len(entries)} pages: only the first {max_pages} were read")
        pages: list[Page] = []
        scanned: list[int] = []
        scans: dict = {}
        media = _media_files(package, document, base)
        chars = 0
        for index, entry in enumerate(entries[:max_pages]):
            location = _resolve(base, entry.get("BaseLoc") or "")
            if package.find(location) is None and package.find(location + "/Content.xml") is not None:
                location += "/Content.xml"
            if not (entry.get("BaseLoc") or "").strip() or package.find(location) is None:
                warnings.append(f"page {index + 1}: its content ({location or 'no BaseLoc'}) is missing")
                pages.append(Page([]))
                continue
            content = package.xml(location, f"page {index + 1}")
            width, height = _box(_path(content, "Area", "PhysicalBox")) or default_box
            lines, images = page_lines(content)
            chars += sum(len(line.text) for line in lines)
            if chars > MAX_CHARS:
                warnings.append(f"OFD text cut at page {index + 1}: over {MAX_CHARS} characters")
                break
            if sum(len(line.text.strip()) for line in lines) < MIN_PAGE_CHARS and images:
                scanned.append(index)
                resource, box = max(images, key=lambda image: _area(image[1]))
                member = media.get(resource)
                scans[index] = (package.read(member) if member else None, tuple(v * MM_TO_PT for v in box))
            pages.append(Page(lines, width * MM_TO_PT, height * MM_TO_PT))
    return OfdPages(pages, len(entries), scanned, warnings, scans)


def _area(box: tuple[float, float, float, float]) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _media_files(package: _Package, document: ElementTree.Element, base: str) -> dict[str, str]:
    """ResourceID -> the member holding that image, from the document's DocumentRes and PublicRes
    (each a resource file whose ``BaseLoc`` folder holds the ``MediaFile`` names)."""
    found: dict[str, str] = {}
    common = _child(document, "CommonData")
    for element in list(common) if common is not None else []:
        if _local(element.tag) not in ("DocumentRes", "PublicRes") or not (element.text or "").strip():
            continue
        location = _resolve(base, element.text)
        if package.find(location) is None:
            continue
        try:
            res = package.xml(location, "resource file")
        except AttachmentError:
            continue  # an unreadable resource file only loses the images of scans
        folder = _resolve(posixpath.dirname(location), res.get("BaseLoc") or "")
        for medium in res.iter():
            media_file = _child(medium, "MediaFile") if _local(medium.tag) == "MultiMedia" else None
            if media_file is not None and (media_file.text or "").strip() and medium.get("ID"):
                member = package.find(_resolve(folder, media_file.text))
                if member is not None:
                    found[medium.get("ID").strip()] = member
    return found
