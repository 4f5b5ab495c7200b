"""Turn one file into an ExtractedDocument: pick the reader by content, never by extension."""

from __future__ import annotations

import logging
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import docx
import lxml.html
import trafilatura
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from lxml import etree

from news.extract.language import detect_language
from news.extract.markup import text_of_tags, too_deep_to_parse
from news.extract.pdf import read_pdf
from news.extract.sniff import (
    bom_encoding,
    clean_text,
    decode_text,
    decode_with,
    has_pdf_header,
    sniff_format,
    sniff_text_kind,
)
from news.types import ExtractedDocument, IngestError

logger = logging.getLogger(__name__)

_MB = 1024 * 1024
_MIN_ARTICLE_CHARS = 50
# trafilatura may keep only a teaser; below this we also try our own paragraph harvest.
_SHORT_ARTICLE_CHARS = 400
_REAL_PARAGRAPH_CHARS = 80
_MAX_ZIP_MEMBERS = 2000
_MAX_UNZIPPED_BYTES = 200 * _MB
_MAX_ZIP_RATIO = 100
# Below this size a member (or a whole archive) may compress well and harmlessly.
_RATIO_FLOOR_BYTES = _MB
_TOO_LARGE = "refusing a suspicious DOCX: too large once unpacked"
_P_TAG = qn("w:p")
# The pieces of a paragraph's text, in order: runs directly in it or in its hyperlinks.
_PARAGRAPH_PIECES = etree.XPath(
    "(w:r | w:hyperlink/w:r)/*[self::w:br or self::w:cr or self::w:noBreakHyphen"
    " or self::w:ptab or self::w:t or self::w:tab]",
    namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"},
)
_HTML_ERRORS = (ValueError, TypeError, AttributeError, RecursionError, etree.LxmlError)
_DOCX_ERRORS = (
    PackageNotFoundError,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    AttributeError,
    etree.LxmlError,
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# Browsers read these labels as windows-1252 (WHATWG), and so do real pages.
_CP1252_ALIASES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}
_FALLBACK_BLOCKS = ("p", "h1", "h2", "h3", "h4", "li", "blockquote", "pre", "td", "dd")
_NOISE_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form")


def read_file(path: Path, *, max_bytes: int) -> ExtractedDocument:
    """Read one file from disk, refusing it before reading when it is over max_bytes."""
    size = _check_file(path)
    if size > max_bytes:
        raise IngestError(f"file is {_megabytes(size)}, over the {_limit(max_bytes)} limit")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(_os_error_message(exc)) from exc
    if len(data) > max_bytes:  # it grew after the stat
        raise IngestError(f"file is over the {_limit(max_bytes)} limit")
    return read_bytes(data, name=path.name)


def read_bytes(data: bytes, name: str = "") -> ExtractedDocument:
    """Extract text and metadata from file content, choosing the reader by sniffing it."""
    if not data.strip(b" \t\r\n\x00\x0b\x0c"):
        raise IngestError("empty file")
    kind = sniff_format(data, name)
    logger.debug("reading %s as %s", name or "<bytes>", kind)
    try:
        document = _READERS[kind](data)
    except IngestError as error:
        if kind != "pdf" or has_pdf_header(data):
            raise
        # "%PDF-" past the first byte: a PDF after some junk, or an article that quotes it.
        document = _read_quoting_pdf(data, name, error)
    document.language = detect_language(document.text)
    return document


def _read_quoting_pdf(data: bytes, name: str, pdf_error: IngestError) -> ExtractedDocument:
    """Read as text or HTML data that failed as a PDF; keep the PDF's error if that fails too."""
    try:
        return _READERS[sniff_text_kind(data, name)](data)
    except IngestError:
        raise pdf_error from None


def read_text(data: bytes) -> ExtractedDocument:
    """Decode a plain-text file in whatever encoding it uses."""
    text, encoding = decode_text(data)
    return ExtractedDocument(text=text, format="text", encoding=encoding)


