"""Tests for storage.ingest readers: sniffing, decoding, and text extraction per format."""

from __future__ import annotations

import io
import os
import random
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from news.extract.language import detect_language
from news.extract.readers import read_bytes, read_file
from news.types import IngestError
from tests.paths import seeds_folder

MB = 1024 * 1024

ENGLISH = (
    "The minister said on Monday that the new trade agreement would be signed before the end "
    "of the year, and that talks with the neighbouring states were going well.\n"
    "Officials from both sides have met several times this month."
)
RUSSIAN = (
    "Министр заявил в понедельник, что новое торговое соглашение будет подписано до конца "
    "года, а переговоры с соседними странами идут успешно. Чиновники обеих сторон "
    "встречались несколько раз в этом месяце."
)
UKRAINIAN = (
    "Міністр заявив у понеділок, що нову торговельну угоду буде підписано до кінця року, "
    "а переговори з сусідніми країнами йдуть успішно. Її підтримують усі партнери."
)
FRENCH = (
    "Le ministre a déclaré lundi que le nouvel accord commercial serait signé avant la fin de "
    "l'année, et que les négociations avec les pays voisins étaient en bonne voie."
)


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """Build a PDF whose lines are placed exactly as given ("" leaves a vertical gap)."""
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_docx(build) -> bytes:
    """Build a DOCX in memory with a callback that fills a python-docx Document."""
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    """Return an encrypted copy of a PDF."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ---- plain text and encodings ----


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
    ],
)
def test_unicode_encodings_with_and_without_bom(encoding: str, prefix: bytes) -> None:
    doc = read_bytes(prefix + FRENCH.encode(encoding), name="note.txt")
    assert doc.text == FRENCH
    assert doc.format == "text"
    assert doc.language == "fr"


def test_cp1251_russian() -> None:
    doc = read_bytes(RUSSIAN.encode("cp1251"))
    assert doc.text == RUSSIAN
    assert doc.language == "ru"


def test_ukrainian_is_told_from_russian() -> None:
    assert read_bytes(UKRAINIAN.encode("utf-8")).language == "uk"


def test_cp1252_western_text() -> None:
    text = (
        "Größere Städte wie Köln und München melden für das Jahr steigende Preise – "
        "so die Behörde."
    )
    doc = read_bytes(text.encode("cp1252"))
    assert doc.text == text
    assert doc.language == "de"


@pytest.mark.parametrize("text", ["Präsident", "Le président a annoncé une réforme."])
def test_short_latin1_text_is_not_read_as_an_exotic_code_page(text: str) -> None:
    assert read_bytes(text.encode("latin-1")).text == text


def test_utf8_with_stray_cp1252_bytes_is_repaired() -> None:
    data = "Café prices rose in Zürich and Genève ".encode() * 5 + b"the council\x92s plan"
    doc = read_bytes(data)
    assert doc.text.endswith("the council\u2019s plan")
    assert "Genève" in doc.text


def test_newlines_controls_and_nfc_are_normalised() -> None:
    data = "first line\r\nsecond\x00 line\rthird\x07 line cafe\u0301".encode()
    doc = read_bytes(data)
    assert doc.text == "first line\nsecond line\nthird line caf\u00e9"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", b"\xef\xbb\xbf", b"\xff\xfe \x00\n\x00"])
def test_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(IngestError, match="empty file"):
        read_bytes(data, name="empty.txt")


def test_random_binary_is_not_text() -> None:
    junk = random.Random(7).randbytes(5000)
    with pytest.raises(IngestError, match="does not look like text"):
        read_bytes(junk, name="notes.txt")


def test_known_binary_format_is_named() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(IngestError, match="does not look like text: it is a PNG image"):
        read_bytes(png, name="photo.txt")


def test_text_mentioning_a_tag_stays_text() -> None:
    doc = read_bytes(b"To start a paragraph in a web page, editors type <p> before it.")
    assert doc.format == "text"


# ---- HTML ----

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="{charset}">
<title>Harbour reopens after storm | Coastal Courier</title>
<meta property="og:site_name" content="Coastal Courier">
<meta property="og:title" content="Harbour reopens after storm">
<meta property="article:published_time" content="2024-11-05T08:30:00Z">
<link rel="canonical" href="https://courier.example.org/news/harbour-reopens">
</head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav>
<article>
<h1>Harbour reopens after storm</h1>
<p>The harbour reopened on Tuesday morning after three days in which the storm kept every
ferry tied up and the fishing fleet stuck at the quay, the port authority said.</p>
<p>Engineers checked the outer wall overnight and found only minor damage, which crews will
repair over the coming weeks without closing the entrance again.</p>
<p>Local traders welcomed the news, saying the closure had cost them a busy weekend of
visitors who usually arrive on the morning boats.</p>
</article>
<footer>All rights reserved. Contact us. Privacy policy.</footer>
</body></html>
"""


