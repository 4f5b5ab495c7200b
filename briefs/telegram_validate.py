"""Check that a string is a message Telegram's HTML parse mode would accept.

Used by our tests and by the fake Telegram server, so it reports every problem it
sees as a readable sentence instead of stopping at the first one. Re-exported by
``briefs.telegram_html``.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

# What our templates may emit.
ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler"})
# What the Bot API itself accepts (aliases included): for the fake server.
TELEGRAM_ACCEPTED_TAGS = ALLOWED_TAGS | {"strong", "em", "ins", "strike", "del", "span",
                                         "tg-emoji"}

_NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_AMP_RE = re.compile(r"&(?:#[0-9]+;|#[xX][0-9a-fA-F]+;|([a-zA-Z][a-zA-Z0-9]*);)?")
_ATTRS: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
    "span": frozenset({"class"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
# Tags that must not contain other formatting (``code`` inside ``pre`` excepted).
_VERBATIM = frozenset({"code", "pre"})
_NO_SELF_NESTING = frozenset({"a", "blockquote", "pre", "code"})


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Checker(HTMLParser):
    """Walk the markup once, collecting problems and the visible length."""

    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__(convert_charrefs=False)
        self.allowed = allowed
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.length = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.allowed:
            self.problems.append(f"disallowed tag <{tag}>")
        self._check_attrs(tag, attrs)
        self._check_nesting(tag)
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing tag <{tag}/> is not supported")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.stack:
            self.problems.append(f"closing tag </{tag}> has no opening tag")
            return
        if self.stack[-1] != tag:
            self.problems.append(f"bad nesting: </{tag}> closes while <{self.stack[-1]}> is open")
        del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self.problems.append("unescaped '<' in text")
        self._count(data)

    def handle_entityref(self, name: str) -> None:
        self._count("&")  # named entities are one character; _AMP_RE checks which

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
        except ValueError:
            code = 0
        self.length += 2 if code >= 0x10000 else 1
        self.text.append("x")  # stand-in: only used to tell empty from non-empty

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comment is not supported (cut marker left in?)")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration <!{decl}> is not supported")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction is not supported")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("unknown declaration is not supported")

    def _count(self, text: str) -> None:
        self.length += _utf16_len(text)
        self.text.append(text)

    def _check_attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = _ATTRS.get(tag, frozenset())
        for name, _value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name!r} not allowed on <{tag}>")
        values = dict(attrs)
        if tag == "a" and not (values.get("href") or "").strip():
            self.problems.append("<a> without href")
        if tag == "code" and "class" in values and not str(values["class"]).startswith("language-"):
            self.problems.append("<code class> must be 'language-…'")

    def _check_nesting(self, tag: str) -> None:
        inside = set(self.stack)
        verbatim = inside & _VERBATIM
        if verbatim and not (tag == "code" and self.stack[-1] == "pre"):
            self.problems.append(f"<{tag}> inside <{sorted(verbatim)[0]}>")
        elif tag in _NO_SELF_NESTING and tag in inside:
            self.problems.append(f"<{tag}> nested inside <{tag}>")


def _check_ampersands(markup: str) -> list[str]:
    problems = []
    for match in _AMP_RE.finditer(markup):
        if match.group(0) == "&":
            problems.append(f"unescaped '&' at offset {match.start()}")
        elif match.group(1) and match.group(1) not in _NAMED_ENTITIES:
            problems.append(f"unsupported entity &{match.group(1)};")
    return problems


def validate_telegram_html(html: str, limit: int | None = 4096,
                           allowed: frozenset[str] = ALLOWED_TAGS) -> list[str]:
    """Return the problems Telegram would have with html (empty list: valid)."""
    checker = _Checker(allowed)
    checker.feed(html)
    checker.close()
    problems = checker.problems + _check_ampersands(html)
    problems += [f"unclosed tag <{tag}>" for tag in checker.stack]
    if not "".join(checker.text).strip():
        problems.append("message has no visible text")
    if limit is not None and checker.length > limit:
        problems.append(f"too long: {checker.length} > {limit} UTF-16 units")
    return problems
