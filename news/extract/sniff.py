"""Tell a file's format from its bytes, and decode text in whatever encoding it came in."""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections import Counter

from charset_normalizer import from_bytes

from news.types import IngestError

logger = logging.getLogger(__name__)

_PROBE_BYTES = 4096
# Above this share of control bytes a file is binary, whatever its name says.
_MAX_CONTROL_RATIO = 0.05
# Above this share of undecodable/odd characters the decoded text is junk.
_MAX_JUNK_RATIO = 0.05

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Magic numbers of common binary formats, so the refusal can say what the file is.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\xd0\xcf\x11\xe0", "an old Office (.doc/.xls) file"),
    (b"{\\rtf", "an RTF document"),
)

# Encodings real documents come in; left to itself the detector may pick exotic code pages
# (EBCDIC, cp1006) for short Western texts.
_LIKELY_ENCODINGS = [
    "utf_8", "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r",
    "koi8_u", "cp866", "iso8859_5", "cp1253", "iso8859_7", "cp1254", "iso8859_9",
    "cp1255", "iso8859_8", "cp1256", "iso8859_6", "cp1257", "iso8859_13", "cp1258",
    "cp874", "tis_620", "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb2312", "gbk",
    "gb18030", "big5", "big5hkscs", "euc_kr", "cp949", "utf_16", "utf_32",
]
_CONTROL_BYTES = bytes(sorted(frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1A}))
# Junk among ASCII characters: the Cc category but for \t \n \r \f, which text may carry.
_ASCII_JUNK_BYTES = bytes(b for b in range(0x80) if unicodedata.category(chr(b)) == "Cc"
                          and chr(b) not in "\n\r\t\f")
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
_STRAY_BYTE = re.compile("[\udc80-\udcff]")
# What a page starts with once an XML declaration, comments and blanks are skipped. The skipping
# is a loop, not a regex: "(<!--.*?-->\s*)*" backtracks exponentially on "<!---->" * 40 + "x".
_HTML_OPENING_RE = re.compile(r"<(!doctype\s+html|html)\b")
_NON_BLANK_RE = re.compile(r"\S")
# "[^<>]" rather than "[^>]": a tag never holds "<", and an unclosed "<a" then costs one scan to
# the next "<", not one to the end of the text.
_HTML_SKELETON_RE = re.compile(r"<(html|head|body)\b[^<>]*>")
# A tag of any name, for the share of a text that is markup; bounded so a stray "<" costs little.
_ANY_TAG_RE = re.compile(r"</?[a-z][a-z0-9]*\b[^<>]{0,300}>")
# Below this share of markup a .txt file that mentions tags is prose about HTML, not a page.
_MIN_MARKUP_SHARE = 0.1
# PDF readers accept the header anywhere in the first kilobyte (junk may come before it).
_PDF_HEADER_REACH = 1024
_HTML_TAG_RE = re.compile(
    r"</?(p|div|span|a|br|h[1-6]|li|ul|ol|table|tr|td|meta|title|article|section|header|"
    r"footer|nav|strong|em|img|script|style|link)\b[^<>]*>"
)


def sniff_format(data: bytes, name: str = "") -> str:
    """Name the reader for these bytes: "pdf", "zip", "html" or "text".

    Content decides, except that a name ending in .txt asks for more proof of markup.
    """
    if b"%PDF-" in data[:_PDF_HEADER_REACH]:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    return sniff_text_kind(data, name)


def sniff_text_kind(data: bytes, name: str = "") -> str:
    """Name the reader for bytes that are text of some sort: "html" or "text"."""
    named_text = name.lower().endswith(".txt")
    return "html" if looks_like_html(_probe_text(data), named_text=named_text) else "text"


def has_pdf_header(data: bytes) -> bool:
    """Say whether the data starts as a PDF must; "%PDF-" further on may be prose quoting it."""
    return data.startswith(b"%PDF-")


