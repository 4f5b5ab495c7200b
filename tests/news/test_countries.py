"""Country gazetteer and tagger: ambiguity rules, ranking, lookups, build reproducibility, seeds."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date, timedelta

import pytest

from news.countries.gazetteer import load_gazetteer
from news.countries.lookup import (
    Country,
    UnknownCountryError,
    country_name,
    country_of,
    display_country,
    flag_emoji,
    resolve_country,
)
from news.countries.tagger import _touching_word, tag_countries
from tests.paths import ROOT, seeds_folder

SEEDS = seeds_folder()


def codes(body: str, title: str = "") -> set[str]:
    """Return the set of country codes tagged in a body (and optional title)."""
    return {tag.code for tag in tag_countries(title, body)}


def mentions(body: str, title: str = "") -> dict[str, int]:
    """Return code -> mention count."""
    return {tag.code: tag.mentions for tag in tag_countries(title, body)}


# --- ambiguity rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Troops from Chad joined the mission.", {"TD"}),
        ("Voters argued over a hanging chad in the recount.", set()),
        ("Turkey hosted the talks on grain exports.", {"TR"}),
        ("The family roasted a turkey for the holiday.", set()),
        ("Officials in Türkiye and Turkiye agreed.", {"TR"}),
        ("The king of Jordan met envoys in Amman.", {"JO"}),
        ("Fans cheered as Michael Jordan waved to the crowd.", set()),
        ("The lecture by Jordan Peterson sold out.", set()),
        ("Oil flows from Niger rose.", {"NE"}),
        ("Oil flows from Nigeria rose.", {"NG"}),
        ("Elections in Guinea-Bissau were delayed.", {"GW"}),
        ("Gas fields off Equatorial Guinea attract investors.", {"GQ"}),
        ("Mining in Papua New Guinea expanded.", {"PG"}),
        ("A coup in Guinea shocked the region.", {"GN"}),
        ("Pirates raided ships in the Gulf of Guinea.", set()),
        ("Hurricane relief reached Dominica first.", {"DM"}),
        ("Tourism in the Dominican Republic recovered.", {"DO"}),
        ("Navies patrolled the Indian Ocean.", set()),
        ("The museum covers American Indian history.", set()),
        ("Farmers in Indiana planted early.", {"US"}),  # the US state, never India
        ("Drought hit New Mexico and New Jersey.", {"US"}),  # US states, not Mexico or Jersey
        ("Drought hit New  Mexico and New\tJersey.", {"US"}),
        ("A New      Mexico? No: Mexico.", {"MX"}),  # "New" too far away
        ("Renew Mexico ties.", {"MX"}),
        ("The Washington Post published the leak on Washington", {"US"}),
        ("Sanctions on Russia\tPost Office staff", set()),
        ("Trade with Mexico grew.", {"MX"}),
        ("Diplomats met in New Delhi.", {"IN"}),
        ("The Russian Civic Chamber issued a statement.", {"RU"}),
        ("Refugees crossed from South Sudan.", {"SS"}),
        ("Refugees crossed from Sudan.", {"SD"}),
        ("Denzel Washington won an award.", set()),
        ("A statue of George Washington was restored.", set()),
        ("The Washington Post published the leak.", set()),
        ("Washington imposed new tariffs.", {"US"}),
        ("The Kremlin rejected the proposal.", {"RU"}),
        ("Officials in Kyiv and Kiev disagreed on spelling.", {"UA"}),
        ("A Russian-Tajik industrial park opened.", {"RU", "TJ"}),
        ("Sanctions hit Sino-Russian trade.", {"CN", "RU"}),
        ("Latin American leaders met.", set()),
        ("The U.S. and the UK signed a pact.", {"US", "GB"}),
        ("Prices were quoted in US$ terms.", set()),
    ],
)
def test_ambiguous_names_in_sentences(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


def test_georgia_is_the_us_state_with_us_context() -> None:
    body = "Georgia's governor visited Atlanta. Georgia voters return to the polls in Cobb County."
    assert "GE" not in codes(body)


def test_georgia_is_the_country_with_caucasus_context() -> None:
    body = "Protesters filled Tbilisi. Georgia's ruling party and Georgian officials disagreed."
    assert mentions(body)["GE"] == 3


def test_georgia_defaults_to_the_country_without_context() -> None:
    assert codes("Georgia signed a trade pact.") == {"GE"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Rebels advanced in the Democratic Republic of the Congo.", {"CD"}),
        ("The DRC and DR Congo are the same country.", {"CD"}),
        ("Talks opened in Kinshasa.", {"CD"}),
        ("Talks opened in Brazzaville.", {"CG"}),
        ("The Republic of the Congo exports oil.", {"CG"}),
        ("Congo's leader spoke in Brazzaville.", {"CG"}),
        ("Fighting in Congo spread near Goma.", {"CD"}),
        ("Congo announced a new cabinet.", {"CD"}),  # documented default: the DRC
    ],
)
def test_congo_rules(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Tension is rising on the Korean Peninsula.", {}),
        ("Korea reported record chip exports.", {"KR": 1}),
        ("North Korea launched a missile; Korean state media praised it.", {"KP": 2}),
        ("North Korea and South Korea held talks; Korea watchers were surprised.", {"KP": 1, "KR": 1}),
        ("Pyongyang and Seoul traded insults.", {"KP": 1, "KR": 1}),
    ],
)
def test_korea_rules(body: str, expected: dict[str, int]) -> None:
    assert mentions(body) == expected


def test_all_caps_title_is_recased_and_us_pronoun_ignored() -> None:
    tags = {t.code for t in tag_countries("NORTH KOREA WARNS US AS RUSSIA WATCHES", "")}
    assert tags == {"KP", "RU"}


def test_all_caps_title_keeps_acronyms() -> None:
    assert codes("", title="UK AND UAE SIGN TRADE DEAL") == {"GB", "AE"}


def test_title_case_headline_keeps_country_before_capitalised_word() -> None:
    assert codes("", title="Protests Erupt In Jordan Over Fuel Prices") == {"JO"}


def test_curly_apostrophe_and_line_break_in_names() -> None:
    assert codes("Cocoa from Côte d’Ivoire reached New\nDelhi.") == {"CI", "IN"}


# --- ranking --------------------------------------------------------------------------------


def test_scores_weight_title_lead_and_body() -> None:
    body = "Lead sentence about Kenya. Second sentence.\n\nLater, Kenya and Peru were mentioned."
    tags = {t.code: t for t in tag_countries("Brazil holds talks", body)}
    assert tags["BR"].score == 3.0 and tags["BR"].about
    assert tags["KE"].score == 3.0 and tags["KE"].mentions == 2 and tags["KE"].about
    assert tags["PE"].score == 1.0 and not tags["PE"].about


def test_body_only_country_with_large_share_is_about() -> None:
    body = "A quiet opening line.\n\nChile spoke. Chile voted. Chile won. Peru abstained."
    tags = {t.code: t for t in tag_countries("Regional vote", body)}
    assert tags["CL"].about and tags["CL"].mentions == 3
    assert not tags["PE"].about


def test_tags_sorted_about_first_then_score() -> None:
    body = (
        "Canada and Japan agreed. Nothing else here.\n\n"
        "Japan again. Norway and Fiji, then Norway. Canada, Canada, Canada, Canada."
    )
    tags = tag_countries("Canada summit", body)
    assert [(t.code, t.score) for t in tags] == [("CA", 9.0), ("JP", 3.0), ("NO", 2.0), ("FJ", 1.0)]
    # Norway has two mentions but less than a quarter of Canada's score: a mention only.
    assert [t.about for t in tags] == [True, True, False, False]


def test_empty_input_gives_no_tags() -> None:
    assert tag_countries("", "") == []


# --- lookups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("IN", "IN"),
        ("in", "IN"),
        ("ind", "IN"),
        ("India", "IN"),
        ("russia", "RU"),
        ("Russian Federation", "RU"),
        ("UK", "GB"),
        ("u.s.", "US"),
        ("USA", "US"),
        ("Turkey", "TR"),
        ("türkiye", "TR"),
        ("ivory coast", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Czech Republic", "CZ"),
        ("the Netherlands", "NL"),
        ("Kosovo", "XK"),
        ("korea, republic of", "KR"),
        ("  Vietnam ", "VN"),
        ("Ukrainian", "UA"),
    ],
)
def test_resolve_country(text: str, code: str) -> None:
    assert resolve_country(text) == code


def test_resolve_country_unknown_suggests_close_name() -> None:
    with pytest.raises(UnknownCountryError) as err:
        resolve_country("Indai")
    assert isinstance(err.value, ValueError)
    assert err.value.suggestions == ["IN"]
    assert str(err.value) == 'unknown country "Indai"; did you mean India (IN)?'


def test_resolve_country_ambiguous_name_lists_candidates() -> None:
    with pytest.raises(UnknownCountryError) as err:
        resolve_country("Korea")
    assert set(err.value.suggestions) == {"KR", "KP"}


def test_resolve_country_gibberish_has_no_suggestion() -> None:
    with pytest.raises(UnknownCountryError) as err:
        resolve_country("qqqqzz")
    assert err.value.suggestions == []
    assert str(err.value) == 'unknown country "qqqqzz"'


@pytest.mark.parametrize(
    ("code", "name"),
    [("RU", "Russia"), ("ir", "Iran"), ("KR", "South Korea"), ("US", "United States"),
     ("GB", "United Kingdom"), ("VN", "Vietnam"), ("XK", "Kosovo")],
)
def test_country_name(code: str, name: str) -> None:
    assert country_name(code) == name


def test_flag_emoji_is_two_regional_indicators() -> None:
    assert flag_emoji("in") == flag_emoji(" IN ") == "\U0001f1ee\U0001f1f3"
    assert flag_emoji("QQ") == "\U0001f1f6\U0001f1f6"  # the formula alone does not validate
    assert flag_emoji("x1") == flag_emoji("USA") == flag_emoji("") == ""


def test_country_of_names_and_flags_known_codes_only() -> None:
    assert country_of("in") == Country("IN", "India", "\U0001f1ee\U0001f1f3")
    with pytest.raises(UnknownCountryError):
        country_of("QQ")


def test_display_country_shows_an_unknown_code_as_itself() -> None:
    assert display_country("kr") == Country("KR", "South Korea", "\U0001f1f0\U0001f1f7")
    assert display_country("qq") == Country("QQ", "QQ", "")


def test_gazetteer_is_complete() -> None:
    names = load_gazetteer().names
    assert len(names) >= 249
    assert names["FR"] == "France" and names["XK"] == "Kosovo"


# --- build script ---------------------------------------------------------------------------


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_countries", ROOT / "scripts" / "build_countries.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def test_build_script_reproduces_committed_json() -> None:
    pycountry = pytest.importorskip("pycountry", reason="pycountry is a build-time dependency")
    committed = (ROOT / "news" / "countries" / "data" / "countries.json").read_text(encoding="utf-8")
    if json.loads(committed)["pycountry_version"] != getattr(pycountry, "__version__", "unknown"):
        pytest.skip("installed pycountry differs from the one the JSON was built with")
    build = _load_build_script()
    aliases = json.loads(build.ALIASES_PATH.read_text(encoding="utf-8"))
    assert build.render(build.build(aliases)) == committed


def test_build_script_rejects_alias_pointing_to_two_countries() -> None:
    pytest.importorskip("pycountry", reason="pycountry is a build-time dependency")
    build = _load_build_script()
    aliases = json.loads(build.ALIASES_PATH.read_text(encoding="utf-8"))
    aliases["countries"]["FR"]["names"].append("Moscow")
    with pytest.raises(SystemExit, match="Moscow"):
        build.build(aliases)


# --- seeds ----------------------------------------------------------------------------------


def _seed(prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _naive_stories(text: str) -> list[tuple[str, str]]:
    """Split a newsletter on its source lines: the line before is the title, then the body."""
    lines = text.splitlines()
    sources = [i for i, line in enumerate(lines) if "](#)," in line]

    def title_at(i: int) -> int:
        j = i - 1
        while j > 0 and not lines[j].strip():
            j -= 1
        return j

    ends = [title_at(i) for i in sources[1:]] + [len(lines)]
    return [(lines[title_at(i)], "\n".join(lines[i + 1 : end])) for i, end in zip(sources, ends, strict=True)]


@pytest.mark.seeds
def test_seed_newsletter_serbia_story_tags_serbia_and_russia() -> None:
    stories = _naive_stories(_seed("000"))
    serbian = [(t, b) for t, b in stories if "Serbia" in t and "sanction" in t.lower()]
    assert serbian
    assert {"RS", "RU"} <= codes(serbian[0][1], serbian[0][0])


@pytest.mark.seeds
def test_seed_001_is_about_india_and_russia() -> None:
    title, _, body = _seed("001").strip().partition("\n")
    about = {t.code for t in tag_countries(title, body) if t.about}
    assert {"IN", "RU"} <= about


@pytest.mark.seeds
def test_seed_004_mentions_china_russia_north_korea() -> None:
    title, _, body = _seed("004").strip().partition("\n")
    assert {"CN", "RU", "KP"} <= codes(body, title)


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Michael Jordan scored", "before"),
        ("Talks with Jordan Peterson", "after"),
        ("The talks in Jordan ended", ""),
        ("In Jordan today", ""),  # a function word before, a lowercase word after
    ],
)
def test_touching_word_tells_the_side(text: str, side: str) -> None:
    start = text.index("Jordan")
    assert _touching_word(text, start, start + len("Jordan")) == side


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Talks Resume In Jordan Amid Unrest", {"JO"}),  # title case: the word after is no name
        ("Jordan Peterson speaks", set()),
        ("Visitors to Jordan Valley farms were many", set()),
    ],
)
def test_person_risk_alias_with_capitalised_word_after(title: str, expected: set[str]) -> None:
    assert codes("", title) == expected



# --- institutions, landmarks, regional demonyms, surnames -----------------------------------


def about(body: str, title: str = "") -> list[str]:
    """Return the about countries, lead first."""
    return [tag.code for tag in tag_countries(title, body) if tag.about]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Scotland Yard detectives arrested a man on Tuesday.", "GB"),
        ("Officers from New Scotland Yard arrested a man.", "GB"),
        ("NHS waiting lists grew again this winter.", "GB"),
        ("Gardaí are investigating the death of a man.", "IE"),
        ("The FBI opened an inquiry into the shooting.", "US"),
        ("The Bundestag approved the budget.", "DE"),
        ("Thieves struck a jeweller near the Champs-Elysees.", "FR"),
        ("Two climbers died on Mt Cook at the weekend.", "NZ"),
        ("A ferry capsized on Lake Garda.", "IT"),
        ("The Carabinieri arrested the Cosa Nostra boss.", "IT"),
        ("The Taj Mahal closed to visitors after the floods.", "IN"),
    ],
)
def test_a_national_institution_or_landmark_names_its_country(body: str, code: str) -> None:
    assert about(body) == [code]


def test_an_institution_alone_in_the_body_places_the_story() -> None:
    # Like a town ("a hotel room in Biloxi"), unlike a lone country name ("the US company").
    body = "The mob boss died in prison on Monday.\n\nHe was 77.\n\nA spokeswoman for the FBI confirmed the death."
    assert about(body) == ["US"]
    body = "The software maker released a patch on Monday.\n\nIt said.\n\nThe US company said no more."
    assert about(body) == []


def test_an_institution_after_a_first_name_stays_an_institution() -> None:
    assert codes("He served in the Clinton White House.") == {"US"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A Sicilian court jailed the men for life.", ["IT"]),
        ("Bavarian police closed the motorway.", ["DE"]),
        ("Texans voted on Tuesday.", ["US"]),
    ],
)
def test_a_regional_demonym_names_its_country(body: str, expected: list[str]) -> None:
    assert about(body) == expected


def test_a_regional_demonym_for_a_person_is_an_origin() -> None:
    tags = tag_countries("", "Kenya hosted the film festival, where a Texan actor won a prize.")
    assert [(t.code, t.about) for t in tags] == [("KE", True), ("US", False)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Christine Monaco, a spokeswoman for the agency, said.", set()),
        ("Rep. Steve Israel said the vote was close.", set()),
        ("Novelist Jack London wrote about gold miners.", set()),
        ("In June Britain voted to leave.", {"GB"}),  # a month, not a first name
        ("The monks of Christian Armenia kept the manuscripts.", {"AM"}),
    ],
)
def test_a_country_name_after_a_first_name_is_a_surname(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


def test_georgia_before_a_common_noun_is_the_us_state() -> None:
    # A state is used attributively ("a Georgia judge"); the country takes its demonym.
    assert codes("A Georgia judge handed the gunman four life sentences.") == {"US"}
    assert codes("A Georgian judge jailed the opposition leader.") == {"GE"}


# Office holders: heads of state and government as country signals (data/leaders.json).
SPRING_2009 = date(2009, 3, 3)


def tags_on(body: str, day: date | None = None, title: str = "") -> list[tuple[str, bool]]:
    """Return (code, about) of every tag, in the tagger's order, for an item dated *day*."""
    return [(t.code, t.about) for t in tag_countries(title, body, day)]


