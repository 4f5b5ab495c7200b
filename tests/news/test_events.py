"""Event terms, story profiles and the candidate index: same event in other words, one story."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import date

import pytest

from news.similarity import event_index, events
from news.similarity.event_index import EventIndex
from news.similarity.events import (
    FIGURES_PENALTY,
    HEAD_BOOST,
    HEAD_CHARS,
    INDEX_KEYS,
    MAX_TERMS,
    MONTH_BONUS,
    MONTH_PENALTY,
    NAME_MISMATCH,
    NUMBER_MISMATCH,
    THRESHOLD,
    WEEKDAY_BONUS,
    WEEKDAY_PENALTY,
    YEAR_PENALTY,
    EventTerms,
    StoryProfile,
    calendar_agreement,
    cosine,
    decode_terms,
    encode_terms,
    entity_mismatch,
    event_score,
    event_terms,
    figures_differ,
    linkage,
    names_in,
    number_term,
    store_query,
    years_differ,
)

# One quake told by two outlets in their own words, and a quake in the same province years later.
ACEH_A = ("Powerful quake kills one in Indonesia's Aceh province",
          "A powerful 6.1-magnitude earthquake struck the Indonesian province of Aceh on Tuesday, "
          "killing a child and injuring dozens, officials said. The quake hit the central highland "
          "district of Bener Meriah, where houses collapsed and a mosque was damaged. The disaster "
          "agency said rescuers were searching for people feared trapped near Takengon.")
ACEH_B = ("Earthquake Of Magnitude 6.1 Strikes Indonesia's Aceh Province Killing One",
          "An earthquake of magnitude 6.1 shook Aceh in western Indonesia on Tuesday. One child was "
          "killed and dozens were hurt in Bener Meriah district as homes fell, the national "
          "disaster agency said. Rescue teams reached Takengon by evening.")
ACEH_LATER = ("Strong earthquake rocks Aceh, residents flee to high ground",
              "A 7.2-magnitude earthquake struck off the coast of Aceh province on Wednesday, "
              "sending residents of Banda Aceh fleeing to high ground for fear of a tsunami, "
              "officials said. The quake was felt in Medan, and no warning was issued.")
# The same person's rehab, twice: the name is shared, the years and places are not.
REHAB_2008 = ("Lohan checks into rehab at Promises in Malibu",
              "Actress Lindsay Lohan checked into the Promises rehab centre in Malibu in 2008, "
              "her publicist said, after a night out in Hollywood ended with her car in a ditch.")
REHAB_2013 = ("Lohan begins court-ordered stay at Betty Ford Center",
              "Lindsay Lohan began a 90-day court-ordered stay at the Betty Ford Center in Rancho "
              "Mirage in 2013, a judge's order after she lied to police about a crash in Santa "
              "Monica.")
PORT = ("Mombasa dockworkers strike over unpaid overtime",
        "Dockworkers at the port of Mombasa in Kenya walked off the job on Monday over unpaid "
        "overtime, leaving dozens of container ships waiting at anchor off the coast.")
TEA = ("Kenyan tea prices slump at Mombasa auction",
       "Tea prices at the weekly auction in Mombasa fell to their lowest level in four years as "
       "buyers from Pakistan and Egypt held back orders.")

DAY = date(2013, 7, 2)


def _profile(*items: EventTerms) -> StoryProfile:
    profile = StoryProfile()
    for item in items:
        profile.add(item)
    return profile


def _score(a: tuple[str, str], day_a: date | None, b: tuple[str, str], day_b: date | None) -> float:
    return event_score(event_terms(*a, day_a), _profile(event_terms(*b, day_b)))


def test_the_same_event_in_other_words_scores_above_the_threshold():
    assert _score(ACEH_B, DAY, ACEH_A, DAY) >= THRESHOLD
    assert _score(ACEH_A, DAY, ACEH_B, date(2013, 7, 3)) >= THRESHOLD


def test_undated_rewrites_match_by_their_words_and_the_weekday_they_name():
    assert _score(ACEH_B, None, ACEH_A, None) >= THRESHOLD
    # No date is compared: the words, and the weekday both name ("on Tuesday").
    assert _score(ACEH_B, None, ACEH_A, DAY) == pytest.approx(
        cosine(event_terms(*ACEH_B, None), _profile(event_terms(*ACEH_A, DAY))) * (1 + WEEKDAY_BONUS))


def test_an_event_of_the_same_kind_in_the_same_place_years_later_stays_apart():
    assert _score(ACEH_LATER, date(2016, 12, 7), ACEH_A, DAY) < THRESHOLD
    assert _score(ACEH_LATER, None, ACEH_A, None) < THRESHOLD  # by words alone too


def test_the_same_person_in_rehab_twice_is_two_events_even_undated():
    assert _score(REHAB_2013, None, REHAB_2008, None) < THRESHOLD


def test_different_stories_of_one_city_on_one_day_stay_apart():
    day = date(2025, 3, 17)
    assert _score(TEA, day, PORT, day) < THRESHOLD


def test_the_publication_date_weighs_in_and_fades_with_the_days_apart():
    near = _score(ACEH_B, DAY, ACEH_A, DAY)
    month = _score(ACEH_B, date(2013, 8, 1), ACEH_A, DAY)
    year = _score(ACEH_B, date(2014, 7, 2), ACEH_A, DAY)
    assert near > month > year
    assert year < THRESHOLD


def test_no_date_is_invented():
    terms = event_terms(*ACEH_A, None)
    assert terms.day is None
    assert not [t for t in terms.vector if t.startswith("y")]
    assert "y2013" in event_terms(*ACEH_A, DAY).vector
    profile = _profile(terms)
    assert profile.first_day is None and profile.last_day is None


def test_numbers_are_read_whole_and_small_counts_are_ignored():
    assert number_term("6.1") == "#6.1"
    assert number_term("1,000") == "#1000"
    assert number_term("2009.") == "y2009"
    assert number_term("3") is None
    terms = event_terms("", "A 6.1-magnitude quake left 1,000 people and 3 towns without power.", None)
    assert {"#6.1", "#1000"} <= set(terms.vector)
    assert "#3" not in terms.vector and "#1" not in terms.vector


def test_capitals_in_mid_sentence_are_names_and_weigh_more():
    assert names_in("Rescuers reached Takengon. Bener Meriah was hit.") == {"Takengon", "Meriah"}
    assert names_in("Putin spoke. Later Putin left.") == {"Putin"}  # once in mid-sentence
    assert names_in("Putin spoke. Putin left.") == set()  # only ever opening a sentence
    named = event_terms("", "Crowds gathered in Felt on Monday.", None).vector
    plain = event_terms("", "Crowds gathered in felt on Monday.", None).vector
    assert named["felt"] > plain["felt"]


def test_days_and_months_are_no_names():
    terms = event_terms("", "Crowds gathered in Takengon on Tuesday, as in March.", None)
    assert "takengon" in terms.names
    assert not {"tuesday", "march"} & terms.names
    lower = event_terms("", "Crowds gathered in Takengon on tuesday, as in march.", None)
    assert terms.vector["tuesday"] == lower.vector["tuesday"]


def test_names_numbers_and_years_are_marked_and_stored_so():
    terms = event_terms("", "A 6.1-magnitude quake hit Takengon, the worst since 2004.", None)
    assert {"takengon", "#6.1", "y2004"} <= terms.names
    assert "quake" not in terms.names
    assert "takengon:" in encode_terms(terms) and decode_terms(encode_terms(terms), None) == terms


def test_reworded_reports_share_their_names_and_numbers():
    assert entity_mismatch(event_terms(*ACEH_B, None), _profile(event_terms(*ACEH_A, None))) < 0.35


def test_events_of_one_kind_differ_in_their_names_and_numbers():
    later = entity_mismatch(event_terms(*ACEH_LATER, None), _profile(event_terms(*ACEH_A, None)))
    rehab = entity_mismatch(event_terms(*REHAB_2013, None), _profile(event_terms(*REHAB_2008, None)))
    assert later > 0.5 and rehab > 0.5


QUAKE = ("Quake hits Aceh province", "A {m}-magnitude earthquake struck Aceh province near "
         "Takengon, killing {dead} people and destroying hundreds of houses, the disaster agency said.")


def test_figures_that_disagree_tell_two_events_apart():
    first = _profile(event_terms(QUAKE[0], QUAKE[1].format(m="6.1", dead="12"), None))
    same = event_terms(QUAKE[0], QUAKE[1].format(m="6.1", dead="12"), None)
    other = event_terms(QUAKE[0], QUAKE[1].format(m="7.2", dead="40"), None)
    assert entity_mismatch(same, first) == 0.0
    assert entity_mismatch(other, first) >= NUMBER_MISMATCH
    assert event_score(other, first) < event_score(same, first)


PATCH = ("Browser maker rushes out emergency fix",
         "The company released an emergency fix for a browser flaw that hackers used to steal "
         "passwords, its first such patch {year}, security researchers at Qualys said.")


def test_an_undated_report_naming_other_years_weighs_less():
    story = _profile(event_terms(PATCH[0], PATCH[1].format(year="this year"), date(2013, 9, 18)))
    other_year = event_terms(PATCH[0], PATCH[1].format(year="since 2008"), None)
    no_year = event_terms(PATCH[0], PATCH[1].format(year="since spring"), None)
    this_year = event_terms(PATCH[0], PATCH[1].format(year="since 2013"), None)
    assert years_differ(other_year, story)
    assert not years_differ(no_year, story) and not years_differ(this_year, story)
    assert event_score(other_year, story) == pytest.approx(
        cosine(other_year, story) * (1.0 - YEAR_PENALTY), rel=1e-6)
    assert event_score(no_year, story) >= THRESHOLD  # no date invented, words alone suffice


# Two raids of one kind, told alike, that fell on different days of the week.
RAID = ("Armed gang raids jewellery store in Antwerp",
        "An armed gang raided a jewellery store in the diamond district of Antwerp on {day}, "
        "threatening staff with guns and escaping with gems worth millions, police said. Officers "
        "sealed off the street and questioned witnesses at the store.")


def test_undated_reports_naming_other_weekdays_weigh_less():
    monday = event_terms(RAID[0], RAID[1].format(day="Monday"), None)
    friday = event_terms(RAID[0], RAID[1].format(day="Friday"), None)
    unsaid = event_terms(RAID[0], RAID[1].format(day="night"), None)
    assert monday.days == {"monday"} and not unsaid.days
    story = _profile(monday)
    assert event_score(friday, story) == pytest.approx(
        cosine(friday, story) * (1.0 - WEEKDAY_PENALTY), rel=1e-6)
    assert event_score(unsaid, story) == pytest.approx(cosine(unsaid, story), rel=1e-6)
    again = event_terms(RAID[0], RAID[1].format(day="Monday") + " Jewellers met on Friday.", None)
    assert event_score(again, story) == pytest.approx(
        cosine(again, story) * (1.0 + WEEKDAY_BONUS), rel=1e-6)
    # Both dated, the dates tell the days apart: the weekdays add nothing.
    dated = event_terms(RAID[0], RAID[1].format(day="Friday"), DAY)
    assert event_score(dated, _profile(event_terms(RAID[0], RAID[1].format(day="Monday"), DAY))) \
        >= THRESHOLD
    # A story holds the weekdays of all its members.
    assert _profile(monday, friday).days == {"monday", "friday"}
    assert decode_terms(encode_terms(friday), None) == friday


def test_months_count_as_weekdays_do_and_only_as_news_writes_them():
    terms = event_terms("Strike called for Dec. 11", "Unions said on Tuesday that they would march "
                        "in November and may walk out again. May brings talks, SEPT. 3 a vote.", None)
    assert terms.days == {"december", "tuesday", "november", "september"}
    story = _profile(event_terms("", "Dockers walked out in November, on a Monday.", None))
    same_month = event_terms("", "Dockers walked out in November, on a Friday.", None)
    other_month = event_terms("", "Dockers walked out in April.", None)
    assert calendar_agreement(same_month.days, story.days) == pytest.approx(
        (1 + MONTH_BONUS) * (1 - WEEKDAY_PENALTY))
    assert calendar_agreement(other_month.days, story.days) == pytest.approx(1 - MONTH_PENALTY)
    assert calendar_agreement(frozenset(), story.days) == 1.0


# Two heists of one kind, told alike, with their own figures.
HEIST = ("Gunmen rob armoured van outside Lyon bank",
         "Gunmen robbed an armoured van outside a bank in Lyon, taking {sum} million euros, police "
         "said. The {crew} robbers fled in {cars} cars after firing shots into the air, and {hurt} "
         "guards were treated for shock.")


def test_undated_reports_giving_other_figures_weigh_less(monkeypatch):
    first = event_terms(HEIST[0], HEIST[1].format(sum=12, crew=15, cars=20, hurt=11), None)
    other = event_terms(HEIST[0], HEIST[1].format(sum=40, crew=25, cars=30, hurt=18), None)
    shared = event_terms(HEIST[0], HEIST[1].format(sum=12, crew=25, cars=30, hurt=18), None)
    few = event_terms(HEIST[0], HEIST[1].format(sum=40, crew="six", cars="two", hurt="two"), None)
    story = _profile(first)
    assert figures_differ(other, story)
    assert not figures_differ(shared, story)  # one figure in common is enough
    assert not figures_differ(few, story)  # a single figure tells little
    penalised = event_score(other, story, 0.0)
    monkeypatch.setattr(events, "figures_differ", lambda item, profile: False)
    assert penalised == pytest.approx(event_score(other, story, 0.0) * (1.0 - FIGURES_PENALTY))


def test_the_opening_lines_weigh_more_than_background_further_down():
    filler = " The market reopened and traders went back to work." * (HEAD_CHARS // 40)
    opening = event_terms("", "Police arrested Kowalski in Gdansk." + filler, None).vector
    background = event_terms("", "Police arrested Nowak in Gdansk." + filler
                             + " Police held Kowalski in 2008.", None).vector
    assert opening["kowalski"] / opening["gdansk"] == pytest.approx(1.0, rel=0.01)
    assert background["kowalski"] / background["gdansk"] == pytest.approx(1 / HEAD_BOOST, rel=0.01)


def test_story_profiles_rank_equal_names_the_same_in_every_process():
    # A set's order follows the hash seed: ties among a story's strongest names must not.
    script = ("from news.similarity.events import StoryProfile, event_terms\n"
              "p = StoryProfile()\n"
              "p.add(event_terms('', 'Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India met "
              "Juliet, Kilo, Lima and Mike in Oscar.', None))\n"
              "print(p.entities)")
    seen = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in range(6)}
    assert len(seen) == 1, seen


def test_headline_capitals_are_names_only_in_a_sentence_case_headline():
    title_case = event_terms("Quake Strikes Aceh Province", "", None).vector
    sentence = event_terms("Quake strikes Aceh province", "", None).vector
    lower = event_terms("quake strikes aceh province", "", None).vector
    assert title_case == lower  # every word capitalised: capitals tell nothing
    assert sentence["aceh"] / sentence["strike"] > lower["aceh"] / lower["strike"]


def test_an_item_keeps_its_strongest_terms_at_unit_length():
    body = " ".join(f"Word{chr(97 + i)}{chr(97 + j)} met Zed{i}{j}." for i in range(10) for j in range(10))
    terms = event_terms("", body, None)
    assert len(terms.vector) <= MAX_TERMS
    assert sum(w * w for w in terms.vector.values()) == pytest.approx(1.0, abs=0.01)
    assert terms.keys == tuple(terms.vector)[:INDEX_KEYS]
    assert list(terms.vector.values()) == sorted(terms.vector.values(), reverse=True)


def test_stored_terms_read_back_the_same():
    terms = event_terms(*ACEH_A, DAY)
    assert decode_terms(encode_terms(terms), DAY) == terms
    assert decode_terms("", None).vector == {}


def test_a_story_profile_sums_its_members_and_spans_their_dates():
    a, b, c = event_terms(*ACEH_A, DAY), event_terms(*ACEH_B, date(2013, 7, 4)), event_terms(*ACEH_B, None)
    profile = _profile(a, b, c)
    assert profile.size == 3
    assert (profile.first_day, profile.last_day) == (DAY, date(2013, 7, 4))
    assert dict(zip(profile.terms, profile.weights, strict=True))["aceh"] == pytest.approx(
        a.vector["aceh"] + b.vector["aceh"] + c.vector["aceh"], rel=1e-4)


def test_terms_that_many_held_stories_share_weigh_less_when_looking():
    terms = event_terms(*ACEH_A, DAY)
    alone = store_query(terms, {}, 100)
    common = store_query(terms, {"aceh": 100}, 100)
    assert alone.vector == pytest.approx(terms.vector, abs=0.002)
    assert common.vector["aceh"] < terms.vector["aceh"] / 3
    assert sum(w * w for w in common.vector.values()) == pytest.approx(1.0)


def _cluster(items: list[tuple[tuple[str, str], date | None]]) -> list[int]:
    """Cluster items one at a time; return each one's story (the position that started it)."""
    index = EventIndex()
    stories = []
    for n, (text, day) in enumerate(items):
        terms = event_terms(*text, day)
        found = index.match(terms)
        story = found.story_id if found else n
        for other in found.absorbs if found else ():
            index.merge(story, other)
            stories = [story if s == other else s for s in stories]
        index.add(story, terms)
        stories.append(story)
    return stories


