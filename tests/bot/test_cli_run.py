"""`briefbot run`: bad settings stop it at start with one clear line and exit status 2."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.cli.commands.common import CliError
from bot.cli.commands.run import check_webhook

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
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        str(BRIEFBOT), "run", "--listen", "127.0.0.1", "--health-port", str(port),
        cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE)
    try:
        fake_telegram.user_sends(740001, "/help")
        [reply] = await fake_telegram.wait_for_messages(740001, 1, timeout=30)
        status, body = await _get_when_up(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and '"database"' in body
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert "/search grain deal" in reply["plain_text"]
    assert fake_telegram.commands, "the command menu was registered at start"
    assert proc.returncode == 0, stderr.decode()


# ---- webhook options, health server ------------------------------------------------------

SECRET = "cli_Secret-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("args", "expected"), [
    (("--webhook-url", "http://bot.example.org/hook", "--webhook-secret", "abc"),
     "must use https"),
    (("--webhook-url", "https://bot.example.org/hook", "--webhook-secret", "has space"),
     "--webhook-secret is required"),
    (("--webhook-url", "https://bot.example.org/hook", "--webhook-secret", "x" * 257),
     "--webhook-secret is required"),
    (("--webhook-url", "https://bot.example.org/healthz", "--webhook-secret", "abc"),
     "taken by the health endpoints"),
    (("--webhook-url", "https://bot.example.org/h", "--webhook-secret", "abc", "--port", "0"),
     "--port must be 1-65535"),
    (("--health-port", "70000"), "--health-port must be 0-65535"),
])
def test_bad_webhook_options_give_one_line_and_exit_2(tmp_path, args, expected) -> None:
    result = _run(tmp_path, *args, TELEGRAM_BOT_TOKEN="1:abc")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert "has space" not in lines[0]  # a rejected secret is not echoed either


@pytest.mark.parametrize(("url", "ok"), [
    ("https://bot.example.org/tg", True), ("http://127.0.0.1:8443/tg", True),
    ("http://localhost/tg", True), ("http://[::1]/tg", True),
    ("http://10.0.0.5/tg", False), ("ftp://bot.example.org/tg", False),
])
def test_http_is_accepted_only_for_loopback_hosts(url, ok) -> None:
    if ok:
        check_webhook(url, "abc")
    else:
        with pytest.raises(CliError):
            check_webhook(url, "abc")


async def _start(tmp_path: Path, fake_telegram, *args: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BRIEFBOT_") and k != "TELEGRAM_BOT_TOKEN"}
    env.update(BRIEFBOT_DATA_DIR=str(tmp_path), TELEGRAM_BOT_TOKEN=fake_telegram.token,
               BRIEFBOT_TELEGRAM_API_URL=fake_telegram.url)
    return await asyncio.create_subprocess_exec(str(BRIEFBOT), *args, cwd=tmp_path, env=env,
                                                stderr=asyncio.subprocess.PIPE)


async def _get_when_up(url: str, timeout: float = 30) -> tuple[int, str]:
    """GET url, retrying while the process is still starting; return (status, body)."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as resp:
                    return resp.status, await resp.text()
            except aiohttp.ClientConnectionError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)


async def test_webhook_run_answers_and_keeps_secrets_out_of_logs(fake_telegram,
                                                                 tmp_path) -> None:
    port = _free_port()
    proc = await _start(tmp_path, fake_telegram, "-v", "run", "--listen", "127.0.0.1",
                        "--port", str(port), "--webhook-url", "https://bot.example.org/tg",
                        "--webhook-secret", SECRET)
    try:
        status, _ = await _get_when_up(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        await fake_telegram.wait_for_request("setWebhook")
        fake_telegram.user_sends(740002, "/help")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as http, http.post(
                f"http://127.0.0.1:{port}/tg", json=fake_telegram.store.updates[-1],
                headers=headers) as resp:
            assert resp.status == 200
        await fake_telegram.wait_for_messages(740002, 1, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert "setWebhook" in log, "debug logging was on, so the calls were logged"
    assert SECRET not in log and fake_telegram.token not in log
    assert fake_telegram.calls("setWebhook")[0].params["secret_token"] == SECRET


async def test_a_busy_port_gives_one_line_and_exit_2(fake_telegram, tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = await _start(tmp_path, fake_telegram, "run", "--listen", "127.0.0.1",
                            "--health-port", str(port))
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2, stderr
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]


@pytest.mark.parametrize(("token", "api", "expected"), [
    ("1:abc", "http://127.0.0.1:9", "cannot reach the Bot API at http://127.0.0.1:9"),
    ("42:wrongToken", None, "the Bot API rejected TELEGRAM_BOT_TOKEN"),
])
async def test_bot_api_problems_at_start_give_one_line(fake_telegram, tmp_path, token, api,
                                                       expected) -> None:
    env = {"TELEGRAM_BOT_TOKEN": token, "BRIEFBOT_TELEGRAM_API_URL": api or fake_telegram.url}
    result = await asyncio.to_thread(_run, tmp_path, "--health-port", "0", **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and token not in lines[0]
