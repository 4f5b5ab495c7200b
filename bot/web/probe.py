"""Ask a running bot's /healthz whether it is healthy (what `briefbot healthcheck` runs).

Standard library only and no database: a container's health probe runs every few seconds
and must not open connections of its own or wait on anything but the HTTP answer.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

# A wildcard address means "every interface": the probe asks this machine's loopback then.
_WILDCARD = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
MAX_REPORT_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """Whether the process answered healthy, and one line saying why (not)."""

    healthy: bool
    reason: str


def health_url(host: str, port: int) -> str:
    """Return the /healthz URL of a server listening on host:port, as seen from this machine."""
    host = _WILDCARD.get(host, host)
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name
    return f"http://{host}:{port}/healthz"


def probe(url: str, timeout: float = 5.0) -> ProbeResult:
    """GET *url* and tell whether it reports the process healthy."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only
            return _judge(response.status, response.read(MAX_REPORT_BYTES))
    except urllib.error.HTTPError as exc:
        with exc:
            return _judge(exc.code, exc.read(MAX_REPORT_BYTES))
    except TimeoutError:
        return ProbeResult(False, f"no answer from {url} within {timeout:g} s")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):  # timed out while connecting
            return ProbeResult(False, f"no answer from {url} within {timeout:g} s")
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        return ProbeResult(False, f"cannot reach {url}: {reason}")
    except OSError as exc:  # reset mid-answer and the like
        return ProbeResult(False, f"cannot reach {url}: {exc.strerror or type(exc).__name__}")


def _judge(status: int, body: bytes) -> ProbeResult:
    if status == 403:
        return ProbeResult(False, "refused (403): this address is not in BRIEFBOT_METRICS_ALLOW")
    try:
        report = json.loads(body)
    except ValueError:
        report = None
    if not isinstance(report, dict):
        return ProbeResult(False, f"HTTP {status}: the answer is not a health report")
    if status == 200 and report.get("status") == "ok":
        return ProbeResult(True, "ok: " + _summary(report))
    return ProbeResult(False, f"unhealthy (HTTP {status}): " + _problems(report))


def _summary(report: dict) -> str:
    db = report.get("database") or {}
    scheduler = report.get("scheduler") or {}
    outbox = report.get("outbox") or {}
    return (f"database {db.get('latency_ms')} ms, scheduler ticked "
            f"{scheduler.get('age_seconds')} s ago, {outbox.get('pending')} in the outbox")


def _problems(report: dict) -> str:
    problems = []
    db = report.get("database") or {}
    if not db.get("ok"):
        problems.append(f"database unreachable ({db.get('error') or 'unknown error'})")
    scheduler = report.get("scheduler") or {}
    if not scheduler.get("ok"):
        problems.append(f"scheduler has not ticked for {scheduler.get('age_seconds')} s")
    return "; ".join(problems) or "the report says so"