def _partition(items, stories) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for (text, _), story in zip(items, stories, strict=True):
        groups.setdefault(story, set()).add(text[0])
    return {frozenset(g) for g in groups.values()}


SMALL_SET = [(ACEH_A, DAY), (ACEH_B, date(2013, 7, 3)), (ACEH_LATER, date(2016, 12, 7)),
             (REHAB_2008, None), (REHAB_2013, date(2013, 5, 3)), (PORT, date(2025, 3, 17)),
             (TEA, date(2025, 3, 17))]


def test_stories_do_not_depend_on_the_order_items_arrive_in():
    expected = {frozenset({ACEH_A[0], ACEH_B[0]})} | {
        frozenset({text[0]}) for text, _ in SMALL_SET if text not in (ACEH_A, ACEH_B)}
    for order in itertools.permutations(SMALL_SET):
        assert _partition(order, _cluster(list(order))) == expected


def test_candidates_are_bounded_whatever_the_number_of_stories():
    index = EventIndex()
    for n in range(500):  # stories all posted under the same key
        index.add(n, EventTerms({"aceh": 0.8, f"other{n}": 0.6}, None))
    item = EventTerms({"aceh": 1.0}, None)
    assert len(index.candidates(item)) == event_index.SHORTLIST
    assert len(index._postings["aceh"]) == event_index.POSTING_MAX
    assert set(index.candidates(item)) <= set(range(500 - event_index.POSTING_MAX, 500))


