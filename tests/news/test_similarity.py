"""Tests for news.similarity.features: hashes, MinHash/LSH and the same-story score."""

from __future__ import annotations

import hashlib
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from news.similarity.features import (
    _PRIME,
    BANDS,
    NUM_PERM,
    SAME_STORY_THRESHOLD,
    _coefficients,
    content_hash,
    estimated_jaccard,
    features_for,
    lsh_bands,
    minhash,
    normalize_for_hash,
    same_story,
    shingles,
    signature_from_bytes,
    signature_to_bytes,
    title_similarity,
)

DAY = date(2025, 3, 14)

AGENCY_TITLE = "Kenya central bank cuts key rate to support lending"
AGENCY_BODY = (
    "Kenya's central bank lowered its benchmark interest rate by half a percentage point on "
    "Thursday, saying slower inflation gave it room to help businesses borrow. "
    "The monetary policy committee cut the rate to 10.75 per cent, the third reduction since "
    "August, in a decision most analysts had expected. "
    "Governor Amina Odhiambo told reporters that private sector credit had grown too slowly "
    "over the past year and that banks should pass the lower cost on to customers. "
    "Inflation eased to 3.5 per cent in February, helped by cheaper food and a steadier "
    "shilling against the dollar. "
    "The committee said it would keep watching fuel prices, which remain a risk to the "
    "outlook, and would meet again in April."
)
REWRITE_TITLE = "Borrowing set to get cheaper as Nairobi trims interest rates again"
REWRITE_BODY = (
    AGENCY_BODY.replace("on Thursday", "on Thursday afternoon")
    + " Business groups in Nairobi welcomed the move but said lenders were slow to react."
)
OTHER_TITLE = "Floods displace thousands in western Kenya after days of heavy rain"
OTHER_BODY = (
    "Heavy rain over the past week has forced thousands of families in western Kenya from "
    "their homes, the Red Cross said on Thursday. "
    "Rivers burst their banks in several counties near Lake Victoria, cutting roads and "
    "washing away crops just before the harvest. "
    "Aid workers said clean water and shelter were the most urgent needs, and warned that "
    "more rain was forecast for the weekend. "
    "Local officials opened schools as temporary shelters and asked residents of low-lying "
    "villages to move to higher ground."
)


def test_normalize_and_content_hash_ignore_case_space_punctuation() -> None:
    assert normalize_for_hash("  Hello,   WORLD!\n") == "hello world"
    assert content_hash("a", "Rates cut, again.") == content_hash("b", "rates  cut again")
    assert content_hash("a", "Rates cut.") != content_hash("a", "Rates held.")
    assert content_hash("Only a title", "") == content_hash("only a title", "   ")


def test_shingles_are_stable_and_handle_short_text() -> None:
    assert shingles("one two three four five six") == shingles("One two three, four five six!")
    assert len(shingles("one two three four five six")) == 2
    assert len(shingles("too short")) == 1
    assert shingles("") == set()


def test_minhash_of_a_long_article_equals_the_formula() -> None:
    # Past 512 shingles the values are hashed in blocks: the minima must not change.
    values = set(random.Random(7).sample(range(2**32), 1_300))
    a, b = _coefficients(NUM_PERM)
    expected = [min((int(ai) * x + int(bi)) % _PRIME for x in values)
                for ai, bi in zip(a[:, 0], b[:, 0], strict=True)]
    assert minhash(values) == expected


def test_minhash_matches_fixed_value() -> None:
    # Computed once; a change here means stored signatures would no longer compare.
    sig = minhash(shingles("the quick brown fox jumps over the lazy dog again"), num_perm=8)
    assert sig == EXPECTED_SIG


EXPECTED_SIG = [3030437, 945733721, 720930972, 3904185, 93508985, 139600660, 445974434, 1344848559]


def test_estimated_jaccard_tracks_true_jaccard() -> None:
    a = shingles(AGENCY_BODY)
    b = shingles(REWRITE_BODY)
    true = len(a & b) / len(a | b)
    est = estimated_jaccard(minhash(a), minhash(b))
    assert abs(est - true) < 0.2
    assert estimated_jaccard(minhash(a), minhash(a)) == 1.0
    assert estimated_jaccard(minhash(set()), minhash(set())) == 0.0


def test_lsh_bands_shared_for_near_duplicates() -> None:
    a = lsh_bands(minhash(shingles(AGENCY_BODY)))
    b = lsh_bands(minhash(shingles(REWRITE_BODY)))
    c = lsh_bands(minhash(shingles(OTHER_BODY)))
    assert len(a) == BANDS and all(len(k) == 16 and int(k, 16) >= 0 for k in a)
    assert set(a) & set(b)
    assert not set(a) & set(c)
    assert lsh_bands(minhash(set())) == []


