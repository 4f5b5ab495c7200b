"""Print ROUGE of stored summaries on real news beside the lead baselines.

Usage: python bench/bench_summary_quality.py [--data ../shared/realdata/cnndm-dev.jsonl]

Each CNN/Daily Mail article is loaded as a headline-less text file through the real ingest path
(so the title comes from its first sentence, as for any such file), and the summary stored for
its item is scored against the human highlights: ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 with
stemming (package rouge-score), beside the article's first 350 characters and its first three
sentences. Halves are shown too: a change that helps only one half is noise, not progress.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rouge_score import rouge_scorer  # noqa: E402

from bench.realdata import (  # noqa: E402
    cnndm_rows,
    fresh_store,
    ingest_named,
    realdata_dir,
    require,
    stored_items,
)
from news.sentences import split_sentences  # noqa: E402
from news.summarize.summary import DEFAULT_MAX_CHARS  # noqa: E402

Scores = list[tuple[float, float, float]]


def lead_chars(article: str, limit: int = DEFAULT_MAX_CHARS) -> str:
    """Return the article's start cut at a word within limit characters."""
    flat = " ".join(article.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0]


def lead_sentences(article: str, count: int = 3) -> str:
    """Return the article's first count sentences."""
    return " ".join(split_sentences(article)[:count])


def stored_summaries(rows: list[dict[str, str]]) -> list[str]:
    """Ingest every article as its own headline-less text file; return the stored summaries."""
    with fresh_store() as (ingestor, sessions):
        documents = [(f"{row['id']}.txt", row["article"].encode()) for row in rows]
        results = ingest_named(ingestor, documents)
        failed = [r for r in results if r.status != "loaded"]
        if failed:
            print(f"{len(failed)} articles not loaded, e.g. {failed[0].path}: {failed[0].error}")
        by_name = {item.name: item.summary for item in stored_items(sessions)}
    return [by_name.get(f"{row['id']}.txt", "") for row in rows]


def rouge(rows: list[dict[str, str]], summaries: list[str]) -> Scores:
    """Score each summary against its reference: (R-1, R-2, R-Lsum) F1."""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    scores = []
    for row, summary in zip(rows, summaries, strict=True):
        got = scorer.score("\n".join(split_sentences(row["reference"])),
                           "\n".join(split_sentences(summary)))
        scores.append((got["rouge1"].fmeasure, got["rouge2"].fmeasure, got["rougeLsum"].fmeasure))
    return scores


def _mean(scores: Scores) -> str:
    return " / ".join(f"{100 * sum(s[k] for s in scores) / len(scores):.1f}" for k in range(3))


def main() -> None:
    """Run the benchmark and print one line per system."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=realdata_dir() / "cnndm-dev.jsonl")
    args = parser.parse_args()
    rows = cnndm_rows(require(args.data))
    systems = {
        "stored summary": stored_summaries(rows),
        f"lead {DEFAULT_MAX_CHARS} chars": [lead_chars(r["article"]) for r in rows],
        "LEAD-3": [lead_sentences(r["article"]) for r in rows],
    }
    half = len(rows) // 2
    print(f"{len(rows)} articles; ROUGE-1 / ROUGE-2 / ROUGE-Lsum F1 (stemmed)")
    print(f"{'system':<18} {'all':>20} {'first half':>20} {'second half':>20} {'chars':>6}")
    for name, summaries in systems.items():
        scores = rouge(rows, summaries)
        chars = sum(map(len, summaries)) / len(summaries)
        print(f"{name:<18} {_mean(scores):>20} {_mean(scores[:half]):>20} "
              f"{_mean(scores[half:]):>20} {chars:6.0f}")
    leads = sum(s[:40] == " ".join(r["article"].split())[:40]
                for r, s in zip(rows, systems["stored summary"], strict=True))
    print(f"stored summaries that start with the article's lead: {leads} of {len(rows)}")


if __name__ == "__main__":
    main()
