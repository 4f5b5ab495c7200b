"""Where the tests find the project's files and the shared data beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"


def seeds_folder() -> Path:
    """Return the seed documents' folder (BRIEFBOT_SEEDS_DIR, else ../shared/seeds)."""
    env = os.environ.get("BRIEFBOT_SEEDS_DIR")
    return Path(env) if env else SHARED / "seeds"


def realdata_folder() -> Path:
    """Return the real-news folder (BRIEFBOT_REALDATA_DIR, else ../shared/realdata)."""
    env = os.environ.get("BRIEFBOT_REALDATA_DIR")
    return Path(env) if env else SHARED / "realdata"
