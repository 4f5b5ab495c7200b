"""Recognise and remove page furniture (cookie banners, app promos, teaser lists, credits)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from enum import Enum
from functools import lru_cache

from news.dates import MAX_DATE_LINE_CHARS, is_date_line
from news.textmatch import (
    RowTable,
    contains_any,
    fold_case,
    has_blank_run,
    required_literals,
    union_of_literals,
)

logger = logging.getLogger(__name__)


class LineKind(Enum):
    """What a line of scraped text is, as far as boilerplate goes."""

    CONTENT = "content"
    NOISE = "noise"  # in-article furniture: ads, credits, bylines; the article goes on after it
    END = "end"  # page furniture after an article: comments, app promos, cookies, copyright
    SECTION = "section"  # a heading that opens a teaser list ("Related Articles")
    META = "meta"  # teaser-card metadata: "6 mins read", "13 minutes ago", bullets
    TRAILER = "trailer"  # "About the Author": the rest of the item is not the story


# Whole-line patterns, matched case-insensitively against the stripped line. Kept as data so
# new sites need a new row, not new code.
_LINE_PATTERNS: tuple[tuple[LineKind, str], ...] = (
    (LineKind.NOISE, r"advertisement|advert|ad|sponsored(?: content)?|promoted"),
    (LineKind.NOISE, r"story continues below(?: this)? ad(?:vertisement)?|continue reading below"),
    (LineKind.NOISE, r"live events|logo|orange background|print|e-?mail|menu|search|home"),
    (LineKind.NOISE, r"skip to (?:main )?content|toggle navigation|listen to (?:this )?article.*"),
    # One optional blank per step: "\s*(?:on|via|:)?\s*" split a run of blanks in two in every
    # way, and a failing match tried them all ("share" + " ," * 20 + "!" took minutes).
    (LineKind.NOISE, r"share(?: this(?: article| story| post| page)?)?(?:\s*(?:(?:on|via|:)\s*)?"
                     r"(?:facebook|twitter|x|whatsapp|linkedin|telegram|reddit|email|[|,/•·]))*"),
    (LineKind.NOISE, r"follow us(?: on)?\b.{0,60}|(?:like|follow) .{1,30} on (?:facebook|x|twitter)"),
    (LineKind.NOISE, r"subscribe\b.{0,80}|sign up\b.{0,60}newsletter.{0,40}"),
    (LineKind.NOISE, r"click here\b.{0,60}|(?:tap|click) to .{1,40}"),
    (LineKind.NOISE, r"(?:read|see)(?: more| also)\s*:.{0,150}|also read\s*:.{0,150}"),
    (LineKind.NOISE, r"\(?(?:file |representative )?(?:photo|image|picture|pic|video)s?"
                     r"(?: credit| courtesy)?\s*[:/|]\s*.{0,60}\)?"),
    (LineKind.NOISE, r"(?:photo|image|picture)s? (?:by|courtesy(?: of)?|credit)\b.{0,60}"),
    (LineKind.NOISE, r"file (?:photo|image|picture)\.?|representative (?:photo|image)\.?"),
    # "and" only as a word: inside one ("Band") it let every such name split two ways.
    (LineKind.NOISE, r"(?-i:(?i:by)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}"
                     r"(?:\s*(?:,|\band\b|&)\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})*)"),
    (LineKind.NOISE, r"\d{1,4}|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|in|co\.uk|news|ru|io|info)"),
    (LineKind.META, r"\d+\s*mins?\.?\s+read|read time\s*:?.{0,20}"),
    (LineKind.META, r"(?:time)?\s*\d+\s+(?:second|minute|min|hour|hr|day|week|month)s?\s+ago"),
    (LineKind.META, r"[○●•◦▪■□·|–—\-*]+|[•·▪]\s*.{1,40}"),
    (LineKind.END, r"(?:\d+\s+)?comments?|no comments(?: yet)?\.*|discuss(?:ion)?|view comments"),
    (LineKind.END, r"leave a (?:comment|reply)|(?:add|post) a comment|be the first to comment.*"),
    (LineKind.END, r"join the (?:conversation|discussion)"),
    (LineKind.END, r".{0,40}\b(?:this|our) (?:web)?site uses cookies\b.{0,300}|we use cookies\b.{0,300}"),
    (LineKind.END, r".{0,80}\b(?:accept(?: all)? cookies|cookie (?:policy|settings|preferences))\b.{0,80}"),
    (LineKind.END, r"download (?:the|our) .{0,30}app.{0,200}|.{0,20}(?:app[ -]?store|play[ -]?store"
                   r"|google play).{0,20}"),
    (LineKind.END, r".{0,200}\b(?:download|install|get it|available)\b.{0,100}\b(?:app[ -]?store"
                   r"|play[ -]?store|google play).{0,100}"),
    (LineKind.END, r"get started now\b.{0,60}|try our ai features|explore what .{1,60} can do for you:?"),
    (LineKind.END, r"(?:©|\(c\)|copyright\b).{0,200}|.{0,150}\ball rights reserved\b.{0,150}"),
    (LineKind.END, r"no part of this publication may be reproduced.*"),
    (LineKind.END, r".{0,40}\bviews expressed (?:in|here|are)\b.{0,300}\b(?:author|personal|own)\b.*"),
    (LineKind.END, r"(?:terms (?:of (?:use|service)|and conditions)|privacy policy)\b.{0,60}"),
    (LineKind.SECTION, r"related(?: articles?| posts?| stories| news| content| coverage| reading)?:?"),
    (LineKind.SECTION, r"more (?:from|on) .{1,40}|more stories|read more|see also|also read"),
    (LineKind.SECTION, r"(?:you )?(?:may|might) also (?:like|enjoy|be interested in).{0,20}"),
    (LineKind.SECTION, r"recommended(?: for you| stories| articles| reads)?|top stories"),
    (LineKind.SECTION, r"(?:most|more) (?:read|popular|viewed)(?: stories| articles| news)?"),
    (LineKind.SECTION, r"trending(?: now| stories| news)?|latest (?:news|stories|articles)"),
    (LineKind.SECTION, r"editor'?s? picks?|in (?:other|case you missed).{0,30}"),
    (LineKind.TRAILER, r"about the authors?|authors?'?s? bio(?:graphy)?|about (?:the|this) writer"),
)


# A line costs one regex run for the whole table, plus one for the costly ".{0,200}..." rows
# when it holds a word they need. A sentence ending in a full stop is prose, however much it
# looks like a section heading: section rows refuse a final ".".
_TABLE = RowTable(
    [(kind, rf"(?:{rx})(?<!\.)" if kind is LineKind.SECTION else rx) for kind, rx in _LINE_PATTERNS],
    re.IGNORECASE,
)

# Furniture found inside a real paragraph: cut it out, keep the text around it.
_INLINE_PATTERNS: tuple[str, ...] = (
    r"\bstory continues below(?: this)? ad(?:vertisement)?\b",
    r"(?<=[.!?\"”’]\s)read more\s+(?=[A-Z])",
    r"\b(?:file|representative) (?:image|photo|picture)\s*/\s*(?-i:[A-Z][\w-]*)?",
    r"\((?:file )?(?:image|photo|picture)s?\s*:[^)]{1,60}\)",
    r"(?<=[.!?\"”’]\s)(?-i:More from [A-Z][a-z]+)\s+(?=[A-Z])",
)
# each with the words it needs, so a paragraph meets only the patterns that can match it
_INLINE = tuple(
    (re.compile(rx, re.IGNORECASE), required_literals(rx, re.IGNORECASE))
    for rx in _INLINE_PATTERNS
)
_INLINE_ANY_NEEDS = union_of_literals([needs for _, needs in _INLINE])
_MULTI_SPACE = re.compile(r"\s{2,}")

# A cookie banner glued to real text: everything up to its last button is cut.
# Buttons are matched case-sensitively: "you accept our use of cookies" is not the button.
_GLUED_COOKIE = re.compile(
    r"(?:this (?:web)?site|we) uses? cookies\b.{0,300}?"
    r"\b(?-i:Accept(?: [Aa]ll)?(?: [Cc]ookies)?|ACCEPT|Got it|GOT IT|I [Aa]gree|OK(?:AY)?|Okay)"
    r"(?:\s*(?-i:Read [Mm]ore|READ MORE|Reject(?: [Aa]ll)?|Learn [Mm]ore|Settings"
    r"|Privacy [Pp]olicy|Cookie [Ss]ettings))*",
    re.IGNORECASE,
)
_GLUED_COOKIE_NEEDS = required_literals(_GLUED_COOKIE.pattern, re.IGNORECASE)
MIN_GLUED_REMAINDER = 40

_TERMINAL = tuple(".!?…")
_CLOSERS = "\"”’')»]"
_CONNECTIVES = frozenset(
    ("a", "an", "the", "of", "to", "in", "on", "at", "for", "with", "from", "by", "as", "and",
     "or", "but", "that", "which", "who", "whose", "its", "their", "his", "her", "into", "over",
     "after", "before", "between", "against", "about", "amid", "than")
)
_PUNCT_ONLY = re.compile(r"[\"”’')\].,;:!?…]+")


def classify(line: str) -> LineKind:
    """Classify one line (full-line match against the pattern table)."""
    text = line.strip()
    if not text:
        return LineKind.NOISE
    # only lines of ordinary length are cached, so huge one-line documents cannot bloat it
    return _classify_cached(text) if len(text) <= _CACHED_LINE_CHARS else _classify_stripped(text)


def _classify_stripped(text: str) -> LineKind:
    folded = fold_case(text)
    cut = _cut_glued(text, folded)
    if cut and cut != text:
        return LineKind.CONTENT  # a banner glued to story text: clean_line() cuts it out
    kind = _TABLE.first_match(text, folded)
    return LineKind.CONTENT if kind is None else kind


# The splitters ask about the same line several times (fragment repair, then the story body).
_classify_cached = lru_cache(maxsize=4096)(_classify_stripped)
_CACHED_LINE_CHARS = 2000


def is_boilerplate(line: str) -> bool:
    """Return True if the whole line is page furniture rather than story text."""
    return classify(line) is not LineKind.CONTENT


def cut_glued(line: str) -> str:
    """Cut a cookie banner out of a line that also carries real text; '' if nothing is left."""
    return _cut_glued(line, fold_case(line))


def _cut_glued(line: str, folded: str) -> str:
    # a substring test spares most lines the costly search
    m = _GLUED_COOKIE.search(line) if contains_any(folded, _GLUED_COOKIE_NEEDS) else None
    if not m:
        return line
    before, after = line[: m.start()].strip(), line[m.end() :].strip()
    kept = [part for part in (before, after) if len(part) >= MIN_GLUED_REMAINDER]
    return " ".join(kept)


def remove_inline(text: str) -> str:
    """Remove furniture phrases embedded in a paragraph (ad markers, photo credits)."""
    return _remove_inline(text, fold_case(text))


def _remove_inline(text: str, folded: str) -> str:
    if contains_any(folded, _INLINE_ANY_NEEDS):
        for rx, needs in _INLINE:
            if contains_any(folded, needs):
                text = rx.sub("", text)
                folded = fold_case(text)
    if has_blank_run(text):
        text = _MULTI_SPACE.sub(" ", text)
    return text.strip()


def ends_sentence(line: str) -> bool:
    """Return True if the line ends with terminal punctuation (or a closing quote)."""
    return line.rstrip().rstrip(_CLOSERS).endswith(_TERMINAL)


def _ends_mid_phrase(prev: str) -> bool:
    words = prev.rstrip().split()
    return bool(words) and (prev.rstrip().endswith((",", "-", "–", "—")) or
                            words[-1].lower() in _CONNECTIVES)


def continues(prev: str, cur: str, nxt: str = "") -> bool:
    """Return True if cur is the rest of the sentence prev broke off (wrap or page break)."""
    return bool(prev) and _continues(_Rejoined(prev), cur, nxt)


# A paragraph rejoined past this length is not classified again at each join. The bounded
# rows of the table match at most ~450 characters and the unbounded ones (".*" tails) are
# settled by the paragraph's start, so a paragraph this long that was not furniture stays
# content; re-reading it for each of thousands of fragments ("x\n\nx\n\n…") was quadratic.
_SETTLED_CHARS = 600
# The end of a paragraph that its ending tests read: longer than any connective word.
_TAIL_CHARS = 256


class _Rejoined:
    """A paragraph being rejoined from fragments: its pieces, its length and its last characters.

    Pieces are joined only when the whole text is needed, so rejoining n fragments costs O(n),
    not the O(n²) of growing one string.
    """

    __slots__ = ("pieces", "size", "tail")

    def __init__(self, line: str) -> None:
        self.pieces = [line]
        self.size = len(line)
        self.tail = line[-_TAIL_CHARS:]

    def add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.size += len(piece)
        self.tail = (self.tail + piece[-_TAIL_CHARS:])[-_TAIL_CHARS:]

    def text(self) -> str:
        if len(self.pieces) > 1:
            self.pieces = ["".join(self.pieces)]
        return self.pieces[0]

    def end(self) -> str:
        """Return enough of the paragraph's end to tell how it ends (the tail, usually)."""
        if self.size > len(self.tail) and not self.tail.rstrip().rstrip(_CLOSERS):
            return self.text()  # a run of closing quotes longer than the tail
        return self.tail

    def is_boilerplate(self) -> bool:
        return self.size <= _SETTLED_CHARS and is_boilerplate(self.text())


