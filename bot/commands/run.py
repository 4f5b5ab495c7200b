"""`briefbot run`: the Telegram bot process (filled in by the bot work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `run` subcommand."""
