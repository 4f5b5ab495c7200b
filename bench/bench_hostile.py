"""Parse time on hostile documents: reading and splitting must stay linear in their size.

    python bench/bench_hostile.py [--kb 100 | --reported] [--timeout 60] [--root PATH]
                                  [--compare PATH] [--case NAME ...]

Each input is generated here (nothing is committed) at about --kb kilobytes, or with
--reported at the size of the hostile file it stands for (REPORTED_KB), and parsed the way
ingest does (read_bytes, then split_document), each in its own process under a wall-clock
timeout, so a runaway regex is reported rather than waited for. The last line names the
slowest input (target: under 10 s). --root parses with another
checkout (e.g. `git worktree add /tmp/hostile-base HEAD` before a change); --compare prints
that checkout's figures beside this one's. The generators are shared with
tests/news/test_hostile_input.py, which asserts the time bounds.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PROSE = "The minister said the new trade agreement would be signed before the end of the year."


def comments(kb: int) -> tuple[bytes, str]:
    """HTML comments, each empty: a backtracking sniffing regex never finishes."""
    return ("<!---->" * (kb * 1024 // 7) + "x").encode(), "c.html"


def mark_run(mark: str) -> Callable[[int], tuple[bytes, str]]:
    """A sentence followed by a run of one punctuation mark and a letter."""
    def build(kb: int) -> tuple[bytes, str]:
        return (PROSE[:-1] + mark * (kb * 1024) + "x").encode(), "marks.txt"
    return build


def blank_lines(kb: int) -> tuple[bytes, str]:
    """One-letter lines between blank lines: thousands of fragments to rejoin."""
    return ("x\n\n" * (kb * 1024 // 3)).encode(), "lines.txt"


def byline(kb: int) -> tuple[bytes, str]:
    """A line that almost is a byline ("By Band Band ..."): every "and" could split a name."""
    return ("By " + "Band " * (kb * 1024 // 5) + "x").encode(), "byline.txt"


def share_line(kb: int) -> tuple[bytes, str]:
    """A line that almost is a share bar ("share , , , ... !")."""
    return ("share" + " ," * (kb * 1024 // 2) + "!").encode(), "share.txt"


def nested_html(kb: int) -> tuple[bytes, str]:
    """A page nested far deeper than the HTML parser goes, with an article at the bottom."""
    depth = max(1, kb * 1024 // 11 - 60)
    page = "<html><body>" + "<div>" * depth + f"<p>{PROSE * 6}</p>" + "</div>" * depth
    return (page + "</body></html>").encode(), "deep.html"


def pdf_hyphen_lines(kb: int) -> tuple[bytes, str]:
    """A one-page PDF of many hyphenated lines that join into one paragraph (4,000 per 12 KB)."""
    lines = ["the quick brown fox jumps over the lazy dog and runs-"] * (kb * 4000 // 12)
    return one_page_pdf(lines), "lines.pdf"


def docx_letters(kb: int) -> tuple[bytes, str]:
    """A DOCX of one-letter paragraphs, each with its own revision id as Word writes them."""
    rng = random.Random(2)
    body = "".join(f'<w:p w:rsidR="{rng.getrandbits(32):08X}"><w:r><w:t>a</w:t></w:r></w:p>'
                   for _ in range(kb * 1024 // 5))
    return make_docx(body), "letters.docx"


def docx_bomb(kb: int) -> tuple[bytes, str]:
    """A DOCX whose document.xml grows 1,000 times, padded with noise: the whole looks tame."""
    paragraph = f"<w:p><w:r><w:t>{PROSE}</w:t></w:r></w:p>"
    body = paragraph * (kb * 1024 * 70 // len(paragraph))
    padding = random.Random(1).randbytes(kb * 1024)
    return make_docx(body, padding), "bomb.docx"


def pdf_quoted_in_text(kb: int) -> tuple[bytes, str]:
    """A plain-text article that quotes the PDF header in its first line."""
    text = "Files that start with %PDF- are PDFs, the expert explained.\n\n"
    return (text + (PROSE + "\n\n") * (kb * 1024 // (len(PROSE) + 2))).encode(), "article.txt"


def text_mentioning_tags(kb: int) -> tuple[bytes, str]:
    """A .txt newsletter whose first story mentions many HTML tags (read as HTML, a <script>
    would swallow every story after it)."""
    from datetime import date

    from bench.corpus import newsletter  # bench/ of this checkout: the generator stays the same
    story = ("Web editors were told to wrap text in <p> tags, boxes in <div> and <span>, links "
             "in <a>, lists in <ul> and <li>, and never to paste a <script> tag from a stranger.")
    stories = max(2, kb * 1024 // 1500)
    text = newsletter(random.Random(5), stories, date(2025, 3, 3))
    head, _, rest = text.partition("\n\n[")
    first_body_end = rest.index("\n\n") + 2
    text = head + "\n\n[" + rest[:first_body_end] + story + "\n\n" + rest[first_body_end:]
    return text.encode(), "digest.txt"


CASES: dict[str, Callable[[int], tuple[bytes, str]]] = {
    "html comments": comments,
    "sentence + dots": mark_run("."),
    "sentence + !!!": mark_run("!"),
    "sentence + ???": mark_run("?"),
    "x, blank line, x, ...": blank_lines,
    "By Band Band ...": byline,
    "share , , , ...": share_line,
    "HTML nested deep": nested_html,
    "PDF hyphenated lines": pdf_hyphen_lines,
    "DOCX one-letter paras": docx_letters,
    "DOCX padded bomb": docx_bomb,
    "text quoting %PDF-": pdf_quoted_in_text,
    ".txt mentioning tags": text_mentioning_tags,
}

# The size (KB argument) of the hostile file each input stands for, where one was reported.
REPORTED_KB = {
    "html comments": 1,  # 146 comments (the reported file had 40)
    "sentence + dots": 60,
    "sentence + !!!": 60,
    "sentence + ???": 60,
    "x, blank line, x, ...": 440,  # 'x\n\n' * 150,000
    "HTML nested deep": 1080,  # 100,000 levels
    "PDF hyphenated lines": 100,  # 33,000 lines on one page
    "DOCX one-letter paras": 880,  # 180,000 paragraphs, 9.9 MB unpacked
    "DOCX padded bomb": 2540,  # document.xml 182 MB unpacked
}
TARGET_SECONDS = 10.0  # the slowest hostile file


def one_page_pdf(lines: list[str]) -> bytes:
    """Build a one-page PDF whose compressed content stream shows each line below the last."""
    body = "".join(f"({line})'\n" for line in lines)
    stream = zlib.compress(f"BT /F1 2 Tf 2 TL 20 830 Td\n{body}ET".encode())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def make_docx(body_xml: str, padding: bytes = b"") -> bytes:
    """Build a minimal DOCX around body XML, with an optional stored (incompressible) member."""
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{_W}"><w:body>{body_xml}</w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        if padding:
            archive.writestr("word/media/padding.bin", padding, zipfile.ZIP_STORED)
    return buffer.getvalue()


def parse(data: bytes, name: str) -> str:
    """Read and split a document as ingest does; describe the outcome in a few words."""
    from news.extract.readers import read_bytes
    from news.split.splitter import split_document
    from news.types import IngestError

    try:
        document = read_bytes(data, name)
    except IngestError as exc:
        return f"refused: {str(exc)[:60]}"
    items = split_document(document)
    return f"{document.format}, {len(items)} item(s), {len(document.text) // 1024} KB text"


def run_one(case: str, kb: int) -> None:
    """Parse one generated input in this process and print: input bytes, seconds, outcome."""
    data, name = CASES[case](kb)
    # Imports and first-use set-up (trafilatura's stop lists) are not the case's own cost.
    parse(PROSE.encode() * 3, "warm-up.txt")
    parse(f"<html><body><p>{PROSE}</p></body></html>".encode(), "warm-up.html")
    started = time.perf_counter()
    outcome = parse(data, name)
    print(f"{len(data)}\t{time.perf_counter() - started:.4f}\t{outcome}")


def measure(case: str, kb: int, root: Path, timeout: float) -> tuple[int, float | None, str]:
    """Parse one case in a child process with root's code; (bytes, seconds or None, outcome)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), str(HERE)]))
    command = [sys.executable, __file__, "--one", case, "--kb", str(kb), "--root", str(root)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return len(CASES[case](kb)[0]), None, f"killed after {timeout:g} s"
    if done.returncode != 0:
        return len(CASES[case](kb)[0]), None, (done.stderr.strip().splitlines() or ["?"])[-1]
    size, seconds, outcome = done.stdout.strip().splitlines()[-1].split("\t", 2)
    return int(size), float(seconds), outcome


def _cell(size: int, seconds: float | None) -> str:
    if seconds is None:
        return f"{'—':>9} {'—':>10}"
    return f"{seconds:9.3f} {seconds * 1000 / (size / 1024):10.2f}"


def main() -> None:
    """Print per-KB parse time of each hostile input (and of another checkout with --compare)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=int, default=100, help="size of each input (default 100)")
    parser.add_argument("--reported", action="store_true",
                        help="each input at the size of the hostile file it stands for")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input")
    parser.add_argument("--root", type=Path, default=HERE, help="checkout whose code parses")
    parser.add_argument("--compare", type=Path, help="also parse with this (older) checkout")
    parser.add_argument("--case", action="append", choices=CASES, help="only this input")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        sys.path[:0] = [str(args.root), str(HERE)]
        run_one(args.one, args.kb)
        return
    heading = f"{'input':<24} {'KB':>6} {'s':>9} {'ms/KB':>10}"
    if args.compare:
        heading += f" | {'before s':>9} {'ms/KB':>10}"
    print(heading + "  outcome")
    slowest: tuple[float, str] = (0.0, "")
    for case in args.case or CASES:
        kb = REPORTED_KB.get(case, args.kb) if args.reported else args.kb
        size, seconds, outcome = measure(case, kb, args.root, args.timeout)
        line = f"{case:<24} {size / 1024:6.1f} {_cell(size, seconds)}"
        if args.compare:
            _, before, old = measure(case, kb, args.compare, args.timeout)
            line += f" | {_cell(size, before)}"
            outcome = f"{outcome}  (before: {old})" if old != outcome else outcome
        print(f"{line}  {outcome}", flush=True)
        slowest = max(slowest, (args.timeout if seconds is None else seconds, case))
    verdict = "met" if slowest[0] < TARGET_SECONDS else "NOT met"
    print(f"slowest: {slowest[1]}, {slowest[0]:.3f} s (target < {TARGET_SECONDS:g} s: {verdict})")


if __name__ == "__main__":
    main()