@pytest.mark.parametrize(
    "body",
    [
        "President Obama signed the order on Tuesday.",  # a title and a surname
        "Barack Obama signed the order on Tuesday.",  # the full name
        "The Obama administration reversed the rule on Tuesday.",  # the administration
        "Obama's government reversed the rule on Tuesday.",
    ],
)
def test_a_sitting_leader_alone_places_the_story_in_his_country(body: str) -> None:
    assert tags_on(body, SPRING_2009) == [("US", True)]


def test_each_office_needs_its_own_title() -> None:
    assert tags_on("Chancellor Merkel spoke on Tuesday.", date(2010, 5, 4)) == [("DE", True)]
    assert tags_on("Prime Minister Merkel spoke on Tuesday.", date(2010, 5, 4)) == []


def test_a_leader_outside_his_term_is_no_signal() -> None:
    assert tags_on("President Obama signed the order on Tuesday.", date(1999, 3, 3)) == []
    assert tags_on("Prime Minister Cameron met the press.", date(2020, 1, 9)) == []


def test_a_president_elect_counts_in_the_months_before_the_term() -> None:
    assert tags_on("President-elect Obama named his cabinet.", date(2008, 12, 1)) == [("US", True)]
    assert tags_on("President-elect Obama named his cabinet.", date(2011, 12, 1)) == []