def test_html_article_with_metadata() -> None:
    doc = read_bytes(ARTICLE_HTML.format(charset="utf-8").encode(), name="page.bin")
    assert doc.format == "html"
    assert "The harbour reopened on Tuesday morning" in doc.text
    assert "Privacy policy" not in doc.text
    lines = [line for line in doc.text.split("\n") if line.startswith("Engineers checked")]
    assert len(lines) == 1 and lines[0].endswith("closing the entrance again.")
    assert doc.title == "Harbour reopens after storm"
    assert doc.published == date(2024, 11, 5)
    assert doc.site_name == "Coastal Courier"
    assert doc.url == "https://courier.example.org/news/harbour-reopens"
    assert doc.language == "en"


def test_html_declared_charset_is_used() -> None:
    page = ARTICLE_HTML.format(charset="windows-1251").replace("three days", "три дня")
    doc = read_bytes(page.encode("cp1251"))
    assert "три дня" in doc.text
    assert doc.encoding == "windows-1251"


def test_html_without_article_is_refused() -> None:
    page = (
        "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a>"
        "<a href='/a'>About</a></nav><footer>Copyright</footer></body></html>"
    )
    with pytest.raises(IngestError, match="no article text found in the HTML page"):
        read_bytes(page.encode())


def test_html_table_rows_lose_markdown_pipes() -> None:
    sentence = "The council approved the new budget after a debate that lasted into the night."
    page = f"<html><body><table><tr><td>{sentence}</td></tr></table></body></html>"
    doc = read_bytes(page.encode())
    assert sentence in doc.text.split("\n")


# ---- PDF ----

PARAGRAPH_PAGE = [
    "Regional Outlook",
    "",
    "The committee met on Tuesday to discuss the international response to the",
    "crisis, and members agreed that further talks were needed before any inter-",
    "national decision could be taken by the member states of the alliance.",
    "",
    "A second paragraph about the Russia-Ukraine talks follows here and it men-",
    "tions the Russia-",
    "Ukraine border as well as the crossing point that traders use every day, and",
]


def test_pdf_hyphenation_paragraphs_and_pages() -> None:
    second = ["this sentence carries on from the previous page and ends here.", "", "Closing note"]
    doc = read_bytes(make_pdf([PARAGRAPH_PAGE, second], title="Weekly Review"))
    assert doc.format == "pdf"
    assert doc.title == "Weekly Review"
    assert doc.text.split("\n") == [
        "Regional Outlook",
        "The committee met on Tuesday to discuss the international response to the crisis, "
        "and members agreed that further talks were needed before any international decision "
        "could be taken by the member states of the alliance.",
        "A second paragraph about the Russia-Ukraine talks follows here and it mentions the "
        "Russia-Ukraine border as well as the crossing point that traders use every day, and "
        "this sentence carries on from the previous page and ends here.",
        "Closing note",
    ]


def test_pdf_pages_are_joined_with_blank_line_and_footers_dropped() -> None:
    bodies = ["Grain prices fell.", "Shipping costs rose again.", "Ports were busy.", "End."]
    pages = [[body, "", f"Market Letter - page {n}"] for n, body in enumerate(bodies, start=1)]
    doc = read_bytes(make_pdf(pages))
    assert doc.text == "\n\n".join(bodies)