def _continues(prev: _Rejoined, cur: str, nxt: str) -> bool:
    """continues() for a paragraph being rejoined, reading only its end where it can."""
    end = prev.end()
    if not cur or ends_sentence(end) or end.rstrip().endswith((":", ";")):
        return False
    if prev.is_boilerplate() or is_boilerplate(cur):
        return False
    if _is_stamp(prev) or is_date_line(cur):
        return False  # a date line stands alone: never the end of a headline, nor its start
    if cur[0].islower() or _ends_mid_phrase(end):
        return True
    # "... a lavish" / "Victory Day parade" / "." : a link's text pulled onto its own line
    return bool(nxt) and _PUNCT_ONLY.fullmatch(nxt.strip()) is not None and prev.size >= 60


def _is_stamp(paragraph: _Rejoined) -> bool:
    return paragraph.size <= MAX_DATE_LINE_CHARS and is_date_line(paragraph.text())


def repair_fragments(
    lines: list[str], protect: Callable[[str], bool] | None = None
) -> list[str]:
    """Rejoin paragraphs broken into fragments; lines for which protect() is true stay alone.

    protect() is asked about a rejoined paragraph only while it is under _SETTLED_CHARS long.
    """
    out: list[_Rejoined] = []
    stripped = [line.strip() for line in lines if line.strip()]
    for i, line in enumerate(stripped):
        nxt = stripped[i + 1] if i + 1 < len(stripped) else ""
        last = out[-1] if out else None
        guarded = protect is not None and (
            protect(line) or last is not None and last.size <= _SETTLED_CHARS
            and protect(last.text()))
        if last is not None and _PUNCT_ONLY.fullmatch(line):
            last.add(line)
        elif last is not None and not guarded and _continues(last, line, nxt):
            last.add(" ")
            last.add(line)
        else:
            out.append(_Rejoined(line))
    return [paragraph.text() for paragraph in out]


