"""Plain questions over the seed documents and the bundled samples, asked through the fake Bot API.

Each question names the story (a title fragment, or one of several) its answer must show:
countries, pairs of countries, people, topics, periods ("this week", "in March") and
countries the store has never seen. The real bot answers them, long-polling the fake server,
on a fresh SQLite store holding the seeds and samples; the clock stands a little after the
seeds' newest dated story, so some countries have news in the last days and others only older
stories. Prints each miss and the count answered.

    python bench/bench_questions.py [--seeds DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.bot_harness import bot_running  # noqa: E402
from tests.fake_telegram.server import FakeTelegramServer  # noqa: E402
from tests.paths import SAMPLES, seeds_folder  # noqa: E402

NOW = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)  # "this week": 26 March to 1 April 2025
FIRST_CHAT = 880000
QUIET = 0.5  # s without a new message before an answer counts as complete

RECENT_RUSSIA = ("Shanghai to Host Russian-Chinese", "Peacekeepers from Countries Supporting",
                 "Rare Earth Metals, Says")
# (question, title fragments: the answer must show at least one)
QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    # countries
    ("news on Serbia", ("Shoigu held talks with Serbian",)),
    ("what's new in India?", ("poised to visit India",)),
    ("any news about Tajikistan", ("Emomali Rahmon",)),
    ("what about Turkey?", ("Recep Tayyip Erdogan",)),
    ("Qatar?", ("Emir of Qatar",)),
    ("news from Belarus", ("President of Belarus Alexander Lukashenko",)),
    ("what's happening with Moldova?", ("Embassy in Moldova",)),
    ("news on Syria", ("Syrian President",)),
    ("anything on Morocco?", ("earthquake kills",)),
    ("Azerbaijan", ("Azerbaijani president",)),
    ("Indonesia news", ("Moscow and Jakarta",)),
    ("what's up with Slovakia", ("Slovak Prime Minister",)),
    ("tell me about Afghanistan", ("Taliban gauntlet",)),
    ("news from Israel", ("Settlement Expansion",)),
    ("news about the UAE", ("Mohammed bin Zayed",)),
    ("South Africa", ("BRICS invites",)),
    # pairs of countries
    ("Russia and Ukraine", RECENT_RUSSIA),
    # The call with Xi and Modi joined the story of Putin's planned visit to India: either title.
    ("India and China", ("Putin Engages China, India", "poised to visit India")),
    ("Russia and Iran", ("Russian-Iranian Commission",)),
    ("Serbia and Russia", ("Serbia refuses anti-Russian sanctions",)),
    ("news on the US and Russia", ("Rare Earth Metals, Says",)),
    # people
    ("what did Lukashenko say?", ("Lukashenko",)),
    ("Erdogan", ("Recep Tayyip Erdogan",)),
    ("any news on Jaishankar", ("FM Jaishankar",)),
    ("Shoigu", ("Shoigu",)),
    ("Xi Jinping", ("expand practical cooperation", "Putin Engages China")),
    ("Modi", ("Putin Engages China, India",)),
    # topics
    ("grain deal", ("Black Sea grain deal",)),
    ("anything about sanctions?", ("anti-Russian sanctions", "Sanctions Package",
                                   "Lifts Sanctions", "Veto of EU Sanctions")),
    ("rare earth metals", ("Rare Earth Metals",)),
    ("earthquake", ("earthquake kills",)),
    ("G20", ("African Union",)),
    ("Arctic", ("Arctic",)),
    ("moon landing", ("near the Moon",)),
    # periods
    ("Russia this week", RECENT_RUSSIA),
    ("what happened this week?", RECENT_RUSSIA),
    ("news from yesterday", RECENT_RUSSIA),
    ("Russia in March", RECENT_RUSSIA),
    ("India in March", ("Arctic Council", "Strengthening Relations with China, India")),
    ("sanctions in March", ("anti-Russian sanctions", "Sanctions Package", "Lifts Sanctions",
                            "Veto of EU Sanctions")),
    ("what happened in September 2023?", ("African Union",)),
    ("India in August 2023", ("near the Moon", "BRICS invites")),
    # countries the store has never seen
    ("news on Peru", ("I have no stories about Peru",)),
    ("Chile?", ("I have no stories about Chile",)),
]


@dataclass(frozen=True, slots=True)
class Answer:
    """One question, the fragments expected, the bot's reply (all its messages) and the verdict."""

    question: str
    expected: tuple[str, ...]
    reply: str

    @property
    def ok(self) -> bool:
        """Tell whether the reply shows one of the expected stories."""
        return any(fragment.lower() in self.reply.lower() for fragment in self.expected)


def documents(seeds: Path | None) -> list[Path]:
    """Return the seed documents (when present) and the bundled samples."""
    found = sorted(seeds.glob("*.txt")) if seeds and seeds.is_dir() else []
    return found + sorted(SAMPLES.iterdir())


async def ask_all(fake: FakeTelegramServer, db_url: str, data_dir: Path, paths: Sequence[Path],
                  questions: Sequence[tuple[str, tuple[str, ...]]] = QUESTIONS) -> list[Answer]:
    """Load *paths*, ask every question in its own chat, and return the answers."""
    async with bot_running(fake, db_url, data_dir, clock=lambda: NOW) as (_app, ctx):
        for path in paths:
            result = ctx.ingestor.ingest_path(path)
            assert result.status == "loaded", (path, result.error)
        chats = [FIRST_CHAT + n for n in range(len(questions))]
        for chat, (question, _) in zip(chats, questions, strict=True):
            fake.user_sends(chat, question)
        for chat in chats:
            await fake.wait_for_messages(chat, 1, timeout=60)
        await _until_quiet(fake)
    return [Answer(q, expected, "\n".join(m["plain_text"] for m in fake.sent_messages(chat)))
            for chat, (q, expected) in zip(chats, questions, strict=True)]


async def _until_quiet(fake: FakeTelegramServer) -> None:
    """Wait until no message arrived for QUIET seconds (a briefing can be several messages)."""
    count = -1
    while count != len(fake.sent_messages()):
        count = len(fake.sent_messages())
        await asyncio.sleep(QUIET)


async def _main(seeds: Path) -> int:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegramServer() as fake:
            answers = await ask_all(fake, f"sqlite:///{folder}/questions.sqlite3", Path(folder),
                                    documents(seeds))
    for answer in answers:
        if not answer.ok:
            first = answer.reply.splitlines()[:3]
            print(f"MISSED {answer.question!r}: expected {answer.expected[0]!r}; got {first}")
    print(f"questions answered with the expected story: {sum(a.ok for a in answers)}/{len(answers)}")
    return 0


def main() -> int:
    """Run the questions and print how many were answered."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=seeds_folder())
    return asyncio.run(_main(parser.parse_args().seeds))


if __name__ == "__main__":
    sys.exit(main())