def test_the_least_recently_touched_stories_go_first_when_full():
    index = EventIndex(max_stories=2)
    a, b = event_terms(*ACEH_A, DAY), event_terms(*REHAB_2008, None)
    index.add(1, a)
    index.add(2, b)
    index.add(1, event_terms(*ACEH_B, DAY))  # story 1 touched again
    index.add(3, event_terms(*PORT, None))
    assert 2 not in index and 1 in index and 3 in index
    assert all(2 not in posting for posting in index._postings.values())
    assert index.match(b) is None  # the rehab story is no candidate any more
    index.discard(1)
    assert 1 not in index and index.match(a) is None
    assert set(index._holding) == set(index.profile(3).terms)  # term counts follow the profiles


# Two deaths of people of one scandal: the same background names, a different person.
OBITUARY = ("{name} of Watergate dies",
            "{first} {name}, a Watergate figure and aide in the Nixon administration, died in his "
            "sleep in Biloxi, his family said. {name} told the FBI and the Washington Post what he "
            "knew of the scandal that brought down Richard Nixon.")


def test_the_deaths_of_two_people_of_one_scandal_are_two_events():
    story = _profile(event_terms(*(s.format(first="Ned", name="Harlan") for s in OBITUARY), None))
    same = event_terms(*(s.format(first="Edward", name="Harlan") for s in OBITUARY), None)
    other = event_terms(*(s.format(first="Walt", name="Kessing") for s in OBITUARY), None)
    assert entity_mismatch(same, story) < NAME_MISMATCH <= entity_mismatch(other, story)
    assert event_score(other, story) < event_score(same, story)