def test_lsh_bands_differ_between_bands_with_equal_slots() -> None:
    keys = lsh_bands([7] * NUM_PERM)
    assert len(set(keys)) == BANDS  # the band number is part of the key
    assert lsh_bands([7] * NUM_PERM) == keys  # and keys are stable


def test_lsh_bands_are_salted_blake2b_of_each_band_and_accept_the_packed_signature() -> None:
    sig = minhash(shingles(AGENCY_BODY))
    packed = signature_to_bytes(sig)
    expected = [hashlib.blake2b(packed[16 * i:16 * (i + 1)], digest_size=8, salt=bytes([i]))
                .hexdigest() for i in range(BANDS)]
    assert lsh_bands(sig) == expected
    assert lsh_bands(sig, packed) == expected
    assert lsh_bands(minhash(set()), signature_to_bytes(minhash(set()))) == []


def test_minhash_in_threads_equals_minhash_in_one() -> None:
    # The work arrays are per thread: concurrent signatures must not mix.
    sets = [set(random.Random(n).sample(range(2**32), 200 + 97 * n)) for n in range(8)]
    expected = [minhash(s) for s in sets]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(5):
            assert list(pool.map(minhash, sets)) == expected


def test_signature_bytes_round_trip() -> None:
    sig = minhash(shingles(AGENCY_BODY))
    data = signature_to_bytes(sig)
    assert len(data) == 4 * len(sig)
    assert signature_from_bytes(data) == tuple(sig)
    short = minhash(shingles(AGENCY_BODY), num_perm=8)  # not NUM_PERM long: packed by numpy
    assert signature_from_bytes(signature_to_bytes(short)) == tuple(short)
    assert signature_to_bytes(short) == b"".join(v.to_bytes(4, "little") for v in short)


def test_title_similarity() -> None:
    assert title_similarity("Rates cut in Kenya", "Kenya cuts rates") == pytest.approx(1.0)
    assert title_similarity("The talks", "talks") == 1.0
    assert title_similarity(AGENCY_TITLE, OTHER_TITLE) < 0.2
    assert title_similarity("", "anything") == 0.0


def test_rewrite_with_new_headline_is_same_story() -> None:
    a = features_for(AGENCY_TITLE, AGENCY_BODY, DAY, ("KE",))
    b = features_for(REWRITE_TITLE, REWRITE_BODY, DAY, ("ke",))
    assert title_similarity(AGENCY_TITLE, REWRITE_TITLE) < 0.3
    assert same_story(a, b) >= SAME_STORY_THRESHOLD
    assert same_story(a, b) == same_story(b, a)


def test_different_events_same_country_same_day_are_different() -> None:
    a = features_for(AGENCY_TITLE, AGENCY_BODY, DAY, ("KE",))
    c = features_for(OTHER_TITLE, OTHER_BODY, DAY, ("KE",))
    assert same_story(a, c) < SAME_STORY_THRESHOLD


def test_paraphrase_with_similar_title_within_two_days_is_same_story() -> None:
    body = (
        "Kenya's central bank cut its key lending rate to 10.75 per cent on Thursday, its third "
        "cut since August. Governor Amina Odhiambo said credit to the private sector had grown "
        "too slowly and urged banks to lower what they charge customers. Inflation slowed to "
        "3.5 per cent in February on cheaper food and a steadier shilling."
    )
    a = features_for(AGENCY_TITLE, AGENCY_BODY, DAY, ("KE",))
    b = features_for("Kenya's central bank cuts rate again", body, date(2025, 3, 15), ("KE",))
    assert same_story(a, b) >= SAME_STORY_THRESHOLD
    late = features_for("Kenya's central bank cuts rate again", body, date(2025, 3, 30), ("KE",))
    assert same_story(a, late) < SAME_STORY_THRESHOLD


def test_empty_bodies_are_not_duplicates() -> None:
    a = features_for("Breaking", "", DAY, ())
    b = features_for("Weather", "", DAY, ())
    assert same_story(a, b) < SAME_STORY_THRESHOLD


def test_same_generic_headline_with_unrelated_bodies_is_different() -> None:
    a = features_for("Morning briefing", AGENCY_BODY, DAY, ("KE",))
    c = features_for("Morning briefing", OTHER_BODY, DAY, ("KE",))
    assert same_story(a, c) < SAME_STORY_THRESHOLD


def test_keywords_prefer_names_and_repeated_words() -> None:
    from news.similarity.features import keywords

    kw = keywords(AGENCY_BODY)
    assert len(kw) == 15
    assert {"rate", "kenya", "inflation", "committee"} <= kw
    assert "rate" in keywords(AGENCY_BODY, top=3)
    assert "the" not in keywords(AGENCY_BODY)
