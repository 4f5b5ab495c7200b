"""Validate Telegram-flavoured HTML the way the Bot API does and compute the visible text.

Telegram rejects unsupported tags, bad nesting and unescaped ``<``; it accepts numeric
character references and only the named entities ``&lt; &gt; &amp; &quot;``. A bare ``&``
is tolerated by Telegram, but in ``strict_ampersand`` mode (the default of the fake server)
it is rejected too, because it almost always means a template forgot to escape a value.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

# Tag name -> Telegram entity type; attributes are checked separately.
ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# A tag runs to the first ">" that is not inside a quoted attribute value.
TAG_RE = re.compile(r"<(/?)([^\s<>/]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]*));")


class HtmlError(ValueError):
    """Raised with a Telegram-like reason when the HTML cannot be parsed."""


@dataclass
class ParsedText:
    """Visible text of a message and its entities (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    start: int
    attrs: dict[str, str | None]


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


class _AttrParser(HTMLParser):
    """Parse the attributes of one start tag using the standard library's tokenizer."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = dict(attrs)


def _parse_attrs(tag_text: str) -> dict[str, str | None]:
    parser = _AttrParser()
    parser.feed(tag_text)
    parser.close()
    return parser.attrs


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_text(chunk: str, base: int, source: str, strict_ampersand: bool) -> str:
    """Replace supported character references; reject a stray '&' when strict."""
    out: list[str] = []
    pos = 0
    while (amp := chunk.find("&", pos)) != -1:
        out.append(chunk[pos:amp])
        match = ENTITY_RE.match(chunk, amp)
        char = _entity_char(match) if match else None
        if char is None:
            if strict_ampersand:
                offset = _byte_offset(source, base + amp)
                raise HtmlError(f"character '&' must be escaped as &amp; at byte offset {offset}")
            out.append("&")
            pos = amp + 1
            continue
        out.append(char)
        pos = match.end()
    out.append(chunk[pos:])
    return "".join(out)


def _entity_char(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return NAMED_ENTITIES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    return chr(code) if 0 < code <= 0x10FFFF else None


def _check_start(tag: str, attrs: dict[str, str | None], stack: list[_Open], where: str) -> None:
    if tag not in ENTITY_TYPES:
        raise HtmlError(f'unsupported start tag "{tag}" at byte offset {where}')
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError(f'tag "span" must have class "tg-spoiler" at byte offset {where}')
    if tag == "a" and not attrs.get("href"):
        raise HtmlError(f'tag "a" must have a non-empty href at byte offset {where}')
    if tag == "tg-emoji" and not attrs.get("emoji-id"):
        raise HtmlError(f'tag "tg-emoji" must have an emoji-id at byte offset {where}')
    open_tags = [item.tag for item in stack]
    # Only <pre><code class="language-x"> is allowed; nothing else may nest inside pre/code.
    inside_code = "pre" in open_tags or "code" in open_tags
    if inside_code and not (tag == "code" and open_tags[-1] == "pre"):
        raise HtmlError(f'entity "{tag}" can\'t be nested in pre/code at byte offset {where}')
    if tag == "blockquote" and "blockquote" in open_tags:
        raise HtmlError(f"blockquote can't be nested at byte offset {where}")


def _entity_for(item: _Open, end: int, parent: _Open | None) -> dict | None:
    if end == item.start:
        return None  # Telegram drops empty entities.
    entity: dict = {
        "type": ENTITY_TYPES[item.tag],
        "offset": item.start,
        "length": end - item.start,
    }
    if item.tag == "a":
        entity["url"] = item.attrs.get("href")
    elif item.tag == "tg-emoji":
        entity["custom_emoji_id"] = item.attrs.get("emoji-id")
    elif item.tag == "blockquote" and "expandable" in item.attrs:
        entity["type"] = "expandable_blockquote"
    elif item.tag == "code" and parent is not None and parent.tag == "pre":
        return None  # folded into the enclosing pre entity as its language
    elif item.tag == "pre":
        entity["language"] = item.attrs.get("language") or None
    return entity


def parse_html(source: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Telegram HTML into visible text and entities, raising HtmlError when invalid."""
    parts: list[str] = []
    entities: list[dict] = []
    stack: list[_Open] = []
    length = 0
    pos = 0
    while (lt := source.find("<", pos)) != -1:
        chunk = _decode_text(source[pos:lt], pos, source, strict_ampersand)
        parts.append(chunk)
        length += utf16_len(chunk)
        match = TAG_RE.match(source, lt)
        where = str(_byte_offset(source, lt))
        if match is None or not match.group(2):
            raise HtmlError(f"unclosed or empty tag at byte offset {where}")
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if closing:
            _close(stack, tag, where, length, entities)
        else:
            attrs = _parse_attrs(match.group(0))
            _check_start(tag, attrs, stack, where)
            _inherit_language(tag, attrs, stack)
            stack.append(_Open(tag, length, attrs))
        pos = match.end()
    tail = _decode_text(source[pos:], pos, source, strict_ampersand)
    parts.append(tail)
    if stack:
        raise HtmlError(f'can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(parts), entities)


def _inherit_language(tag: str, attrs: dict[str, str | None], stack: list[_Open]) -> None:
    """Copy <code class="language-x"> inside <pre> onto the pre entity, as Telegram does."""
    css = attrs.get("class") or ""
    if tag == "code" and stack and stack[-1].tag == "pre" and css.startswith("language-"):
        stack[-1].attrs["language"] = css.removeprefix("language-")


def _close(stack: list[_Open], tag: str, where: str, length: int, entities: list[dict]) -> None:
    if not stack:
        raise HtmlError(f'unexpected end tag "{tag}" at byte offset {where}')
    if stack[-1].tag != tag:
        expected = stack[-1].tag
        raise HtmlError(
            f'unmatched end tag at byte offset {where}, expected "</{expected}>", found "</{tag}>"'
        )
    item = stack.pop()
    entity = _entity_for(item, length, stack[-1] if stack else None)
    if entity is not None:
        entities.append(entity)
