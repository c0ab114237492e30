"""Mirror-aware, checksummed, atomic downloads.

A download is identified by its URL. Its cache path is ``<cache>/<host>/<path>``,
the same layout as an offline mirror (``<mirror>/<host>/<path>``), so a cache
folder can itself serve as a mirror for another machine.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .._utils import InputError, atomic_path, sha256_file

__all__ = [
    "check_cached_downloads",
    "DownloadError",
    "DownloadRecord",
    "fetch_url",
    "url_to_relpath",
    "relpath_to_url",
    "find_in_mirror",
    "refetch_hint",
]

log = logging.getLogger(__name__)

_SCHEMES = ("https", "http", "ftp")


class DownloadError(InputError):
    """A file could not be obtained from the mirror or the network."""


@dataclass(frozen=True)
class DownloadRecord:
    """What was downloaded, from where, and its checksum (written as JSON beside the cache)."""

    url: str
    path: str
    sha256: str
    size: int
    source: str  # "cache" (the kept copy), "mirror" or "network"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def url_to_relpath(url: str) -> str:
    """Map ``https://HOST/PATH`` to ``HOST/PATH`` (the mirror and cache layout).

    Parameters
    ----------
    url
        An http(s) or ftp URL with a path; a query, a fragment or ``..`` in the path is an error.

    Returns
    -------
    str
        ``HOST/PATH`` (the scheme dropped).
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.netloc or not parts.path.strip("/"):
        raise InputError(f"not a downloadable URL (need https://host/path): {url!r}")
    if parts.query or parts.fragment:
        raise InputError(f"URLs with a query or fragment cannot be cached by path: {url!r}")
    rel = f"{parts.netloc}/{parts.path.lstrip('/')}"
    if ".." in Path(rel).parts:
        raise InputError(f"URL path may not contain '..': {url!r}")
    return rel


def relpath_to_url(relpath: str) -> str:
    """Inverse of :func:`url_to_relpath`; downloads always use https.

    Parameters
    ----------
    relpath
        A ``HOST/PATH`` of the mirror or cache.

    Returns
    -------
    str
        ``https://HOST/PATH``.
    """
    return f"https://{relpath.lstrip('/')}"


