"""Opening text files that may be gzip-compressed, with errors that name the file."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from .._utils import InputError

__all__ = ["read_text_lines"]


def read_text_lines(path: str | Path, *, encoding: str = "utf-8") -> list[str]:
    """Read a text file (plain or gzip, detected by its magic bytes) into lines.

    Line endings (LF or CRLF) are stripped. A truncated or corrupt gzip stream,
    an unreadable file or undecodable bytes raise :class:`InputError` naming the file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(
                f"{path}: the gzip stream is truncated or corrupt ({exc}); download it again"
            ) from exc
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.splitlines()
