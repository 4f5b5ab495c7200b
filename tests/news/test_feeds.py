"""Feed parsing: RSS, Atom, JSON Feed, hostile XML, OPML, discovery (no network)."""

from __future__ import annotations

import json
import time

import pytest

from news.feeds import (
    MAX_ENTRIES,
    FeedError,
    discover_feeds,
    entry_document,
    looks_like_feed,
    parse_feed,
)
from news.opml import OpmlFeed, looks_like_opml, parse_opml, render_opml

BODY = "<p>Parliament passed the budget after a long night of debate over pensions.</p>"

RSS2 = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Daily Wire</title><link>https://wire.example/</link>
<item><title>Budget passes</title><link>https://wire.example/budget</link>
<guid isPermaLink="false">wire-1</guid><pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate>
<description><![CDATA[{BODY}<script>alert(1)</script>]]></description></item>
</channel></rss>""".encode()

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
<entry><title>Storm hits coast</title><id>tag:atom.example,2024:1</id>
<link rel="alternate" href="https://atom.example/storm"/>
<updated>2024-05-08T06:30:00Z</updated><content type="html">&lt;p&gt;Winds reached 150 km/h.&lt;/p&gt;</content>
<source><title>Coast Herald</title></source></entry></feed>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://rdf.example/"><title>RDF Times</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/1"><title>Harvest up</title><link>https://rdf.example/1</link>
<description>Farmers report a record wheat harvest this year.</description></item></rdf:RDF>"""

RSS091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="0.91"><channel><title>Old Gazette</title><link>http://old.example/</link>
<item><title>Caf\xe9 reopens</title><link>http://old.example/cafe</link>
<description>The caf\xe9 on the square reopened.</description></item></channel></rss>"""

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "JSON Post",
    "home_page_url": "https://json.example/",
    "items": [{"id": "j1", "url": "/posts/1", "title": "Rail strike ends",
               "content_html": "<p>Trains run again.</p><script>x()</script>",
               "date_published": "2024-05-09T08:00:00+02:00",
               "authors": [{"name": "Metro Desk"}]},
              {"id": "j2", "title": "", "content_text": ""}],
}).encode()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title></item></channel></rss>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&secret;</title>
<link>https://x.example/1</link></item></channel></rss>"""


def test_rss2_entry_fields_and_sanitised_body():
    feed = parse_feed(RSS2, url="https://wire.example/rss")
    assert feed.title == "Daily Wire"
    [entry] = feed.entries
    assert (entry.title, entry.link, entry.guid) == ("Budget passes", "https://wire.example/budget", "wire-1")
    assert entry.published.isoformat() == "2024-05-07T10:00:00+00:00"
    assert "Parliament passed" in entry.html and "<script" not in entry.html


def test_atom_entry_has_its_own_publisher():
    [entry] = parse_feed(ATOM, url="https://atom.example/feed").entries
    assert entry.link == "https://atom.example/storm"
    assert entry.source == "Coast Herald"
    assert entry.published.hour == 6 and "150 km/h" in entry.html


def test_rss1_and_rss091_with_latin1_prolog():
    assert parse_feed(RSS1, url="https://rdf.example/rss").entries[0].title == "Harvest up"
    old = parse_feed(RSS091, url="http://old.example/rss")
    assert old.entries[0].title == "Café reopens"


def test_json_feed_relative_link_timezone_and_empty_entry_skipped():
    feed = parse_feed(JSON_FEED, url="https://json.example/feed.json")
    assert feed.title == "JSON Post" and feed.skipped == 1
    [entry] = feed.entries
    assert entry.link == "https://json.example/posts/1"
    assert entry.published.isoformat() == "2024-05-09T06:00:00+00:00"
    assert entry.source == "Metro Desk" and "<script" not in entry.html


