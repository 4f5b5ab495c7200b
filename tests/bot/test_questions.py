"""Plain questions over the seeds and samples, end to end through the fake Bot API.

The questions and the story each must bring are in bench/bench_questions.py (the bench prints
the count); here every one must be answered with its story, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from bench.bench_questions import QUESTIONS, ask_all, documents


async def test_plain_questions_bring_their_stories(fake_telegram, db_url, tmp_path, seeds_dir) -> None:
    assert len(QUESTIONS) >= 30
    answers = await ask_all(fake_telegram, db_url, tmp_path, documents(seeds_dir))
    missed = [(a.question, a.expected[0], a.reply[:200]) for a in answers if not a.ok]
    assert not missed, f"{len(missed)} of {len(answers)} questions missed their story: {missed}"
    replies = {a.question: a.reply for a in answers}
    # Nothing recent about Serbia: one line says so, then its latest stories, with their dates.
    assert "No new stories about Serbia since 26 March 2025; the latest:" in replies["news on Serbia"]
    assert "22 March 2025" in replies["news on Serbia"]
    # The Putin-Lukashenko call (20 March) follows the week's story about Belarus, dated.
    belarus = replies["news from Belarus"]
    assert "Earlier stories about Belarus" in belarus and "20 March 2025" in belarus
