"""Opening text files that may be gzip-compressed, with errors that name the file."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

from .._utils import InputError

__all__ = ["read_text", "read_text_lines", "TextFile"]


@dataclass(frozen=True)
class TextFile:
    """A file's text and how it was stored."""

    text: str
    bom: bool = False
    gzip: bool = False


def read_text(path: str | Path) -> TextFile:
    """A text file's content, plain or gzip (detected by its magic bytes, whatever the name).

    UTF-8 (a byte-order mark is dropped and noted), else Windows-1252 as Excel exports it. An
    unreadable file, a truncated gzip stream or a zip archive (an Excel workbook given as a
    table) raise :class:`InputError` naming the file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    TextFile
        The decoded text, and whether the file had a byte-order mark and was gzip-compressed.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if raw[:4] == b"PK\x03\x04":
        raise InputError(
            f"{path}: this is an Excel workbook (.xlsx) or another zip archive, not a text table: save the "
            "sheet as CSV (Excel: File > Save As > CSV UTF-8) and give that file"
        )
    zipped = raw[:2] == b"\x1f\x8b"
    if zipped:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(
                f"{path}: the gzip stream is truncated or corrupt ({exc}); download it again"
            ) from exc
    bom = raw[:3] == b"\xef\xbb\xbf"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's export on Windows
    return TextFile(text, bom=bom, gzip=zipped)


def read_text_lines(path: str | Path) -> list[str]:
    """:func:`read_text` as lines, their endings (LF or CRLF) stripped.

    Parameters
    ----------
    path
        The file (plain or gzip).

    Returns
    -------
    list[str]
        Its lines.
    """
    return read_text(path).text.splitlines()
