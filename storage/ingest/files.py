"""Find and read the files an ingest is given: folders walked, limits checked before reading."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from news.types import IngestError


def read_raw(path: Path, max_bytes: int) -> bytes:
    """Read a file's bytes, refusing one over *max_bytes* before reading it."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IngestError("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise IngestError("not a regular file")
        size = info.st_size
        if size > max_bytes:
            raise IngestError(too_big(size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise IngestError("file vanished before it could be read") from None
    except PermissionError:
        raise IngestError("permission denied: cannot read the file") from None
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # grew while we looked
        raise IngestError(too_big(len(data), max_bytes))
    return data


def too_big(size: int, limit: int) -> str:
    """Return the error for a file of *size* bytes over the *limit*."""
    return f"file is {size / 1048576:.1f} MB, over the {limit / 1048576:g} MB limit"


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, error) for every file under *paths*, recursively, in a stable order."""
    for path in paths:
        if not path.exists():
            yield path, "no such file or folder"
        elif path.is_dir():
            yield from _walk(path)
        else:
            yield path, None


def _walk(folder: Path) -> Iterator[tuple[Path, str | None]]:
    # os.walk does not descend into linked folders; linked files are checked one by one.
    errors: list[OSError] = []
    inside = folder.resolve()
    for root, dirs, files in os.walk(folder, onerror=errors.append):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(root) / name
                yield path, _leads_out(path, inside)
    for err in errors:
        yield Path(err.filename or folder), f"cannot read folder: {err.strerror or err}"


def _leads_out(path: Path, inside: Path) -> str | None:
    """Return an error when *path* is a symbolic link to a file outside the folder *inside*.

    A folder handed to ingest (an upload area, a shared drop) must not be a way to read
    whatever else the process may read (a link to /etc/passwd or to another user's files).
    """
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling or a loop: reading it fails on its own
        return None
    if target.is_relative_to(inside):
        return None
    return "symbolic link to a file outside the folder: not followed"
