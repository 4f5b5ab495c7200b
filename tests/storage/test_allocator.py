"""The allocator tuning `briefbot` applies at start, checked by what glibc then does."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from storage.allocator import tune_allocator

# Runs in a fresh interpreter, so no earlier free has moved glibc's adaptive thresholds: an 8 MB
# block is mapped on its own (and unmapped on free) unless the tuning took, in which case it comes
# from the heap and the heap keeps it after free.
PROBE = """
import ctypes, ctypes.util, sys
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "tuned":
    from storage.allocator import tune_allocator
    assert tune_allocator()
before = libc.mallinfo2()
block = libc.malloc(8 * 2**20)
mapped = libc.mallinfo2().hblks - before.hblks
libc.free(block)
kept = libc.mallinfo2().arena >= 8 * 2**20
print(mapped, kept)
"""


def _glibc_with_mallinfo2() -> None:
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt thresholds are glibc's")
    if tuple(int(p) for p in platform.libc_ver()[1].split(".")[:2]) < (2, 33):
        pytest.skip("mallinfo2 needs glibc 2.33")


def _probe(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_tuned_blocks_come_from_the_heap_and_stay_for_reuse():
    _glibc_with_mallinfo2()
    assert _probe("plain") == "1 False"  # glibc's defaults: mapped alone, handed back on free
    assert _probe("tuned") == "0 True"


def test_a_second_call_is_harmless():
    _glibc_with_mallinfo2()
    assert tune_allocator() is True
    assert tune_allocator() is True


def test_other_platforms_are_left_alone(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert tune_allocator() is False
