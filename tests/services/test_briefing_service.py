"""BriefingService on real SQLite and PostgreSQL stores loaded through the real Ingestor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from briefs.briefings import BLANK_QUERY
from briefs.render import make_environment
from briefs.telegram_html import validate_telegram_html
from news.countries.lookup import UnknownCountryError
from services.briefings import BriefingService, Interests
from services.intents import Period
from storage.ingest.pipeline import Ingestor

T1 = datetime(2025, 3, 17, 6, 0, tzinfo=UTC)
T2 = datetime(2025, 3, 18, 6, 0, tzinfo=UTC)

PORT_BODY = (
    "Dockworkers at the port of Mombasa in Kenya walked off the job on Monday over unpaid "
    "overtime, leaving dozens of container ships waiting at anchor off the coast. The Kenya "
    "Ports Authority said talks with the union would resume on Tuesday morning in Nairobi. "
    "Shipping lines warned that delays could spread to Uganda and Rwanda within a week."
)
TEA_BODY = (
    "Tea prices at the weekly auction in Mombasa fell to their lowest level in four years as "
    "buyers from Pakistan and Egypt held back orders. Kenyan growers blamed a strong shilling "
    "and heavy rains that lowered the quality of the leaf. The tea board promised a review of "
    "auction rules before the next season."
)
PERU_BODY = (
    "Peru's congress approved a new mining law on Monday that raises royalties on copper "
    "exports by two percentage points. Supporters in Lima said the money would fund roads in "
    "the southern highlands, while mining companies warned the change would delay investment."
)
ADDED = " A spokesman for the shippers' council said perishable cargo was already spoiling."


def newsletter(title: str, stories: list[tuple[str, str, str]]) -> str:
    """Return a newsletter document: (headline, 'Source, date', body) per story."""
    parts = [title]
    for headline, source, body in stories:
        parts += [headline, f"[{source.split(', ')[0]}](#), {source.split(', ')[1]}", body]
    return "\n\n".join(parts) + "\n"


DOC_A = newsletter("Coast Notes", [
    ("Mombasa dockworkers strike over unpaid overtime", "Coast Wire, 17 March 2025", PORT_BODY),
    ("Kenyan tea prices slump at Mombasa auction", "Coast Wire, 17 March 2025", TEA_BODY),
])
DOC_B = newsletter("Harbour Digest", [
    ("Ships stranded as Kenyan port workers down tools", "Harbour Daily, 17 March 2025",
     PORT_BODY + ADDED),
    ("Peru raises copper royalties in new mining law", "Andes Post, 16 March 2025", PERU_BODY),
])
NASTY = newsletter("Nasty Notes", [
    ("Chile <script>alert(1)</script> & </b> budget vote", "Wire & Co, 18 March 2025",
     "Lawmakers in Chile voted on the budget <script>alert('x')</script> & more </b> text. "
     + " ".join(f"Santiago officials said clause {i} of the Chilean budget was settled." for i in range(90))),
    ("Argentina wheat harvest grows", "Pampas Wire, 18 March 2025",
     "Farmers in Argentina expect a record wheat harvest this year after good rains in the "
     "Pampas region, the agriculture ministry in Buenos Aires said on Tuesday."),
])


class Clock:
    """A settable clock shared by the ingestor and the service."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def load(sessions, clock: Clock, name: str, text: str, at: datetime) -> None:
    """Load one document as if at time *at*."""
    clock.now = at
    result = Ingestor(sessions, max_bytes=2**22, clock=clock).ingest_bytes(text.encode(), name)
    assert result.status == "loaded", result.error


@pytest.fixture
def clock() -> Clock:
    return Clock(T1)


@pytest.fixture
def service(sessions, clock) -> BriefingService:
    return BriefingService(sessions, make_environment(), clock=clock)


@pytest.fixture
def loaded(sessions, clock, service) -> BriefingService:
    load(sessions, clock, "a.txt", DOC_A, T1)
    load(sessions, clock, "b.txt", DOC_B, T2)
    clock.now = T2 + timedelta(hours=1)
    return service


def _ids_titles(briefing):
    return [(s.heading, [v.title for v in s.stories]) for s in briefing.sections]


def test_daily_merges_sources_and_groups_by_country(loaded):
    briefing = loaded.daily(date(2025, 3, 17))
    assert briefing.kind == "daily" and not briefing.is_empty
    kenya = briefing.sections[0]
    assert kenya.heading == "Kenya" and kenya.country.code == "KE"
    port = kenya.stories[0]  # two sources outrank one
    assert port.sources == ["Coast Wire", "Harbour Daily"] and port.item_count == 2
    assert [v.title for v in kenya.stories][1].startswith("Kenyan tea")
    assert all("Peru" not in s.heading for s in briefing.sections)


def test_daily_without_date_falls_back_to_newest_day(loaded):
    assert loaded.daily().title.endswith("17 March 2025")


def test_daily_on_an_empty_day_says_so(loaded):
    briefing = loaded.daily(date(2025, 5, 3))
    assert briefing.is_empty and briefing.empty_message == "No stories on 3 May 2025."
    assert loaded.messages(briefing) == ["No stories on 3 May 2025."]


def test_daily_restricted_to_interests(loaded):
    peru = loaded.daily(date(2025, 3, 16), Interests.of(["pe"]))
    assert [s.heading for s in peru.sections] == ["Peru"]
    none = loaded.daily(date(2025, 3, 17), Interests.of(["PE"]))
    assert none.empty_message == "No stories about Peru on 17 March 2025."
    tea = loaded.daily(date(2025, 3, 17), Interests.of([], ["tea auction"]))
    assert [v.title for s in tea.sections for v in s.stories] == ["Kenyan tea prices slump at Mombasa auction"]