def clean_line(line: str) -> str:
    """Cut glued banners and inline furniture out of one line."""
    folded = fold_case(line)
    cut = _cut_glued(line, folded)
    return _remove_inline(cut, folded if cut is line else fold_case(cut))


def strip_boilerplate(lines: list[str]) -> list[str]:
    """Drop furniture lines, teaser lists and trailers; rejoin fragments; keep story lines."""
    out: list[str] = []
    in_teasers = False
    for line in repair_fragments(lines):
        kind = classify(line)
        if kind is LineKind.TRAILER:
            break
        if kind is LineKind.SECTION:
            in_teasers = True
        cleaned = clean_line(line) if kind is LineKind.CONTENT else ""
        if not cleaned:
            continue
        if in_teasers and not is_real_paragraph(cleaned):
            continue
        in_teasers = False
        out.append(cleaned)
    return drop_trailing_bio(out)


REAL_PARAGRAPH_CHARS = 200


def is_real_paragraph(line: str) -> bool:
    """Return True for a line long enough to be article text rather than a teaser headline."""
    return len(line) >= REAL_PARAGRAPH_CHARS


# A name at a sentence start (the text's start, or a blank after ".", "!", "?" or a quote).
# The start is checked behind the name's first capital (the "." in the lookbehinds), not
# before it: so the pattern begins with [A-Z] and a search skips from capital to capital.
_SENTENCE_START_BEHIND = r"(?<!\S.)(?<![^.!?”\"]\s.)(?<!\A\s.)"
_NAME = rf"(?-i:[A-Z]{_SENTENCE_START_BEHIND}[a-z'’-]+(?:\s+(?:[A-Z]\.|[A-Z][a-z'’-]+)){{1,3}})"
_ROLE = (
    r"(?:senior |junior |visiting |former |distinguished |non-resident |principal |chief "
    r"|associate |assistant |deputy |vice |executive |managing |contributing )*"
    r"(?:fellow|professor|director|president|editor|analyst|researcher|research \w+|"
    r"correspondent|journalist|associate|assistant|scholar|lecturer|head|chair\w*|founder|"
    r"reporter|member|consultant|writer|columnist|author|commentator|expert|advisor|adviser)"
)
_AFFILIATION = (
    r"[^.]{0,80}?\b(?:institute|foundation|cent(?:re|er)|university|council|school|studies|"
    r"research|program(?:me)?|forum|college|think[- ]tank|endowment|initiative|academy|observer)\b"
)
_BIO = re.compile(
    _NAME + r"\s+(?:is|was|serves as)\s+(?:a\s+|an\s+|the\s+)?"
    + _ROLE + _AFFILIATION,
    re.IGNORECASE,
)
MAX_BIO_CHARS = 600
# A bio names an institution ("... Institute", "... University"): a paragraph without any such
# word is spared the costly search.
_BIO_NEEDS = required_literals(_BIO.pattern, re.IGNORECASE)


# A story's last paragraph is asked twice: once by strip_boilerplate, once by join_body.
@lru_cache(maxsize=256)
def _cut_bio(paragraph: str) -> str:
    # a bio that counts lies wholly in the last MAX_BIO_CHARS: only they need the word
    tail_start = max(0, len(paragraph) - MAX_BIO_CHARS)
    if not contains_any(fold_case(paragraph[tail_start:]), _BIO_NEEDS):
        return paragraph
    # A bio the loop below would cut at starts in the tail, so a search of the tail finds it
    # (or an earlier match); only then run the loop, which must scan from the start because
    # matches do not overlap.
    if _BIO.search(paragraph, tail_start) is None:
        return paragraph
    for m in _BIO.finditer(paragraph):
        if len(paragraph) - m.start() <= MAX_BIO_CHARS:
            return paragraph[: m.start()].strip()
    return paragraph


def drop_trailing_bio(paragraphs: list[str]) -> list[str]:
    """Drop an author bio ("X is a senior fellow at ...") from the end of an article."""
    out = list(paragraphs)
    while out:
        cut = _cut_bio(out[-1])
        if cut == out[-1]:
            break
        if cut:
            out[-1] = cut
            break
        out.pop()
    return out