def test_a_name_two_leaders_share_in_the_same_years_is_no_signal() -> None:
    # Saudi Arabia's King Abdullah (2005-2015) and Jordan's (since 1999).
    assert tags_on("King Abdullah opened the session.", date(2010, 3, 3)) == []
    assert tags_on("King Abdullah opened the session.", date(2020, 3, 3)) == [("JO", True)]


def test_a_leader_abroad_is_a_mention_where_the_events_happen_leads() -> None:
    day = date(2013, 6, 18)
    assert tags_on("President Obama arrived in Berlin for talks.", day) == [("DE", True), ("US", False)]
    met = tags_on("President Obama met President Putin in Moscow on Monday.", day)
    assert met == [("RU", True), ("US", False)]


def test_a_leader_never_reorders_the_places_of_the_item() -> None:
    body = "Talks in Paris ended. In Washington, President Obama called Chancellor Merkel."
    assert tags_on(body, date(2013, 6, 18))[0] == ("FR", True)


def test_undated_a_unique_surname_counts_in_the_title_or_lead_only() -> None:
    assert tags_on("The Bush administration cut protections for wildlife.") == [("US", True)]
    # Kim: South Korean presidents and North Korean leaders share the surname.
    assert tags_on("President Kim met his advisers on Monday.") == []
    late = "The film opened on Friday.\n\nCritics were kind.\n\nShe wore a Queen Elizabeth II costume."
    assert tags_on(late) == []