def test_pdf_named_txt_is_read_as_pdf(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(make_pdf([["A short report written as a single plain line of text."]]))
    doc = read_file(path, max_bytes=MB)
    assert doc.format == "pdf"
    assert doc.text == "A short report written as a single plain line of text."


def test_truncated_pdf_is_corrupt() -> None:
    data = make_pdf([PARAGRAPH_PAGE])
    with pytest.raises(IngestError, match="^corrupt PDF"):
        read_bytes(data[: len(data) // 2])


def test_password_protected_pdf_is_refused() -> None:
    with pytest.raises(IngestError, match="^encrypted PDF"):
        read_bytes(encrypt_pdf(make_pdf([PARAGRAPH_PAGE]), user_password="secret"))


def test_pdf_with_owner_password_only_is_read() -> None:
    doc = read_bytes(encrypt_pdf(make_pdf([PARAGRAPH_PAGE]), user_password=""))
    assert doc.text.startswith("Regional Outlook\nThe committee met")


def test_pdf_without_text_is_refused() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 150, style="F")
    with pytest.raises(IngestError, match="no extractable text"):
        read_bytes(bytes(pdf.output()))


# ---- DOCX ----


def _report(document: docx.document.Document) -> None:
    document.core_properties.title = "Quarterly Security Review"
    document.add_heading("Border situation", level=1)
    document.add_paragraph("Patrols were increased along the northern border this week.")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for (row, col), value in {(0, 0): "Region", (0, 1): "Incidents", (1, 0): "North"}.items():
        table.cell(row, col).text = value
    table.cell(1, 1).text = "12"
    document.add_paragraph("The next review is planned for the spring.")


def test_docx_heading_paragraphs_and_table() -> None:
    doc = read_bytes(make_docx(_report), name="review.docx")
    assert doc.format == "docx"
    assert doc.title == "Quarterly Security Review"
    assert doc.text == (
        "Border situation\n\n"
        "Patrols were increased along the northern border this week.\n\n"
        "Region | Incidents\nNorth | 12\n\n"
        "The next review is planned for the spring."
    )


def test_docx_zip_bomb_is_refused_before_extraction() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        for _ in range(300):
            member.write(bytes(MB))
    with pytest.raises(IngestError, match="refusing a suspicious DOCX: too large once unpacked: it unpacks to 300.0 MB"):
        read_bytes(buffer.getvalue(), name="bomb.docx")


def test_docx_with_extreme_compression_ratio_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", bytes(20 * MB))
    with pytest.raises(IngestError, match="refusing a suspicious DOCX"):
        read_bytes(buffer.getvalue())


def test_zip_that_is_not_docx_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(IngestError, match="not a Word"):
        read_bytes(buffer.getvalue(), name="notes.docx")


def test_truncated_docx_is_refused() -> None:
    data = make_docx(_report)
    with pytest.raises(IngestError, match="corrupt DOCX"):
        read_bytes(data[: len(data) // 2])


# ---- files on disk ----


def test_oversized_file_is_refused_without_reading(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(200 * MB)

    def fail_open(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", fail_open)
    with pytest.raises(IngestError, match=r"^file is 200\.0 MB, over the 20 MB limit$"):
        read_file(path, max_bytes=20 * MB)


def test_vanished_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="file vanished before it could be read"):
        read_file(tmp_path / "gone.txt", max_bytes=MB)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="folder, not a file"):
        read_file(tmp_path, max_bytes=MB)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text(ENGLISH)
    path.chmod(0)
    with pytest.raises(IngestError, match="permission denied"):
        read_file(path, max_bytes=MB)


def test_permission_error_is_reported(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(ENGLISH)

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(IngestError, match="permission denied"):
        read_file(path, max_bytes=MB)


def test_read_file_text_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "story.html"  # the extension is wrong on purpose: content decides
    path.write_text(ENGLISH, encoding="utf-8")
    doc = read_file(path, max_bytes=MB)
    assert (doc.format, doc.text, doc.language, doc.encoding) == ("text", ENGLISH, "en", "utf-8")


# ---- language ----


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ENGLISH, "en"),
        (FRENCH, "fr"),
        (RUSSIAN, "ru"),
        (UKRAINIAN, "uk"),
        ("Die Regierung hat am Montag erklärt, dass der neue Vertrag noch in diesem Jahr "
         "unterzeichnet wird und die Gespräche mit den Nachbarn gut verlaufen.", "de"),
        ("El ministro dijo el lunes que el nuevo acuerdo se firmará antes del final del año y "
         "que las conversaciones con los países vecinos van por buen camino.", "es"),
        ("Il ministro ha detto lunedì che il nuovo accordo sarà firmato entro la fine "
         "dell'anno e che i colloqui con i paesi vicini sono ben avviati.", "it"),
        ("O ministro disse na segunda-feira que o novo acordo será assinado antes do fim do "
         "ano e que as conversas com os países vizinhos não param.", "pt"),
        ("De minister zei maandag dat het nieuwe akkoord voor het einde van het jaar wordt "
         "getekend en dat de gesprekken met de buurlanden goed verlopen.", "nl"),
        ("Ο υπουργός δήλωσε τη Δευτέρα ότι η νέα συμφωνία θα υπογραφεί σύντομα.", "el"),
        ("قال الوزير يوم الاثنين إن الاتفاق التجاري الجديد سيوقع قبل نهاية العام", "ar"),
        ("部长周一表示，新的贸易协定将在年底前签署，与邻国的谈判进展顺利。", "zh"),
        ("大臣は月曜日に、新しい貿易協定は年末までに署名されると述べました。", "ja"),
        ("장관은 월요일에 새로운 무역 협정이 연말 전에 서명될 것이라고 말했습니다.", "ko"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "12 34 56", "OK", "xyzzy plugh qwerty asdfgh zxcvbn"])
def test_detect_language_gives_up_on_too_little(text: str) -> None:
    assert detect_language(text) is None


# ---- seeds ----



@pytest.mark.seeds
def test_seed_files_read_as_english_text() -> None:
    seeds = sorted(seeds_folder().glob("*")) if seeds_folder().is_dir() else []
    if not seeds:
        pytest.skip(f"no seed documents in {seeds_folder()}")
    for path in seeds:
        doc = read_file(path, max_bytes=20 * MB)
        assert doc.text.strip(), path.name
        assert (doc.format, doc.language) == ("text", "en"), path.name
