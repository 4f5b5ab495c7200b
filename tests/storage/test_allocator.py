"""The allocator tuning `briefbot` applies at start."""

from __future__ import annotations

import platform
import sys

import pytest

from storage.allocator import tune_allocator


def test_glibc_takes_the_thresholds_and_a_second_call_is_harmless():
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt thresholds are glibc's")
    assert tune_allocator() is True
    assert tune_allocator() is True


def test_other_platforms_are_left_alone(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert tune_allocator() is False
