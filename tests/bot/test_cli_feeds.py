"""`briefbot feeds ...` against a feed server on loopback: add, list, poll, import, export, remove."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from aiohttp import web

from bot.cli.main import main

BODY = "".join("<p>The port authority opened a new container terminal on Friday, "
               "doubling the harbour's capacity, its director told reporters.</p>" for _ in range(4))
RSS = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Port News</title>'
       f"<item><title>Terminal opens</title><link>http://port.test/terminal</link>"
       f"<description><![CDATA[{BODY}]]></description></item></channel></rss>").encode()


@pytest.fixture
def feed_server():
    """Serve /rss (a feed), / (a page announcing it) and /gone (404) from a thread."""
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/rss", lambda r: web.Response(body=RSS, content_type="application/rss+xml"))
    app.router.add_get("/", lambda r: web.Response(
        text='<html><head><link rel="alternate" type="application/rss+xml" href="/rss"></head></html>',
        content_type="text/html"))
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    monkeypatch.setenv("BRIEFBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRIEFBOT_FEEDS_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("BRIEFBOT_FEEDS_TIMEOUT_SECONDS", "3")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_feeds_commands(cli_env, feed_server, capsys):
    assert main(["feeds", "add", feed_server + "/", "--interval", "30m", "--name", "Port"]) == 0
    assert "/rss (announced by" in capsys.readouterr().out
    assert main(["feeds", "add", feed_server + "/gone"]) == 2
    assert "feed not added: HTTP 404" in capsys.readouterr().err
    opml = cli_env / "list.opml"
    opml.write_text(f'<opml version="2.0"><body><outline text="Dead" xmlUrl="{feed_server}/gone"/>'
                    '</body></opml>')
    assert main(["feeds", "import", str(opml)]) == 0
    capsys.readouterr()
    assert main(["feeds", "poll", "--json"]) == 1
    rows = {r["url"]: r for r in _json(capsys.readouterr().out)}
    assert rows[feed_server + "/rss"] == {"id": 1, "url": feed_server + "/rss", "status": "new",
                                          "items": 1, "error": None}
    assert rows[feed_server + "/gone"]["status"] == "failed"
    assert main(["feeds", "poll", "1"]) == 0
    assert capsys.readouterr().out.strip().endswith(": unchanged")
    assert main(["items", "--json"]) == 0
    [item] = _json(capsys.readouterr().out)
    assert item["url"] == "http://port.test/terminal" and item["source"] == "Port"
    assert main(["feeds", "list", "--json"]) == 0
    listed = _json(capsys.readouterr().out)
    assert [(f["name"], f["items"], f["interval_seconds"]) for f in listed][0] == ("Port", 1, 1800)
    assert "HTTP 404" in listed[1]["error"]
    assert main(["feeds", "export"]) == 0
    assert f'xmlUrl="{feed_server}/rss"' in capsys.readouterr().out
    assert main(["feeds", "remove", feed_server + "/gone"]) == 0
    assert main(["feeds", "remove", "99"]) == 2
    with pytest.raises(SystemExit):
        main(["feeds", "add", "http://x.test/", "--interval", "5s"])
    assert "from 1 minute to 7 days" in capsys.readouterr().err