def looks_like_html(text: str, *, named_text: bool = False) -> bool:
    """Say whether the start of a text is HTML markup rather than prose.

    With named_text (a .txt file) a text that only mentions tags stays prose: it must open like
    a page or be mostly markup.
    """
    lowered = text.lower()
    if _starts_as_page(lowered):
        return True
    if named_text and _markup_share(lowered) < _MIN_MARKUP_SHARE:
        return False
    if _HTML_SKELETON_RE.search(lowered):
        return True
    tags = [match.group(1) for match in _HTML_TAG_RE.finditer(lowered)]
    # Prose may mention a tag or two; real markup uses many, of several kinds.
    return len(tags) >= 6 and len(set(tags)) >= 3


def _starts_as_page(lowered: str) -> bool:
    """Say whether a lower-cased text opens with <!doctype html> or <html>, past the preamble."""
    at = _skip_blanks(lowered, 0)
    if lowered.startswith("<?xml", at):
        at = lowered.find(">", at)
        if at < 0:
            return False
        at = _skip_blanks(lowered, at + 1)
    while lowered.startswith("<!--", at):
        at = lowered.find("-->", at + 4)
        if at < 0:
            return False
        at = _skip_blanks(lowered, at + 3)
    return _HTML_OPENING_RE.match(lowered, at) is not None


def _skip_blanks(text: str, at: int) -> int:
    """Return the index of the first non-blank character of text from at (len(text) if none)."""
    found = _NON_BLANK_RE.search(text, at)
    return found.start() if found else len(text)


def _markup_share(text: str) -> float:
    """Return the share of a text's characters that sit inside <tags>."""
    inside = sum(match.end() - match.start() for match in _ANY_TAG_RE.finditer(text))
    return inside / max(1, len(text))


def describe_binary(data: bytes) -> str | None:
    """Name a well-known binary format from its magic number, if it is one."""
    for magic, label in _MAGIC:
        if data.startswith(magic):
            return label
    return None


def bom_encoding(data: bytes) -> str | None:
    """Return the encoding announced by a byte-order mark, or by UTF-16's NUL pattern."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return _utf16_without_bom(data[:_PROBE_BYTES])


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text bytes in any common encoding; return (clean text, encoding name)."""
    label = describe_binary(data)
    if label:
        raise IngestError(f"does not look like text: it is {label}")
    encoding = bom_encoding(data)
    if encoding:
        text = data.decode(encoding, errors="replace").lstrip("\ufeff")
    else:
        text, encoding = _decode_without_bom(data)
    _check_plausible(text)
    return clean_text(text), encoding


def decode_with(data: bytes, encoding: str) -> str | None:
    """Decode with a declared encoding; None when the name is unknown or the bytes disagree."""
    try:
        return clean_text(data.decode(encoding))
    except (LookupError, UnicodeDecodeError):
        return None