def test_a_bare_surname_counts_only_after_a_strong_form() -> None:
    assert tags_on("Obama said the rule was wrong.", SPRING_2009) == []
    after = tag_countries("", "President Obama spoke on Tuesday. Obama said the rule was wrong.", SPRING_2009)
    assert [(t.code, t.mentions) for t in after] == [("US", 2)]
    # A namesake with a first name is someone else.
    assert tags_on("The Saints placed Reggie Bush on injured reserve. Bush was hurt.") == []


def test_a_former_leader_or_a_thing_named_after_one_is_no_signal() -> None:
    assert tags_on("Former President Bush opened a library.", SPRING_2009) == []
    assert tags_on("She was treated at Queen Elizabeth Hospital.") == []


def test_an_office_only_one_country_has_places_the_story_when_nothing_else_does() -> None:
    assert tags_on("Interior Secretary Ken Salazar rescinded the rule.") == [("US", True)]
    assert tags_on("Interior Secretary Ken Salazar spoke in Manila on Friday.") == [("PH", True), ("US", False)]


def test_the_item_date_comes_from_the_text_when_not_given() -> None:
    assert tags_on("3 March 1999. President Obama signed the order.") == []
    assert tags_on("3 March 2009. President Obama signed the order.") == [("US", True)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A nationality that describes a person is where the person comes from, not where.
        ("Klitschko stopped the 40-year-old American in the sixth round in Berne.", [("CH", True), ("US", False)]),
        ("He beat American challenger Tony Thompson in Berne.", [("CH", True), ("US", False)]),
        ("The host, Australian Hugh Jackman, arrived in Los Angeles.", [("US", True), ("AU", False)]),
        ("A ship flying an Ethiopian flag was attacked. The Indian Navy responded.", [("IN", True), ("ET", False)]),
        ("Chinese security researchers found the flaw.", [("CN", False)]),
        # The title of a work is no mention at all.
        ('The "American Pie" star checked into rehab.', []),
    ],
)
def test_a_demonym_describing_a_person_is_an_origin(body: str, expected: list[tuple[str, bool]]) -> None:
    assert tags_on(body) == expected


def test_the_leaders_table_is_consistent() -> None:
    # Every form compiles to a known country; terms of one office in one country do not
    # overlap by more than an acting term ("acting Prime Minister Olmert", Jan-Apr 2006).
    holders = load_gazetteer().leaders
    names = load_gazetteer().names
    terms: dict[tuple[str, str], list] = {}
    for leader in holders.people:
        assert leader.country in names
        for term in leader.terms:
            assert date(1940, 1, 1) < term.start < (term.end or date.max)
            terms.setdefault((leader.country, term.office), []).append(term)
    for (country, office), held in terms.items():
        held.sort(key=lambda t: t.start)
        for before, after in zip(held, held[1:], strict=False):
            assert after.start >= before.end - timedelta(days=120), (country, office, after)
    assert "President Obama" in holders.forms and "Interior Secretary" in holders.forms