@pytest.mark.parametrize("data, reason", [
    (BILLION_LAUGHS, "entities"), (EXTERNAL, "entities"),
    (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj", "PDF"), (b"<html><body>hello</body></html>", "HTML page"),
    (b"just some words", "not a feed"), (b"{\"a\": 1}", "not a JSON Feed"), (b"  ", "empty"),
    (b"{\"version\": \"https://jsonfeed.org/version/1\", \"items\": ", "broken JSON"),
])
def test_bad_feeds_fail_with_one_line(data, reason):
    started = time.perf_counter()
    with pytest.raises(FeedError) as caught:
        parse_feed(data, url="https://bad.example/feed")
    assert reason in str(caught.value) and "\n" not in str(caught.value)
    assert time.perf_counter() - started < 2


def test_truncated_feed_keeps_complete_entries_or_fails_cleanly():
    cut = RSS2[: RSS2.index(b"</description>") + 20]
    try:
        feed = parse_feed(cut, url="https://wire.example/rss")
    except FeedError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(e.title for e in feed.entries)


def test_huge_feed_is_capped():
    items = b"".join(b"<item><title>t%d</title><link>https://h.example/%d</link></item>" % (i, i)
                     for i in range(100_000))
    data = b'<?xml version="1.0"?><rss version="2.0"><channel><title>h</title>' + items + b"</channel></rss>"
    feed = parse_feed(data, url="https://h.example/rss")
    assert len(feed.entries) == MAX_ENTRIES and feed.entries[0].link == "https://h.example/0"


def test_entry_without_link_or_text_is_skipped_and_teaser_detected():
    data = (b'<rss version="2.0"><channel><title>s</title><item><title>only a title</title></item>'
            b"<item><title>teaser</title><link>https://s.example/1</link>"
            b"<description>Short.</description></item></channel></rss>")
    feed = parse_feed(data, url="https://s.example/rss")
    assert feed.skipped == 1 and [e.title for e in feed.entries] == ["teaser"]
    assert feed.entries[0].is_teaser


def test_changed_entry_keeps_its_key_but_not_its_hash():
    first = parse_feed(RSS2, url="https://wire.example/rss").entries[0]
    changed = parse_feed(RSS2.replace(b"long night", b"short night"), url="https://wire.example/rss").entries[0]
    assert first.key == changed.key and first.content_hash != changed.content_hash


def test_entry_document_escapes_metadata():
    [entry] = parse_feed(ATOM.replace(b"Storm hits coast", b"Storm &lt;b&gt;&amp; coast"),
                         url="https://atom.example/feed").entries
    page = entry_document(entry, 'Herald "Coast"').decode()
    assert '<meta property="og:site_name" content="Herald &quot;Coast&quot;">' in page
    assert "<title>Storm &amp; coast</title>" in page  # markup in a title is dropped


def test_discovery_and_sniffing():
    page = (b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
            b'<link rel="alternate" type="application/atom+xml" href="https://x.example/atom">'
            b'<link rel="alternate" type="text/html" href="/fr/"><link rel="alternate" '
            b'type="application/rss+xml" href="javascript:alert(1)"></head></html>')
    assert discover_feeds(page, "https://x.example/news/") == ["https://x.example/rss.xml",
                                                                "https://x.example/atom"]
    assert looks_like_feed(RSS2) and looks_like_feed(ATOM) and looks_like_feed(JSON_FEED)
    assert not looks_like_feed(page)


def test_opml_round_trip_and_hostile_opml():
    feeds = [OpmlFeed("https://a.example/rss?x=1&y=2", 'A "quoted" & <b>'),
             OpmlFeed("https://b.example/atom", None)]
    assert parse_opml(render_opml(feeds)) == [feeds[0], OpmlFeed("https://b.example/atom",
                                                                 "https://b.example/atom")]
    with pytest.raises(FeedError, match="entities"):
        parse_opml(BILLION_LAUGHS.replace(b"<rss", b"<opml").replace(b"</rss>", b"</opml>"))
    with pytest.raises(FeedError, match="no feeds"):
        parse_opml(b"<html>not a list</html>")


@pytest.mark.parametrize(("name", "mime", "data", "expected"), [
    ("list.OPML", None, b"anything", True),
    ("list.txt", "text/x-opml", b"anything", True),
    ("export.xml", "text/xml", b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- mine -->\n<opml '
     b'version="1.0">', True),
    ("feed.xml", "text/xml", b'<?xml version="1.0"?><rss version="2.0">', False),
    ("notes.txt", "text/plain", b"My opml notes: <opml> is a format", False),
    ("page.html", "text/html", b"<html><body><opml>", False),
])
def test_opml_files_are_recognised(name, mime, data, expected) -> None:
    assert looks_like_opml(name, mime, data) is expected