def _check_file(path: Path) -> int:
    """Stat a path and return its size; refuse what is not a readable regular file."""
    try:
        info = path.stat()
    except OSError as exc:
        raise IngestError(_os_error_message(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise IngestError("this is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise IngestError("this is not a regular file")
    return info.st_size


def _os_error_message(exc: OSError) -> str:
    """Describe a failure to open a file in one line a user understands."""
    if isinstance(exc, FileNotFoundError):
        return "file vanished before it could be read"
    if isinstance(exc, PermissionError):
        return "permission denied: the file cannot be read"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a file"
    return f"cannot read the file: {exc.strerror or exc}"


def _megabytes(size: int) -> str:
    """Format a byte count as megabytes with one decimal."""
    return f"{size / _MB:.1f} MB"


def _limit(size: int) -> str:
    """Format a size limit without useless decimals ("20 MB", "0.5 MB")."""
    return f"{round(size / _MB, 2):g} MB"


# ---- HTML ----


def read_html(data: bytes) -> ExtractedDocument:
    """Extract the main article text and its metadata from an HTML page."""
    html, encoding = _decode_html(data)
    result = _trafilatura(html)
    text = _untable(result.text or "") if result else ""
    if len(text) < _SHORT_ARTICLE_CHARS:
        text = max(text, _harvest_paragraphs(html), key=len)
    text = clean_text(text)
    if not _has_article_text(text) and too_deep_to_parse(html):
        # The parsers stop a few hundred levels deep and see nothing: take the text between tags.
        text = clean_text(text_of_tags(html))
    if not _has_article_text(text):
        raise IngestError("no article text found in the HTML page")
    return ExtractedDocument(
        text=text,
        format="html",
        title=_clean(result.title) if result else None,
        published=_parse_date(result.date) if result else None,
        site_name=_clean(result.sitename) if result else None,
        url=_clean(result.url) if result else None,
        encoding=encoding,
    )


def _has_article_text(text: str) -> bool:
    """Tell whether extracted text is long enough to be an article."""
    return len("".join(text.split())) >= _MIN_ARTICLE_CHARS


def _decode_html(data: bytes) -> tuple[str, str]:
    """Decode a page by its BOM, then its declared charset, then the charset detector."""
    encoding = bom_encoding(data)
    if encoding is None:
        match = _META_CHARSET_RE.search(data[:4096])
        declared = match.group(1).decode("ascii").lower() if match else None
        encoding = "cp1252" if declared in _CP1252_ALIASES else declared
    if encoding:
        text = decode_with(data, encoding)
        if text is not None:
            return text.lstrip("\ufeff"), encoding
        logger.info("page declares %s but does not decode with it", encoding)
    return decode_text(data)


def _trafilatura(html: str) -> trafilatura.settings.Document | None:
    """Run trafilatura, retrying in recall mode when precision mode finds little."""
    try:
        result = _extract(html, favor_recall=False)
        if _length(result) < _SHORT_ARTICLE_CHARS:
            recall = _extract(html, favor_recall=True)
            result = recall if _length(recall) > _length(result) else result
    except _HTML_ERRORS as exc:
        logger.warning("trafilatura failed on a page: %s", exc)
        return None
    return result


def _extract(html: str, *, favor_recall: bool) -> trafilatura.settings.Document | None:
    """Call trafilatura for main text plus metadata."""
    return trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, favor_recall=favor_recall
    )


def _length(result: trafilatura.settings.Document | None) -> int:
    """Return the length of an extraction's text (0 for none)."""
    return len(result.text or "") if result else 0


def _untable(text: str) -> str:
    """Turn trafilatura's "| a | b |" table rows into "a | b" and drop separator rows."""
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            stripped = stripped[1:-1].strip()
            if not stripped.strip("-|: "):
                continue
            line = stripped
        lines.append(line)
    return "\n".join(lines)


def _harvest_paragraphs(html: str) -> str:
    """Collect real paragraphs from the page body when trafilatura keeps too little."""
    try:
        root = lxml.html.fromstring(html)
    except _HTML_ERRORS:
        return ""
    for noise in root.iter(*_NOISE_TAGS):
        noise.drop_tree()
    blocks = [" ".join(el.text_content().split()) for el in root.iter(*_FALLBACK_BLOCKS)]
    blocks = [block for block in blocks if block]
    if not any(len(block) >= _REAL_PARAGRAPH_CHARS for block in blocks):
        return ""
    return "\n".join(blocks)


def _parse_date(value: str | None) -> date | None:
    """Parse trafilatura's ISO date string."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _clean(value: str | None) -> str | None:
    """Collapse whitespace in a metadata value; None when empty."""
    value = " ".join((value or "").split())
    return value or None


# ---- DOCX ----


def read_docx(data: bytes) -> ExtractedDocument:
    """Read a DOCX (after checking the archive is safe): paragraphs, headings and tables."""
    _inspect_zip(data)
    try:
        document = docx.Document(BytesIO(data))
        text = clean_text("\n\n".join(_docx_blocks(document.element.body, document)))
        title = _clean(document.core_properties.title)
    except _DOCX_ERRORS as exc:
        raise IngestError(f"corrupt DOCX: {exc}") from exc
    if not text.strip():
        raise IngestError("the DOCX document has no text")
    return ExtractedDocument(text=text, format="docx", title=title)


def _inspect_zip(data: bytes) -> None:
    """Refuse broken zips, zip bombs and zips that are not Word documents, before inflating."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise IngestError(f"corrupt DOCX or ZIP file: {exc}") from exc
    if len(members) > _MAX_ZIP_MEMBERS:
        raise IngestError(f"refusing a suspicious DOCX: {len(members)} files inside")
    # The sizes come from the archive's directory; zipfile never inflates past them.
    unzipped = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unzipped > _MAX_UNZIPPED_BYTES or _bomb_ratio(unzipped, packed):
        raise IngestError(f"{_TOO_LARGE}: it unpacks to {_megabytes(unzipped)}")
    # Member by member too: incompressible padding must not hide one member that explodes.
    for member in members:
        if _bomb_ratio(member.file_size, member.compress_size):
            name = member.filename[:60]
            raise IngestError(f"{_TOO_LARGE}: {name} unpacks to {_megabytes(member.file_size)}, "
                              f"{member.file_size // max(1, member.compress_size)} times its size")
    if "word/document.xml" not in {member.filename for member in members}:
        raise IngestError("this ZIP archive is not a Word (DOCX) document; send files one by one")


def _bomb_ratio(unzipped: int, packed: int) -> bool:
    """Tell whether content grows suspiciously when inflated (small content may, harmlessly)."""
    return unzipped > _RATIO_FLOOR_BYTES and unzipped > _MAX_ZIP_RATIO * max(1, packed)


def _docx_blocks(element: etree._Element, document: docx.document.Document) -> Iterator[str]:
    """Yield paragraph and table-row texts in document order, entering content controls."""
    for child in element.iterchildren():
        if child.tag == _P_TAG:
            text = _paragraph_text(child).strip()
            if text:
                yield text
        elif child.tag == qn("w:tbl"):
            rows = "\n".join(_table_rows(Table(child, document)))
            if rows:
                yield rows
        elif child.tag != qn("w:sectPr"):
            yield from _docx_blocks(child, document)


def _paragraph_text(paragraph: etree._Element) -> str:
    """Return a w:p element's text as python-docx's Paragraph.text does, with one compiled query.

    python-docx compiles two XPath queries per paragraph and run: a document of many short
    paragraphs spent nearly all its time there.
    """
    return "".join(str(piece) for piece in _PARAGRAPH_PIECES(paragraph))


def _table_rows(table: Table) -> Iterator[str]:
    """Yield one "cell | cell" line per table row, skipping repeats of merged cells."""
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join("\n".join(_paragraph_text(p) for p in cell._tc.p_lst).split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            yield " | ".join(cells)


_READERS: dict[str, Callable[[bytes], ExtractedDocument]] = {
    "text": read_text,
    "html": read_html,
    "pdf": read_pdf,
    "zip": read_docx,
}
