"""Render briefings (and any other bot message) with Jinja2.

Design: ``make_environment`` builds ONE markup Environment (autoescape on for
every template, StrictUndefined) whose loader tries the operators' override
directory first and the packaged ``briefs/templates`` second. Plain-text
templates (names ending ``.text.j2``) must not show ``&amp;``; un-escaping the
escaped output afterwards would be lossy (a title that really contains ``&lt;``
would change), so the factory also builds a twin via ``Environment.overlay(
autoescape=False)``. The twin shares the loader, filters, tests and globals (so
filters or globals added later show up in both) but keeps its own compiled
template cache. Callers never pick one: ``render_template`` chooses by name.

Filters are written for both modes: the ones that produce markup check
``eval_ctx.autoescape``.

Every text is translatable (briefs.i18n): the i18n extension is installed before the twin is
made, so both speak the reader's language; dates, numbers and country names follow it too.

Templates for Telegram put CUT_MARKER between stories; the briefing service splits there
(``briefs.briefing_split``, falling back to ``briefs.telegram_html``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from briefs import i18n
from briefs.i18n import _, format_day, format_number, ngettext
from briefs.telegram_html import CUT_MARKER, TELEGRAM_LIMIT
from briefs.types import Briefing
from news.countries.lookup import Country, flag_emoji

logger = logging.getLogger(__name__)

FORMATS = ("telegram", "text", "html")
TEXT_SUFFIX = ".text.j2"
# Search snippets (StoryView.snippet) mark matches with these control characters,
# which never occur in news text; the ``highlight`` filter turns them into <b>.
HIGHLIGHT_OPEN = "\x02"
HIGHLIGHT_CLOSE = "\x03"

_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_HIGHLIGHT_RE = re.compile(f"{HIGHLIGHT_OPEN}(.*?){HIGHLIGHT_CLOSE}", re.S)
_TEXT_ENV_ATTR = "briefbot_text_environment"
# A reply repeats at most this much of what the user typed: a 4,000-character question must not
# push the answer past Telegram's 4,096-character limit.
ECHO_CHARS = 100


def date_human(value: date | datetime | None, default: str | None = None,
               with_time: bool = False) -> str:
    """Format a date as '17 March 2025' in the reader's language; default when missing."""
    if value is None:
        return _("undated") if default is None else default
    return format_day(value, with_time)


def _more(shown: str, hidden: int) -> str:
    """Append '+N more' to a shortened list (nothing when nothing is hidden)."""
    if hidden <= 0:
        return shown
    return ngettext("%(shown)s +%(num)d more", "%(shown)s +%(num)d more", hidden, shown=shown)


def sources(names: Iterable[str], limit: int = 4, default: str | None = None) -> str:
    """Join distinct source names ('TASS, RT'), '+N more' past limit."""
    unique = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not unique:
        return _("unknown source") if default is None else default
    return _more(", ".join(unique[:limit]), len(unique) - limit)


def flag(value: Country | str | None) -> str:
    """Return the flag emoji of a Country or an ISO2 code ('' when unknown)."""
    if value is None:
        return ""
    if isinstance(value, Country):
        return value.flag or flag_emoji(value.code)
    return flag_emoji(value)


def country_list(countries: Iterable[Country], limit: int = 5) -> str:
    """Join countries as 'flag name' pairs, '+N more' past limit."""
    items = list(countries)
    return _more(", ".join(f"{flag(c)} {c.name}".strip() for c in items[:limit]),
                 len(items) - limit)


def truncate_words(text: str, count: int = 30, end: str = "…") -> str:
    """Keep the first count words of text, adding end when something was cut."""
    words = (text or "").split()
    if len(words) <= count:
        return " ".join(words)
    return " ".join(words[:count]).rstrip(",;:-–—") + end


def echo(text: str | None, limit: int = ECHO_CHARS) -> str:
    """Shorten what a user typed to limit characters (ending "…") before a reply repeats it."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """Return url when its scheme is safe to link (http, https, tg, mailto), else None."""
    if not url:
        return None
    url = url.strip()
    return url if url.lower().startswith(_SAFE_SCHEMES) else None


@jinja2.pass_eval_context
def highlight(eval_ctx: jinja2.nodes.EvalContext, snippet: str | None) -> str:
    """Render a search snippet: marked spans in <b> (markup) or plain (text)."""
    snippet = snippet or ""
    if not eval_ctx.autoescape:
        return snippet.replace(HIGHLIGHT_OPEN, "").replace(HIGHLIGHT_CLOSE, "")
    parts = _HIGHLIGHT_RE.split(snippet)
    # split() alternates plain text and highlighted groups.
    out = [escape(p) if i % 2 == 0 else Markup("<b>%s</b>") % p for i, p in enumerate(parts)]
    cleaned = Markup("").join(out)
    return Markup(str(cleaned).replace(HIGHLIGHT_OPEN, "").replace(HIGHLIGHT_CLOSE, ""))


FILTERS: dict[str, Any] = {
    "date_human": date_human,
    "sources": sources,
    "flag": flag,
    "country_list": country_list,
    "truncate_words": truncate_words,
    "echo": echo,
    "number": format_number,
    "safe_url": safe_url,
    "highlight": highlight,
}


def _loader(override_dir: Path | None) -> jinja2.BaseLoader:
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None:
        if not Path(override_dir).is_dir():
            logger.warning("template override dir %s does not exist", override_dir)
        loaders.append(jinja2.FileSystemLoader(str(override_dir)))
    loaders.append(jinja2.PackageLoader("briefs", "templates"))
    return jinja2.ChoiceLoader(loaders)


def make_environment(override_dir: Path | None = None) -> jinja2.Environment:
    """Build the template Environment: overrides first, packaged templates second."""
    env = jinja2.Environment(
        loader=_loader(override_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    i18n.install(env)  # before the twin below, which binds its own copy of the extension
    env.filters.update(FILTERS)
    env.globals.update(CUT_MARKER=Markup(CUT_MARKER), TELEGRAM_LIMIT=TELEGRAM_LIMIT)
    env.extend(**{_TEXT_ENV_ATTR: env.overlay(autoescape=False)})
    return env


def text_environment(env: jinja2.Environment) -> jinja2.Environment:
    """Return the escape-free twin of env used for plain-text templates."""
    twin = getattr(env, _TEXT_ENV_ATTR, None)
    if twin is None:  # an Environment not built by make_environment
        twin = env.overlay(autoescape=False)
        env.extend(**{_TEXT_ENV_ATTR: twin})
    return twin


def render_template(env: jinja2.Environment, template_name: str, /, **context: Any) -> str:
    """Render any template by name; '*.text.j2' templates are rendered unescaped."""
    chosen = text_environment(env) if template_name.endswith(TEXT_SUFFIX) else env
    return chosen.get_template(template_name).render(**context).strip()


def render_briefing(env: jinja2.Environment, briefing: Briefing, fmt: str) -> str:
    """Render a briefing as 'telegram' (HTML with cut markers), 'text' or 'html'."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return render_template(env, f"briefing.{fmt}.j2", briefing=briefing)