def _mirror_index(mirror: Path) -> dict[str, tuple[str, str]]:
    """Read ``index.tsv`` of a mirror: url -> (relative path, sha256)."""
    index = mirror / "index.tsv"
    if not index.is_file():
        return {}
    entries: dict[str, tuple[str, str]] = {}
    with open(index, newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {"url", "path"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{index}: header lacks column(s) {sorted(missing)}")
        for row in reader:
            entries[row["url"]] = (row["path"], (row.get("sha256") or "").lower())
    return entries


def find_in_mirror(url: str, mirror: str | Path) -> tuple[Path, str | None] | None:
    """Return ``(file, expected_sha256 or None)`` for ``url`` in ``mirror``, or None.

    The mirror's ``index.tsv`` is consulted first (it may list a checksum and a
    path that differs from the URL layout); otherwise ``<mirror>/<host>/<path>``.
    URLs differing only in scheme (http/https/ftp) are treated as the same file.

    Parameters
    ----------
    url
        The file's public URL.
    mirror
        A mirror folder laid out as ``<host>/<path>``, with an optional ``index.tsv`` (url, path, sha256);
        a missing folder is a :class:`DownloadError`.

    Returns
    -------
    tuple or None
        The mirror's copy and its listed checksum, or ``None`` when the mirror lacks it.
    """
    root = Path(mirror)
    if not root.is_dir():
        raise DownloadError(f"mirror folder does not exist: {root}")
    rel = url_to_relpath(url)
    index = _mirror_index(root)
    for scheme in _SCHEMES:
        hit = index.get(f"{scheme}://{rel}")
        if hit is not None:
            candidate = root / hit[0]
            if candidate.is_file():
                return candidate, hit[1] or None
    candidate = root / rel
    if candidate.is_file():
        return candidate, None
    return None


def _offline(exc: BaseException) -> bool:
    """The host name could not be resolved: no network (or a wrong host); retrying is futile."""
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, socket.gaierror)


def _download(url: str, dest: Path, *, timeout: float, retries: int) -> None:
    last: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
                shutil.copyfileobj(response, out, length=1 << 20)
            return
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            last = exc
            if _offline(exc):
                break
            log.warning("download attempt %d/%d of %s failed: %s", attempt, retries, url, exc)
            if attempt < retries:
                time.sleep(min(2**attempt, 10))
    raise last  # type: ignore[misc]


def _kept_copy(keep: Path | None, expected: str | None) -> tuple[Path | None, str]:
    """The copy kept from an earlier fetch, if it is intact (its bytes match its record) and
    has the expected checksum; else ``(None, why)``."""
    if keep is None or not keep.is_file():
        return None, ""
    record = Path(f"{keep}.json")
    try:
        want = json.loads(record.read_text())["sha256"]
    except (OSError, ValueError, KeyError):
        return None, f"the kept copy {keep} has no readable record {record}"
    digest = sha256_file(keep)
    if digest != want:
        return None, f"the kept copy {keep} no longer matches its record (sha256 {digest}, recorded {want})"
    if expected and digest != expected:
        return None, f"the kept copy {keep} has sha256 {digest}, not the configured {expected}"
    return keep, ""


_FICLONE = 0x40049409  # linux/fs.h: share the blocks copy-on-write (btrfs, XFS, ...)


def _copy(src: Path, dst: Path) -> None:
    """A real copy of ``src`` at ``dst``: a reflink where the file system has them (no extra
    space until one is changed), else the bytes copied. Never a hard link: an in-place edit of
    one name would change the other, and the kept copy would be corrupted with the file."""
    import fcntl

    dst.unlink(missing_ok=True)
    with open(src, "rb") as source, open(dst, "wb") as target:
        try:
            fcntl.ioctl(target.fileno(), _FICLONE, source.fileno())
            return
        except OSError:
            pass
    shutil.copyfile(src, dst)


def _remember(dest: Path, keep: Path, record: DownloadRecord) -> None:
    """Make ``keep`` (and its record) the verified copy of ``dest``, replacing the old one only now."""
    keep.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(keep) as tmp:
        _copy(dest, tmp)
    with atomic_path(f"{keep}.json") as tmp:
        tmp.write_text(record.to_json())


def fetch_url(
    url: str,
    dest: str | Path,
    *,
    mirrors: Sequence[str | Path] = (),
    sha256: str | None = None,
    keep: str | Path | None = None,
    timeout: float = 60.0,
    retries: int = 3,
) -> DownloadRecord:
    """Obtain ``url`` into ``dest`` atomically: a kept copy, else a mirror, else the network.

    Parameters
    ----------
    url
        The public URL of the file.
    dest
        Where to write it. Written through a temporary file and renamed, so a
        failed or interrupted fetch never leaves a partial file at ``dest``.
    mirrors
        Folders laid out as ``<host>/<path>`` (optionally with ``index.tsv``),
        consulted in order before the network.
    sha256
        Expected checksum. A mismatch is an error and nothing is written. When
        the mirror's ``index.tsv`` lists a checksum it is checked too.
    keep
        Where the last verified copy is kept (a copy of ``dest``: a reflink where the file
        system has them) with its record (``<keep>.json``). A kept copy that still matches its
        record and ``sha256`` is used without a mirror or the network; it is replaced
        only once a new copy has been fetched and verified. So a cache whose ``dest``
        was removed (Snakemake removes a job's outputs before it reruns it) loses nothing.
    timeout
        Seconds before a network read gives up.
    retries
        Network attempts before the error (transient failures are retried with a pause).

    Returns
    -------
    DownloadRecord
        The URL, ``dest``, checksum and size of the file written, and where it came from (``cache``,
        ``mirror`` or ``network``).
    """
    dest = Path(dest)
    keep = Path(keep) if keep is not None else None
    rel = url_to_relpath(url)
    expected = sha256.lower() if sha256 else None
    kept, unusable = _kept_copy(keep, expected)
    hit = None
    if kept is None:
        for mirror in mirrors:
            hit = find_in_mirror(url, mirror)
            if hit is not None:
                break
    with atomic_path(dest) as tmp:
        index_sha = None
        if kept is not None:
            _copy(kept, tmp)
            source = "cache"
            log.info("%s: the verified copy kept at %s", url, kept)
        elif hit is not None:
            src, index_sha = hit
            shutil.copyfile(src, tmp)
            source = "mirror"
            log.info("copied %s from mirror file %s", url, src)
        else:
            try:
                _download(url, tmp, timeout=timeout, retries=retries)
            except Exception as exc:  # noqa: BLE001 - re-raised with guidance
                looked = ", ".join(str(Path(m).resolve() / rel) for m in mirrors)
                where = (
                    f"It is in no mirror either (looked for {looked})"
                    if mirrors
                    else "No mirror is configured (config key 'mirror')"
                )
                old = f" {unusable[0].upper()}{unusable[1:]}; it was left as it is." if unusable else ""
                offline = "no network" if _offline(exc) else f"{type(exc).__name__}: {exc}"
                raise DownloadError(
                    f"could not download {url} ({offline}). {where}.{old} Remedy: put the file at "
                    f"<mirror>/{rel} and set the config key 'mirror' to that <mirror> folder, or run "
                    f"'./cytoscore run prefetch' on a machine with network and copy its cache folder here."
                ) from exc
            source = "network"
            log.info("downloaded %s", url)
        digest = sha256_file(tmp)
        for label, want in (("configured", expected), ("mirror index", index_sha)):
            if want and digest != want:
                raise DownloadError(
                    f"checksum mismatch for {url} from {source}: sha256 {digest}, "
                    f"{label} sha256 {want}. The file was not kept."
                )
        size = tmp.stat().st_size
        if size == 0:
            raise DownloadError(f"{url} from {source} is empty. The file was not kept.")
    record = DownloadRecord(url=url, path=str(dest), sha256=digest, size=size, source=source)
    if keep is not None and kept is None:
        _remember(dest, keep, record)
    return record


def refetch_advice(files, message: str) -> str:
    """For an error ``message`` that names a cached download among ``files``
    (``<cache>/downloads/<host>/<path>``): the sentence with the ``rm`` command that fetches it
    again (a file corrupt at its source stays cached until its copy, record and kept copy are
    removed); ``""`` when it names none.

    Parameters
    ----------
    files
        The cached download files a step read.
    message
        The error's text.

    Returns
    -------
    str
        The advice sentence, or ``""``.
    """
    named = [Path(f) for f in files if "/downloads/" in str(f) and Path(f).name in message]
    remove = []
    for path in named:
        cache, rel = str(path).split("/downloads/", 1)
        remove += [str(path), f"{cache}/records/{rel}.json", f"{cache}/kept/{rel}", f"{cache}/kept/{rel}.json"]
    if not remove:
        return ""
    return f"If the downloaded file is damaged (at its source or here), fetch it again: rm -f {' '.join(remove)}"


@contextlib.contextmanager
def refetch_hint(files) -> Iterator[None]:
    """An :class:`InputError` about a cached download gains :func:`refetch_advice`.

    Parameters
    ----------
    files
        The cached download files the block reads (their provenance says where each came from).

    Returns
    -------
    Iterator[None]
        A context manager; an :class:`InputError` raised inside it is raised again with the advice appended.
    """
    try:
        yield
    except InputError as exc:
        advice = refetch_advice(files, str(exc))
        if not advice:
            raise
        text = str(exc)
        raise type(exc)(f"{text}{'' if text.endswith(('.', '?', '!')) else '.'} {advice}") from exc


def check_cached_downloads(cache_dir: str | Path) -> None:
    """Stop, naming the files, when a cached download no longer matches its record (an edited
    or truncated copy): its job must run again, which needs the copy and its record removed.
    Deletes nothing itself (the workflow runs this at every parse, dry runs and --lint
    included), and hashes only files changed after their record was written.

    Parameters
    ----------
    cache_dir
        The workflow's cache folder (``cache_dir``: ``downloads/``, ``records/``, ``kept/``).
    """
    records = Path(cache_dir) / "records"
    if not records.is_dir():
        return
    bad = []
    for record in sorted(records.rglob("*.json")):
        cached = Path(cache_dir) / "downloads" / record.relative_to(records).with_suffix("")
        if not cached.is_file():
            continue
        info = json.loads(record.read_text())
        stat = cached.stat()
        if stat.st_size == info["size"] and stat.st_mtime <= record.stat().st_mtime:
            continue
        if sha256_file(cached) != info["sha256"]:
            bad.append((cached, record))
    if bad:
        files = " ".join(f"{f} {r}" for f, r in bad)
        raise InputError(
            f"cached download(s) changed since they were fetched: {', '.join(str(f) for f, _ in bad)} "
            f"(sha256 differs from the record). To fetch them again, remove them with their records: rm {files}"
        )