def test_personal_takes_stories_loaded_in_window_whatever_their_date(loaded):
    tz = ZoneInfo("Europe/Berlin")
    briefing = loaded.personal(Interests(), T1 + timedelta(hours=1), T2 + timedelta(hours=1), tz)
    titles = [v.title for s in briefing.sections for v in s.stories]
    # Peru (published 16 March, loaded on the 18th) is new; the port story was first seen on the 17th.
    assert titles == ["Peru raises copper royalties in new mining law"]
    last_day = loaded.personal(Interests.of(["KE"]), None, T2 + timedelta(hours=1), tz)
    assert last_day.empty_message == "No new stories about Kenya since 17 March 2025."
    assert last_day.is_empty


def test_country_briefing_and_unknown_country(loaded):
    briefing = loaded.country("Kenya", days=7)
    assert briefing.sections[0].heading == "Kenya" and briefing.subtitle == "Since 12 March 2025"
    assert len(briefing.sections[0].stories) == 2
    never = loaded.country("FR")
    assert never.is_empty and never.empty_message == "I have no stories about France yet."
    with pytest.raises(UnknownCountryError):
        loaded.country("Narnia")


def test_country_with_nothing_recent_says_so_and_shows_its_latest(loaded, clock):
    clock.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # the store is now an archive
    briefing = loaded.country("Kenya")
    assert briefing.subtitle == "No new stories about Kenya since 30 November 2026; the latest:"
    assert [s.heading for s in briefing.sections] == ["Kenya"]
    stories = briefing.sections[0].stories
    assert len(stories) == 2 and all(v.published == date(2025, 3, 17) for v in stories)
    text = loaded.render(briefing, "text")
    assert "No new stories about Kenya" in text and "(17 March 2025)" in text


def test_country_window_tops_up_with_earlier_stories(loaded, clock):
    clock.now = datetime(2025, 3, 24, 9, 0, tzinfo=UTC)  # Peru (16 March) is just outside
    briefing = loaded.country("Peru", days=3)
    assert _ids_titles(briefing) == [("Peru", ["Peru raises copper royalties in new mining law"])]
    assert briefing.subtitle.startswith("No new stories about Peru since 22 March 2025")
    chile = loaded.country("Chile", days=3)  # in no document loaded here
    assert chile.empty_message == "I have no stories about Chile yet."


def test_country_in_a_named_period(loaded, clock):
    clock.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    march = loaded.country("Kenya", period=Period("month", 3))  # the latest March stored
    assert march.subtitle == "In March 2025" and len(march.sections[0].stories) == 2
    may = loaded.country("Kenya", period=Period("month", 5, 2025))
    assert may.subtitle == "No stories about Kenya in May 2025; the latest:"
    assert len(may.sections[0].stories) == 2


def test_pairs_of_countries_and_topics_narrowed(loaded):
    both = loaded.country(["Kenya", "Uganda"])
    assert both.title == "Kenya and Uganda: latest stories"
    assert [v.title for s in both.sections for v in s.stories] == [
        "Mombasa dockworkers strike over unpaid overtime"]
    assert loaded.country(["Kenya", "Peru"]).empty_message == (
        "I have no stories about both Kenya and Peru yet.")
    narrowed = loaded.topic("mining", countries=["PE"], period=Period("month", 3, 2025))
    assert narrowed.subtitle == "About Peru in March 2025" and not narrowed.is_empty
    elsewhere = loaded.topic("mining", countries=["KE"])
    assert elsewhere.subtitle == "Nothing matches “mining” about Kenya; the best matches:"
    assert [v.title for v in elsewhere.sections[0].stories] == [
        "Peru raises copper royalties in new mining law"]


def test_topic_one_entry_per_story_with_snippet(loaded):
    briefing = loaded.topic("dockworkers OR overtime")
    stories = briefing.sections[0].stories
    assert len(stories) == 1 and stories[0].item_count == 2 and "\x02" in (stories[0].snippet or "")
    assert loaded.topic("sanctions").empty_message == "No stories match \u201csanctions\u201d."
    for blank in ("", "   ", "!!!"):
        assert loaded.topic(blank).empty_message == BLANK_QUERY


def test_bad_input_gives_valid_telegram_messages(service, sessions, clock):
    load(sessions, clock, "nasty.txt", NASTY, T2)
    briefing = service.daily(date(2025, 3, 18))
    messages = service.messages(briefing)
    chile = briefing.sections[0].stories[0]
    assert chile.title.startswith("Chile <script>") and len(chile.summary) <= 400  # 6,000-char body
    for message in messages:
        assert validate_telegram_html(message) == [], message[:200]
    joined = "".join(messages)
    assert "<script>" not in joined and "&lt;script&gt;" in joined
    for fmt in ("text", "html"):
        assert "Chile" in service.render(briefing, fmt)


def test_batch_matches_one_by_one(loaded):
    until, tz = T2 + timedelta(hours=1), ZoneInfo("UTC")
    since = T1 - timedelta(hours=1)
    groups = {Interests(): [1, 2], Interests.of(["KE"]): [3], Interests.of(["PE"], ["tea"]): [4],
              Interests.of(["FR"]): [5]}
    batch = loaded.personal_messages_batch(groups, since, until, tz)
    assert set(batch) == set(groups)
    for interests in groups:
        assert batch[interests] == loaded.messages(loaded.personal(interests, since, until, tz))
    assert "Peru" in batch[Interests.of(["PE"], ["tea"])][0]
    assert "tea" in batch[Interests.of(["PE"], ["tea"])][0].lower()
    assert batch[Interests.of(["FR"])] == ["No new stories about France since 17 March 2025."]
