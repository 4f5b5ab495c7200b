"""Measure, split and validate Telegram-flavoured HTML.

Telegram limits a message to 4096 characters of *visible* text: tags are not
counted, an entity such as ``&amp;`` counts as one character, and characters
are counted in UTF-16 code units (a flag emoji is two astral code points, so 4).

Templates put CUT_MARKER between stories. ``split_telegram`` cuts at the last
marker that fits; only when a single story is too long does it cut at a sentence
end (or line break), then at a space, then anywhere. Tags open at a cut are
closed at the end of one message and reopened, attributes included, at the start
of the next, so every message parses on its own.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
from bisect import bisect_right
from dataclasses import dataclass

from briefs.telegram_validate import (
    ALLOWED_TAGS,
    TELEGRAM_ACCEPTED_TAGS,
    validate_telegram_html,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ALLOWED_TAGS",
    "CUT_MARKER",
    "TELEGRAM_ACCEPTED_TAGS",
    "TELEGRAM_LIMIT",
    "split_telegram",
    "telegram_length",
    "utf16_len",
    "validate_telegram_html",
    "visible_text",
]

CUT_MARKER = "<!--cut-->"
TELEGRAM_LIMIT = 4096

_TOKEN_RE = re.compile(
    r"<!--.*?-->"
    r"|</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>"
    r"|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);"
    r"|[^<&]+"
    r"|[<&]",
    re.S,
)
_TAG_NAME_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
_EMPTY_PAIR_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>(\s*)</\1>")
_SENTENCE_END = frozenset(".!?…。！？")
_CLOSERS = frozenset("\"'”’»)]")

# Cut priorities: lower is better.
_AT_MARKER, _AT_SENTENCE, _AT_SPACE, _ANYWHERE = 0, 1, 2, 3


@dataclass(slots=True, frozen=True)
class _Item:
    """One token: a visible character (or entity), a tag, a marker or a comment."""

    kind: str  # "char" | "open" | "close" | "void" | "cut" | "comment"
    raw: str
    text: str = ""  # visible text of a "char"
    width: int = 0  # UTF-16 code units of ``text``
    name: str = ""  # lower-case tag name

    @property
    def is_blank(self) -> bool:
        return self.kind == "char" and self.text.isspace()


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _char_item(raw: str, text: str) -> _Item:
    return _Item("char", raw, text, utf16_len(text))


def _tag_item(raw: str) -> _Item:
    match = _TAG_NAME_RE.match(raw)
    name = match.group(1).lower() if match else ""
    if raw.startswith("</"):
        return _Item("close", raw, name=name)
    return _Item("void" if raw.endswith("/>") else "open", raw, name=name)


def _tokenize(markup: str) -> list[_Item]:
    items: list[_Item] = []
    for match in _TOKEN_RE.finditer(markup):
        raw = match.group(0)
        if raw == CUT_MARKER:
            items.append(_Item("cut", raw))
        elif raw.startswith("<!--"):
            items.append(_Item("comment", raw))
        elif len(raw) > 1 and raw[0] == "<":
            items.append(_tag_item(raw))
        elif len(raw) > 1 and raw[0] == "&":
            items.append(_char_item(raw, htmllib.unescape(raw)))
        else:
            items.extend(_char_item(ch, ch) for ch in raw)
    return items


def visible_text(markup: str) -> str:
    """Return the text Telegram would show for markup (tags dropped, entities decoded)."""
    # Same tokens as _tokenize, but text runs stay whole: measuring is on the hot path.
    parts = []
    for match in _TOKEN_RE.finditer(markup):
        raw = match.group(0)
        if len(raw) > 1 and raw[0] == "<":
            continue  # a tag or a comment: invisible
        parts.append(htmllib.unescape(raw) if len(raw) > 1 and raw[0] == "&" else raw)
    return "".join(parts)


def telegram_length(markup: str) -> int:
    """Return the message length Telegram would count for markup."""
    return utf16_len(visible_text(markup))


def _is_regional(ch: str) -> bool:
    return len(ch) == 1 and 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _ends_sentence(chars: list[str], k: int) -> bool:
    """Tell whether the blank at chars[k] follows a sentence end and precedes a new one."""
    j = k - 1
    while j >= 0 and chars[j] in _CLOSERS:
        j -= 1
    if j < 0 or chars[j] not in _SENTENCE_END:
        return False
    nxt = k + 1
    while nxt < len(chars) and chars[nxt].isspace():
        nxt += 1
    # "U.S. officials": a lower-case continuation is not a new sentence.
    return nxt >= len(chars) or not chars[nxt].islower()


def _break_priorities(items: list[_Item]) -> list[int | None]:
    """Return, for each index i, how good a cut just before items[i] is (None: never)."""
    prios: list[int | None] = [_ANYWHERE] * (len(items) + 1)
    char_pos = [i for i, item in enumerate(items) if item.kind == "char"]
    chars = [items[i].text for i in char_pos]
    for k, i in enumerate(char_pos):
        if chars[k].isspace():
            newline = "\n" in chars[k]
            prios[i] = _AT_SENTENCE if newline or _ends_sentence(chars, k) else _AT_SPACE
        elif k and _is_regional(chars[k]) and _is_regional(chars[k - 1]) and char_pos[k - 1] == i - 1:
            prios[i] = None  # never split the two halves of a flag
    for i, item in enumerate(items):
        if item.kind == "cut":
            prios[i] = _AT_MARKER
    prios[0] = None
    return prios


def _skip_blank(items: list[_Item], start: int) -> int:
    """Skip markers, comments and blank characters at a message start."""
    while start < len(items) and (items[start].kind in ("cut", "comment") or items[start].is_blank):
        start += 1
    return start


def _first_content(items: list[_Item], start: int, stop: int) -> int:
    for i in range(start, stop):
        if items[i].kind == "char" and not items[i].is_blank:
            return i
    return stop


def _choose_cut(items: list[_Item], prefix: list[int], prios: list[int | None], start: int,
                limit: int) -> int:
    """Return the index to cut before: the last best-priority break within the limit."""
    fits = bisect_right(prefix, prefix[start] + limit) - 1
    if fits >= len(items):
        return len(items)
    first = _first_content(items, start, fits)
    best = _best_break(prios, first, fits)
    if best is not None and prios[best] == _AT_MARKER and _next_story_too_long(
            items, prefix, best, limit):
        # That story gets split anyway: fill this message with its start instead
        # of sending a stub (e.g. a lone header) before it.
        inside = _best_break(prios, best, fits)
        if inside is not None and prios[inside] == _AT_SENTENCE:
            best = inside
    return best if best is not None else max(fits, first + 1)


def _best_break(prios: list[int | None], after: int, upto: int) -> int | None:
    """Return the last index in (after, upto] with the best (lowest) break priority."""
    best, best_prio = None, _ANYWHERE + 1
    for i in range(upto, after, -1):
        prio = prios[i]
        if prio is not None and prio < best_prio:
            best, best_prio = i, prio
            if prio == _AT_MARKER:
                break
    return best


def _next_story_too_long(items: list[_Item], prefix: list[int], marker: int, limit: int) -> bool:
    """Tell whether the story starting at marker cannot fit in one message by itself."""
    end = next((i for i in range(marker + 1, len(items)) if items[i].kind == "cut"), len(items))
    return prefix[end] - prefix[marker] > limit


def _trim(body: list[_Item]) -> list[_Item]:
    """Drop blank characters and markers at both ends, keeping tags."""
    body = [item for item in body if item.kind not in ("cut", "comment")]
    for backwards in (False, True):
        # The range is taken after the first pass: it may have dropped items ("<b> x").
        order = range(len(body) - 1, -1, -1) if backwards else range(len(body))
        drop = set()
        for i in order:
            if body[i].kind != "char":
                continue
            if not body[i].is_blank:
                break
            drop.add(i)
        body = [item for i, item in enumerate(body) if i not in drop]
    return body


def _advance_stack(stack: list[_Item], body: list[_Item]) -> list[_Item]:
    """Return the open-tag stack after body, tolerating stray closing tags."""
    stack = list(stack)
    for item in body:
        if item.kind == "open":
            stack.append(item)
        elif item.kind == "close":
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].name == item.name:
                    del stack[depth:]
                    break
    return stack


def _emit(items: list[_Item], start: int, cut: int, stack: list[_Item]) -> tuple[str, list[_Item]]:
    """Render items[start:cut] as one self-contained message; return it and the new stack."""
    body = items[start:cut]
    after = _advance_stack(stack, body)
    trimmed = _trim(body)
    if not any(item.kind == "char" for item in trimmed):
        return "", after
    opening = "".join(item.raw for item in stack)
    closing = "".join(f"</{item.name}>" for item in reversed(after))
    text = opening + "".join(item.raw for item in trimmed) + closing
    while True:  # a tag reopened just before a cut leaves an empty pair behind
        text, count = _EMPTY_PAIR_RE.subn(r"\2", text)
        if not count:
            return text.strip(), after


def split_telegram(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split rendered Telegram HTML into valid messages of at most limit visible characters."""
    if limit < 8:
        raise ValueError(f"limit too small: {limit}")
    items = _tokenize(html)
    prefix = [0]
    for item in items:
        prefix.append(prefix[-1] + item.width)
    prios = _break_priorities(items)
    messages: list[str] = []
    stack: list[_Item] = []
    start = _skip_blank(items, 0)
    while start < len(items):
        cut = _choose_cut(items, prefix, prios, start, limit)
        message, stack = _emit(items, start, cut, stack)
        if message:
            messages.append(message)
        start = _skip_blank(items, cut)
    logger.debug("split %d visible chars into %d messages", prefix[-1], len(messages))
    return messages
