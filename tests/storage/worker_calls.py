"""What the parse-pool tests send to worker processes: importable, and light to import."""

from __future__ import annotations

import os
import re
import signal
import time

MB = 2**20


def apply(fn, *args):
    """Run fn(*args): a pool of this runs whatever each call names."""
    return fn(*args)


def echo(value: object) -> object:
    return value


def nap(seconds: float, value: object) -> object:
    time.sleep(seconds)
    return value


def backtrack(n: int) -> bool:
    """A regex that backtracks exponentially, holding the interpreter lock all along."""
    return re.match(r"(a+)+$", "a" * n + "!") is not None


def hog(mb: int) -> int:
    return len(bytearray(mb * MB))


def killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer does


def buggy() -> None:
    raise ValueError("a bug")
