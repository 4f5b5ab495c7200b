"""Feeds in /metrics and /healthz: polls, entries, failures by reason, feeds failing for a day."""

from __future__ import annotations

from datetime import timedelta

from storage.repositories import feeds as repo
from tests.bot.test_web import Clock, scrape, serving


def _feeds(ctx, now) -> None:
    with ctx.sessions.begin() as session:
        ids = [repo.add_feed(session, f"http://f{n}.test/rss", None, 900, now)[0].id for n in range(3)]
        repo.claim_feeds(session, now, 10, timedelta(minutes=10))
        repo.record_failure(session, ids[0], now - timedelta(days=2), now + timedelta(hours=1),
                            "HTTP 403 Forbidden", "http_403")
        repo.record_failure(session, ids[1], now - timedelta(hours=1), now + timedelta(hours=1),
                            "timed out after 30 s", "timeout")
        repo.record_success(session, ids[2], now - timedelta(minutes=5), now + timedelta(hours=1),
                            None, None)


async def test_feed_metrics_and_health(fake_telegram, db_url, tmp_path) -> None:
    clock = Clock()
    async with serving(fake_telegram, db_url, tmp_path, clock=clock,
                       prepare=lambda ctx: _feeds(ctx, clock.now)) as (_app, _ctx, http):
        samples = await scrape(http)
        async with http.get("/healthz") as resp:
            report = await resp.json()

    def value(name: str, **labels: str) -> float:
        return samples[(name, frozenset(labels.items()))]

    assert value("briefbot_feeds") == 3 and value("briefbot_feed_polls") == 3
    assert value("briefbot_feed_failures", reason="http_403") == 1
    assert value("briefbot_feed_failures", reason="timeout") == 1
    assert value("briefbot_feed_entries_loaded") == 0
    assert 290 <= value("briefbot_feed_oldest_success_age_seconds") <= 400
    feeds = report["feeds"]
    assert feeds["failing"] == 2 and feeds["failing_over_a_day_count"] == 1
    assert feeds["failing_over_a_day"][0]["url"] == "http://f0.test/rss"
