"""`briefbot run`: bad settings stop it at start with one clear line and exit status 2."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BRIEFBOT = Path(sys.executable).parent / "briefbot"


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("BRIEFBOT_") and k != "TELEGRAM_BOT_TOKEN"}
    clean.update(BRIEFBOT_DATA_DIR=str(tmp_path), **env)
    # cwd=tmp_path: no stray .env file is read.
    return subprocess.run([str(BRIEFBOT), "run", *args], cwd=tmp_path, env=clean,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("args", "env", "expected"), [
    ((), {}, "TELEGRAM_BOT_TOKEN is not set"),
    ((), {"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN is malformed"),
    ((), {"TELEGRAM_BOT_TOKEN": "1:abc", "BRIEFBOT_ADMIN_IDS": "12,bob"},
     "BRIEFBOT_ADMIN_IDS"),
    ((), {"TELEGRAM_BOT_TOKEN": "1:abc", "BRIEFBOT_TIMEZONE": "Mars/Olympus"},
     "unknown IANA timezone"),
    (("--webhook-url", "https://bot.example.org/hook"), {"TELEGRAM_BOT_TOKEN": "1:abc"},
     "--webhook-secret is required"),
    (("--webhook-url", "bot.example.org", "--webhook-secret", "s3cret"),
     {"TELEGRAM_BOT_TOKEN": "1:abc"}, "not an http(s) URL"),
])
def test_bad_settings_give_one_line_and_exit_2(tmp_path, args, env, expected) -> None:
    result = _run(tmp_path, *args, **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefbot: ") and expected in lines[0]
    assert result.stdout == ""


async def test_run_answers_through_the_fake_server(fake_telegram, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BRIEFBOT_") and k != "TELEGRAM_BOT_TOKEN"}
    env.update(BRIEFBOT_DATA_DIR=str(tmp_path), TELEGRAM_BOT_TOKEN=fake_telegram.token,
               BRIEFBOT_TELEGRAM_API_URL=fake_telegram.url)
    proc = await asyncio.create_subprocess_exec(str(BRIEFBOT), "run", cwd=tmp_path, env=env,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        fake_telegram.user_sends(740001, "/help")
        [reply] = await fake_telegram.wait_for_messages(740001, 1, timeout=30)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert "/search grain deal" in reply["plain_text"]
    assert fake_telegram.commands, "the command menu was registered at start"
    assert proc.returncode == 0, stderr.decode()
