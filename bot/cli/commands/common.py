"""Helpers shared by CLI subcommands: argument types and errors."""

from __future__ import annotations

import argparse
from datetime import date

from news.countries.lookup import resolve_country


class CliError(Exception):
    """A problem to report on one line, with exit status 2."""


def iso_date(text: str) -> date:
    """Parse YYYY-MM-DD for argparse."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# The largest count or number of days an option takes: beyond it a number is a typo, and
# would overflow a database integer or a date.
MAX_INT_OPTION = 1_000_000


def positive_int(text: str) -> int:
    """Parse a positive integer (ASCII digits, at most MAX_INT_OPTION) for argparse."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text[:40]!r}")
    if int(text) > MAX_INT_OPTION:
        raise argparse.ArgumentTypeError(f"at most {MAX_INT_OPTION:,}: {text[:40]}")
    return int(text)


def country_code(text: str | None) -> str | None:
    """Resolve a country argument (ISO2, ISO3 or name) to ISO2; None stays None."""
    return resolve_country(text) if text else None
