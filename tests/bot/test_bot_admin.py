"""End to end: admin uploads of each format, refusals, /sources paging, /stats."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document as DocxDocument
from fpdf import FPDF
from sqlalchemy import func, select

from bench.corpus import newsletter
from storage.models import Delivery, Document, Subscriber
from tests.bot_harness import bot_running
from tests.bot_helpers_app import START, buttons

ADMIN = 730001
USER = 730002
NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def _text(seed: int = 3) -> str:
    return newsletter(random.Random(seed), 4, START)


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in text.split("\n\n"):
        pdf.multi_cell(0, 6, paragraph.encode("latin-1", "replace").decode("latin-1"))
        pdf.ln(4)
    return bytes(pdf.output())


def _docx(text: str) -> bytes:
    document = DocxDocument()
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _html(text: str) -> bytes:
    parts = text.split("\n\n")
    body = "".join(f"<p>{p}</p>" for p in parts[1:])
    return (f"<html><head><title>{parts[0]}</title></head><body><article><h1>{parts[0]}</h1>"
            f"{body}</article></body></html>").encode()


FORMATS = {
    "weekly.txt": (lambda: _text().encode(), "text/plain"),
    "weekly.html": (lambda: _html(_text(4)), "text/html"),
    "weekly.pdf": (lambda: _pdf(_text(5)), "application/pdf"),
    "weekly.docx": (lambda: _docx(_text(6)),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def _documents(ctx) -> int:
    with ctx.sessions() as session:
        return session.scalar(select(func.count(Document.id)))


@pytest.mark.parametrize("name", list(FORMATS))
async def test_admin_upload_each_format(fake_telegram, db_url, tmp_path, name) -> None:
    make, mime = FORMATS[name]
    data = make()  # once: a PDF's bytes embed its creation time
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN]) as (_app, ctx):
        fake_telegram.user_uploads(ADMIN, name, data, mime)
        [reply] = await fake_telegram.wait_for_messages(ADMIN, 1, timeout=20)
        fake_telegram.user_uploads(ADMIN, name, data, mime)  # the same bytes again
        _, again = await fake_telegram.wait_for_messages(ADMIN, 2, timeout=20)
        assert _documents(ctx) == 1
    assert reply["plain_text"].startswith(f"✅ Loaded {name}: "), reply["plain_text"]
    assert "item" in reply["plain_text"] and "Top countries: " in reply["plain_text"]
    assert "already loaded" in again["plain_text"]


async def test_corrupt_and_oversize_uploads(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN],
                           max_upload_mb=0.01) as (_app, ctx):
        fake_telegram.user_uploads(ADMIN, "broken.pdf", b"%PDF-1.7\n garbage \x00\xff", "application/pdf")
        [corrupt] = await fake_telegram.wait_for_messages(ADMIN, 1, timeout=20)
        downloads = len(fake_telegram.calls("getFile"))
        fake_telegram.user_uploads(ADMIN, "huge.txt", b"word " * 5000, "text/plain")
        _, huge = await fake_telegram.wait_for_messages(ADMIN, 2)
        assert _documents(ctx) == 0
    assert corrupt["plain_text"].startswith("❌ Could not load broken.pdf: ")
    assert "0 MB" not in huge["plain_text"] and "up to 0.01 MB" in huge["plain_text"]
    assert len(fake_telegram.calls("getFile")) == downloads == 1, "oversize file was downloaded"


async def test_non_admin_is_refused_and_nothing_stored(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN]) as (_app, ctx):
        fake_telegram.user_uploads(USER, "weekly.txt", _text().encode(), "text/plain")
        fake_telegram.user_sends(USER, "/sources")
        fake_telegram.user_sends(USER, "/stats")
        replies = await fake_telegram.wait_for_messages(USER, 3)
        assert _documents(ctx) == 0
    assert all("only for the bot's admins" in r["plain_text"] for r in replies)
    assert fake_telegram.calls("getFile") == []


async def test_sources_newest_first_and_paged(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN]) as (_app, ctx):
        for seed in range(12):
            text = newsletter(random.Random(100 + seed), 1, START).encode()
            ctx.ingestor.ingest_bytes(text, f"doc-{seed:02}.txt")
        fake_telegram.user_sends(ADMIN, "/sources")
        [listing] = await fake_telegram.wait_for_messages(ADMIN, 1)
        fake_telegram.user_clicks(ADMIN, listing["message_id"], "page:src:10")
        await fake_telegram.wait_for_request("editMessageText")
    [edited] = fake_telegram.sent_messages(ADMIN)
    first_page = edited["edits"][0]["plain_text"]
    assert first_page.index("doc-11.txt") < first_page.index("doc-02.txt")
    assert "doc-01.txt" not in first_page and buttons(edited) == ["page:src:0"]
    assert "11. " in edited["plain_text"] and "doc-00.txt" in edited["plain_text"]


async def test_stats(fake_telegram, db_url, tmp_path) -> None:
    async with bot_running(fake_telegram, db_url, tmp_path, admin_ids=[ADMIN],
                           clock=lambda: NOW) as (_app, ctx):
        ctx.ingestor.ingest_bytes(_text().encode(), "weekly.txt")
        with ctx.sessions.begin() as session:
            subscriber = Subscriber(chat_id=USER, timezone="UTC")
            session.add(subscriber)
            session.flush()
            for n, (status, age) in enumerate([("sent", 1), ("sent", 2), ("failed", 3),
                                               ("sent", 30), ("pending", 0)]):
                session.add(Delivery(subscriber_id=subscriber.id, briefing_key=f"k{n}",
                                     status=status, messages="[]",
                                     finished_at=NOW - timedelta(hours=age)))
        fake_telegram.user_sends(ADMIN, "/stats")
        [reply] = await fake_telegram.wait_for_messages(ADMIN, 1)
    text = reply["plain_text"]
    assert "Documents: 1" in text and "Items: 4" in text and "Active subscribers: 1" in text
    assert "Sent: 2" in text and "Failed: 1" in text and "Waiting in the outbox: 1" in text