def clean_text(text: str) -> str:
    """Normalise newlines to \\n, drop NULs and control characters, and apply NFC."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\f", "\n\n")
    if _has_controls(text):
        text = _CONTROL_CHARS.sub("", text)
    text = unicodedata.normalize("NFC", text)
    # With controls gone, space and tab are the only ASCII blanks left: unless one of them or a
    # non-ASCII blank ends a line, only the last line needs stripping.
    if " \n" in text or "\t\n" in text or not (text.isascii() or _no_wide_blank(text)):
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.rstrip().strip("\n")


# C0/C1 control characters except tab and newline, and the BOM. Other Cf characters (zero-width
# joiners) are kept: some scripts need them. A regex keeps this linear and out of Python loops.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_C0_AND_DEL_BYTES = bytes([*range(0x09), *range(0x0B, 0x20), 0x7F])
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")
_NON_ASCII_BLANK = re.compile(r"[^\S\x00-\x7f]")


def _has_controls(text: str) -> bool:
    """Say whether _CONTROL_CHARS would find anything, checking the UTF-8 bytes in C."""
    if "\ufeff" in text:
        return True
    # C0 bytes never occur inside a multi-byte UTF-8 sequence; C1 characters are \xc2\x80-\x9f.
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw.translate(None, _C0_AND_DEL_BYTES)) != len(raw):
        return True
    return not text.isascii() and _C1_UTF8.search(raw) is not None


def _no_wide_blank(text: str) -> bool:
    return _NON_ASCII_BLANK.search(text) is None


def _probe_text(data: bytes) -> str:
    """Decode the start of the data loosely, enough to recognise markup."""
    probe = data[:_PROBE_BYTES]
    encoding = bom_encoding(probe) or "latin-1"
    return probe.decode(encoding, errors="ignore").lstrip("\ufeff")


def _utf16_without_bom(probe: bytes) -> str | None:
    """Spot BOM-less UTF-16 by NULs falling mostly on even or mostly on odd positions."""
    if len(probe) < 8:
        return None
    even, odd = probe[0::2], probe[1::2]
    even_nuls, odd_nuls = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _decode_without_bom(data: bytes) -> tuple[str, str]:
    """Decode data that carries no BOM: UTF-8 first, then the charset detector."""
    _check_control_bytes(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    repaired = _repair_mostly_utf8(data)
    if repaired is not None:
        return repaired, "utf-8"
    best = from_bytes(data, cp_isolation=_LIKELY_ENCODINGS).best()
    if best is None:
        raise IngestError("does not look like text: no known encoding fits its bytes")
    logger.debug("charset-normalizer chose %s", best.encoding)
    return str(best), best.encoding


def _check_control_bytes(data: bytes) -> None:
    """Refuse data with many control bytes: that is a binary file, whatever its name."""
    sample = data[: _PROBE_BYTES * 4]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if sample and controls / len(sample) > _MAX_CONTROL_RATIO:
        raise IngestError("does not look like text: it contains binary data")


def _repair_mostly_utf8(data: bytes) -> str | None:
    """Decode UTF-8 with a few stray single-byte characters, reading those as cp1252."""
    text = data.decode("utf-8", errors="surrogateescape")
    stray = len(_STRAY_BYTE.findall(text))
    valid_non_ascii = len(text) - len(text.encode("ascii", "ignore")) - stray
    # Real UTF-8 content with rare bad bytes: a legacy 8-bit file would be mostly "stray".
    if valid_non_ascii == 0 or stray > valid_non_ascii or stray > len(text) * 0.02:
        return None
    logger.info("repairing %d stray non-UTF-8 bytes as cp1252", stray)
    return _STRAY_BYTE.sub(_unescape_byte, text)


def _unescape_byte(match: re.Match[str]) -> str:
    """Turn a surrogate-escaped byte back into its cp1252 (or latin-1) character."""
    byte = bytes([ord(match.group()) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:
        return byte.decode("latin-1")


def _check_plausible(text: str) -> None:
    """Refuse decoded text that is mostly control, replacement or unassigned characters."""
    if not text.strip("\x00 \t\r\n\f\v\ufeff"):
        raise IngestError("empty file")
    sample = text[:20_000]
    if _count_junk(sample) / len(sample) > _MAX_JUNK_RATIO:
        raise IngestError("does not look like text: most of it cannot be decoded")


def _count_junk(text: str) -> int:
    """Count the junk characters of a text: ASCII ones in C, each other distinct one once."""
    ascii_part = text.encode("ascii", "ignore")
    junk = len(ascii_part) - len(ascii_part.translate(None, _ASCII_JUNK_BYTES))
    if not text.isascii():
        rest = Counter(_ASCII_RUNS.sub("", text))
        junk += sum(n for char, n in rest.items() if _is_junk(char))
    return junk


def _is_junk(char: str) -> bool:
    """Say whether a decoded character betrays binary data or a wrong encoding."""
    if char in "\n\r\t\f":
        return False
    return char == "\ufffd" or unicodedata.category(char) in ("Cc", "Co", "Cn", "Cs")
