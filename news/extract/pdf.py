"""Read a PDF: text per page, running headers out, hyphenation repaired, paragraphs rejoined."""

from __future__ import annotations

import logging
import re
import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from statistics import median, quantiles

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from news.extract.sniff import clean_text
from news.types import ExtractedDocument, IngestError

logger = logging.getLogger(__name__)

# pypdf signals broken files with its own errors but also with plain Python ones.
_PDF_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    RecursionError,
    OSError,
    struct.error,
    zlib.error,
)
_MIN_TEXT_CHARS = 20
# A line shorter than this share of the page's usual line length ends its paragraph.
_SHORT_LINE_RATIO = 0.7
# Below this usual line length the layout is a list or table; keep its lines as they are.
_MIN_PROSE_WIDTH = 30
# A vertical gap this much above the usual line spacing separates paragraphs.
_GAP_RATIO = 1.4

_WORD_RE = re.compile(r"\w+(?:-\w+)*")
_HYPHEN_END_RE = re.compile(r"([^\W\d_]+)-$")
# Dashes are left out: a wrapped line may start with a dash that is punctuation, not a bullet.
_BULLET_RE = re.compile(r"^([•▪●◦‣∙·*]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
_PAGE_NUMBER_RE = re.compile(r"^(page\s*)?[-–—]?\s*\d{1,3}\s*[-–—]?(\s*(of|/)\s*\d{1,3})?$", re.I)
_SENTENCE_END = tuple(".!?:;\"'”’»)")
# A printed page holds a few thousand characters. pypdf copies the text it has so far for each
# piece it adds, so a "page" of hundreds of kilobytes (4,000 short lines in a 1 KB file) costs
# the square of its length: extraction stops here, keeping what came before.
_MAX_PAGE_CHARS = 100_000
_FILENAME_TITLE_RE = re.compile(r"\.(docx?|pdf|indd|odt|rtf|pptx?|xlsx?|txt)$", re.I)


def read_pdf(data: bytes) -> ExtractedDocument:
    """Extract the text and title of a PDF, refusing encrypted, corrupt or image-only files."""
    reader = _open(data)
    pages, failures = _page_texts(reader)
    vocabulary = {w.lower() for page in pages for w in _WORD_RE.findall(page)}
    pages = _drop_running_lines([page.split("\n") for page in pages])
    text = _join_pages([_reflow(lines, vocabulary) for lines in pages], vocabulary)
    text = clean_text(text)
    if len("".join(text.split())) < _MIN_TEXT_CHARS:
        if failures and failures == len(reader.pages):
            raise IngestError("corrupt PDF: no page could be read")
        raise IngestError(
            "the PDF has no extractable text (probably scanned images; OCR is not supported)"
        )
    return ExtractedDocument(text=text, format="pdf", title=_title(reader))


def _open(data: bytes) -> PdfReader:
    """Open and, when protected by an empty password only, decrypt a PDF."""
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError("encrypted PDF: it needs a password; send an unprotected copy")
        _ = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise IngestError("encrypted PDF: it needs a password; send an unprotected copy") from exc
    except DependencyError as exc:
        raise IngestError(f"encrypted PDF that cannot be decrypted here: {exc}") from exc
    except _PDF_ERRORS as exc:
        raise IngestError(f"corrupt PDF: {_describe(exc)}") from exc
    return reader


def _describe(exc: BaseException) -> str:
    """Make a short one-line description of a pypdf failure."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message[:150]


def _page_texts(reader: PdfReader) -> tuple[list[str], int]:
    """Extract each page's text; a broken page is skipped, not fatal. Return (texts, failures)."""
    texts: list[str] = []
    failures = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(_page_text(page))
        except _PDF_ERRORS as exc:
            failures += 1
            logger.warning("skipping unreadable PDF page %d: %s", number, _describe(exc))
            texts.append("")
    return texts, failures


def _page_text(page: PageObject) -> str:
    """Extract a page's lines, with a blank line wherever the vertical gap marks a new block."""
    lines: list[_Line] = [_Line()]
    size_so_far = 0

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        nonlocal size_so_far
        size_so_far += len(text)
        if size_so_far > _MAX_PAGE_CHARS:
            raise _PageFull
        # pypdf hands over text pieces in reading order; "\n" pieces end lines.
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append(_Line())
            line = lines[-1]
            line.text += piece
            if piece.strip() and line.y is None:
                line.y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                line.height = abs(size * tm[3] * cm[3])

    try:
        page.extract_text(visitor_text=visit)
    except _PageFull:
        logger.warning("PDF page text cut at %d characters", _MAX_PAGE_CHARS)
    return "\n".join(_mark_gaps(lines))


class _PageFull(Exception):
    """A page's text passed _MAX_PAGE_CHARS: extraction stops there."""


@dataclass(slots=True)
class _Line:
    """One extracted line with the baseline and font height of its first piece."""

    text: str = ""
    y: float | None = None
    height: float = 0.0


def _mark_gaps(lines: list[_Line]) -> list[str]:
    """Insert a blank line where the distance to the previous line is well above the usual."""
    threshold = _gap_threshold([line for line in lines if line.text.strip() and line.y is not None])
    out: list[str] = []
    previous_y: float | None = None
    for line in lines:
        # Only a downward jump counts; going up means a new column or a figure caption.
        if line.y is not None and previous_y is not None and previous_y - line.y > threshold:
            out.append("")
        out.append(line.text)
        previous_y = line.y if line.y is not None else previous_y
    return out


def _gap_threshold(placed: list[_Line]) -> float:
    """Return the vertical distance above which two lines belong to different blocks."""
    steps = [a.y - b.y for a, b in zip(placed, placed[1:], strict=False) if a.y > b.y]
    if len(steps) >= 3:
        return median(steps) * _GAP_RATIO
    heights = [line.height for line in placed if line.height > 0]
    # Too few lines to learn the spacing: normal leading stays under twice the font size.
    return median(heights) * 2 if heights else float("inf")


def _title(reader: PdfReader) -> str | None:
    """Return the title from the PDF's metadata unless it is empty or a file name."""
    try:
        title = reader.metadata.title if reader.metadata else None
    except _PDF_ERRORS:
        return None
    if not isinstance(title, str):
        return None
    title = " ".join(title.split()).removeprefix("Microsoft Word - ")
    if not title or title.lower() == "untitled" or _FILENAME_TITLE_RE.search(title):
        return None
    return title


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and headers/footers repeated at the edges of most pages."""
    edges = Counter(key for lines in pages for key in {_edge_key(line) for line in _edges(lines)})
    threshold = max(3, int(len(pages) * 0.6))
    running = {key for key, count in edges.items() if count >= threshold}
    return [_strip_edges(lines, running) for lines in pages]


def _edges(lines: list[str]) -> list[str]:
    """Return the first two and last two non-blank lines of a page."""
    filled = [line for line in lines if line.strip()]
    return filled[:2] + filled[-2:]


def _edge_key(line: str) -> str:
    """Normalise a line so that "Page 3" and "Page 4" compare equal."""
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def _strip_edges(lines: list[str], running: set[str]) -> list[str]:
    """Drop running lines and bare page numbers from the edges of one page."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    edge_indexes = set(filled[:2] + filled[-2:])
    kept = [
        line
        for i, line in enumerate(lines)
        if i not in edge_indexes
        or not (_edge_key(line) in running or _PAGE_NUMBER_RE.match(line.strip()))
    ]
    # A page that is all "running" text (tiny pages, slides) is content after all.
    return kept if any(line.strip() for line in kept) else lines


def _reflow(lines: list[str], vocabulary: set[str]) -> str:
    """Rejoin wrapped lines into one line per paragraph; keep headings and list items apart."""
    lines = [" ".join(line.split()) for line in lines]
    width = _usual_width(lines)
    paragraphs: list[str] = []
    current: _Joined | None = None
    previous = ""
    for line in lines:
        if not line:
            paragraphs.append(current.text() if current else "")
            current, previous = None, ""
        elif current is not None and _continues(previous, line, width):
            current.join(line, vocabulary)
            previous = line
        else:
            paragraphs.append(current.text() if current else "")
            current, previous = _Joined(line), line
    paragraphs.append(current.text() if current else "")
    return "\n".join(p for p in paragraphs if p)


def _usual_width(lines: list[str]) -> int:
    """Estimate the length of a full line on this page (its 80th percentile)."""
    lengths = [len(line) for line in lines if line]
    if len(lengths) < 2:
        return max(lengths, default=0)
    return int(quantiles(lengths, n=5)[-1])


def _continues(previous: str, line: str, width: int) -> bool:
    """Say whether a line carries on the paragraph whose last line is `previous`."""
    if width < _MIN_PROSE_WIDTH or _BULLET_RE.match(line):
        return False
    if len(previous) >= width * _SHORT_LINE_RATIO or _hyphen_end(previous):
        return True
    # A short line usually ends a paragraph or is a heading, unless the sentence clearly goes on.
    return line[0].islower() and not previous.endswith(_SENTENCE_END)


# A hyphenated "word" longer than this is no word: only its last letters are looked up.
_MAX_WORD_CHARS = 100


class _Joined:
    """Text built from wrapped lines or pages, kept as pieces so that joining n lines is O(n).

    Growing one string made a page of 4,000 hyphenated lines take a minute: each join copied
    the paragraph and searched it from the start for the hyphenated word at its end.
    """

    __slots__ = ("pieces", "tail")

    def __init__(self, text: str) -> None:
        self.pieces = [text]
        self.tail = text[-_MAX_WORD_CHARS - 2:]

    def text(self) -> str:
        if len(self.pieces) > 1:
            self.pieces = ["".join(self.pieces)]
        return self.pieces[0]

    def ends_sentence(self) -> bool:
        return self.tail.endswith(_SENTENCE_END)

    def join(self, line: str, vocabulary: set[str]) -> None:
        """Append a wrapped line, undoing end-of-line hyphenation but keeping real hyphens."""
        match = _hyphen_end(self.tail)
        if not match:
            self._add(" ")
        elif line[0].islower() and not _keeps_hyphen(match.group(1), line, vocabulary):
            self._drop_last_char()
        # else "Russia-" + "Ukraine": a compound, keep the hyphen
        self._add(line)

    def join_block(self, text: str) -> None:
        """Append text as a block of its own, after a blank line."""
        self._add("\n\n")
        self._add(text)

    def _add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.tail = (self.tail + piece[-_MAX_WORD_CHARS - 2:])[-_MAX_WORD_CHARS - 2:]

    def _drop_last_char(self) -> None:
        self.pieces[-1] = self.pieces[-1][:-1]
        self.tail = self.tail[:-1]


def _keeps_hyphen(head: str, line: str, vocabulary: set[str]) -> bool:
    """Say whether "head-" + line is a real hyphenated compound rather than a word broken in two."""
    tail = _WORD_RE.match(line)
    tail_word = tail.group().split("-")[0] if tail else ""
    hyphenated = f"{head}-{tail_word}".lower()
    solid = f"{head}{tail_word}".lower()
    # Trust the document itself: keep the hyphen if it writes the word that way elsewhere.
    return hyphenated in vocabulary and solid not in vocabulary


def _hyphen_end(text: str) -> re.Match[str] | None:
    """Match the word hyphenated at the end of text (its last _MAX_WORD_CHARS letters), if any."""
    # Only the end is searched: a search from the start made long paragraphs quadratic.
    if not text.endswith(("-", "-\n")):
        return None
    return _HYPHEN_END_RE.search(text, max(0, len(text) - _MAX_WORD_CHARS - 2))


def _join_pages(pages: list[str], vocabulary: set[str]) -> str:
    """Join pages with blank lines, but mend a word or sentence cut by the page break."""
    text: _Joined | None = None
    for page in (p for p in pages if p):
        if text is None:
            text = _Joined(page)
        elif page[0].islower() and not text.ends_sentence():
            text.join(page, vocabulary)
        else:
            text.join_block(page)
    return text.text() if text else ""