# The Aceh quake as a third outlet tells it: close to both reports above.
ACEH_C = ("Child killed as 6.1 quake hits Aceh highlands",
          "A magnitude 6.1 earthquake struck Aceh province in Indonesia on Tuesday, killing a child "
          "in Bener Meriah district, where houses collapsed and dozens were injured, the disaster "
          "agency said. Rescue teams reached Takengon.")


def test_two_reports_of_one_event_link_and_two_events_do_not():
    a, b, c = (event_terms(*text, DAY) for text in (ACEH_A, ACEH_B, ACEH_C))
    later = event_terms(*ACEH_LATER, date(2016, 12, 7))
    assert linkage([a, b], [c]) >= event_index.LINK_THRESHOLD
    assert linkage([a, b], [later]) < event_index.LINK_THRESHOLD
    assert linkage([a], []) == 0.0


def test_an_item_fitting_two_stories_of_its_event_merges_them():
    index = EventIndex()
    index.add(1, event_terms(*ACEH_A, DAY))
    index.add(2, event_terms(*ACEH_B, DAY))  # begun apart, as if worded too differently to meet
    index.add(3, event_terms(*ACEH_LATER, date(2016, 12, 7)))
    found = index.match(event_terms(*ACEH_C, DAY))
    assert found is not None and found.story_id in (1, 2)
    assert found.absorbs == (3 - found.story_id,)  # the other report of the quake, not the later quake


def test_a_merged_story_is_found_under_the_keys_of_both():
    index = EventIndex()
    a, b = event_terms(*ACEH_A, DAY), event_terms(*ACEH_B, DAY)
    index.add(1, a)
    index.add(2, b)
    index.merge(1, 2)
    assert 2 not in index and index.profile(1).size == 2
    assert all(1 in index._postings[key] for key in (*a.keys, *b.keys))
    assert not any(2 in posting for posting in index._postings.values())
    assert set(index._holding) == set(index.profile(1).terms)
    assert index.profile(1).first_day == DAY
    index.merge(1, 2)  # gone already: nothing happens
    index.merge(1, 1)
    assert index.profile(1).size == 2


def test_the_biggest_of_the_merged_stories_takes_the_others_in():
    index = EventIndex()
    index.add(1, event_terms(*ACEH_A, DAY))
    index.add(2, event_terms(*ACEH_B, DAY))
    index.add(2, event_terms(*ACEH_B, DAY))  # story 2 told twice: the bigger one
    found = index.match(event_terms(*ACEH_C, DAY))
    assert found is not None and (found.story_id, found.absorbs) == (2, (1,))
