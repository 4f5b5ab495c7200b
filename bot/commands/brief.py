"""`briefbot brief ...`: briefings on the command line (filled in by the briefings work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `brief` subcommands."""
