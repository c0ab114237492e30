import hashlib
import json

import pytest
from helpers import GSE55235_MATRIX, MIRROR

from cytoscore.io import DownloadError, fetch_url, find_in_mirror, relpath_to_url, url_to_relpath

URL = "https://ftp.ncbi.nlm.nih.gov/geo/series/GSE55nnn/GSE55235/matrix/GSE55235_series_matrix.txt.gz"
SHA = "a9d2ad2cc673a5a06aa7ea95c4eb830488505e2ec99f78422af5eb1a1047b57d"


def test_url_layout_round_trip():
    rel = url_to_relpath(URL)
    assert rel == "ftp.ncbi.nlm.nih.gov/geo/series/GSE55nnn/GSE55235/matrix/GSE55235_series_matrix.txt.gz"
    assert relpath_to_url(rel) == URL


@pytest.mark.parametrize("bad", ["file:///etc/passwd", "https://host", "https://h/a?x=1", "https://h/../x"])
def test_url_rejects_uncacheable(bad):
    with pytest.raises(ValueError):
        url_to_relpath(bad)


def test_fetch_from_shared_mirror_records_checksum(tmp_path):
    dest = tmp_path / "cache" / "sm.txt.gz"
    record = fetch_url(URL, dest, mirrors=[MIRROR])
    assert record.sha256 == SHA  # the mirror's index.tsv lists this checksum too
    assert record.source == "mirror"
    assert record.size == GSE55235_MATRIX.stat().st_size
    assert dest.read_bytes() == GSE55235_MATRIX.read_bytes()
    assert json.loads(record.to_json())["sha256"] == SHA
    assert list(dest.parent.iterdir()) == [dest]  # no temporary file left


def test_mirror_layout_without_index(tmp_path):
    mirror = tmp_path / "mirror"
    target = mirror / "example.org/data/file.txt"
    target.parent.mkdir(parents=True)
    target.write_text("hello\n")
    assert find_in_mirror("https://example.org/data/file.txt", mirror) == (target, None)
    # the same file under http:// or ftp:// URLs resolves too
    assert find_in_mirror("ftp://example.org/data/file.txt", mirror)[0] == target
    record = fetch_url("https://example.org/data/file.txt", tmp_path / "out.txt", mirrors=[mirror])
    assert record.sha256 == hashlib.sha256(b"hello\n").hexdigest()


def test_configured_checksum_mismatch_keeps_nothing(tmp_path):
    dest = tmp_path / "x.gz"
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch_url(URL, dest, mirrors=[MIRROR], sha256="0" * 64)
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_mirror_index_checksum_is_enforced(tmp_path):
    mirror = tmp_path / "mirror"
    target = mirror / "example.org/f.txt"
    target.parent.mkdir(parents=True)
    target.write_text("corrupted copy\n")
    (mirror / "index.tsv").write_text(
        "url\tpath\tsha256\nhttps://example.org/f.txt\texample.org/f.txt\t" + "ab" * 32 + "\n"
    )
    with pytest.raises(DownloadError, match="mirror index sha256"):
        fetch_url("https://example.org/f.txt", tmp_path / "f.txt", mirrors=[mirror])
    assert not (tmp_path / "f.txt").exists()


def test_offline_without_mirror_says_where_to_put_the_file(tmp_path):
    dest = tmp_path / "cache" / "file.gz"
    url = "https://no-such-host.invalid/geo/file.gz"
    with pytest.raises(DownloadError) as err:
        fetch_url(url, dest, retries=1, timeout=5)
    message = str(err.value)
    assert url in message
    assert "<mirror>/no-such-host.invalid/geo/file.gz" in message
    assert "'mirror'" in message
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_offline_with_mirror_lacking_the_file_names_the_mirror_path(tmp_path):
    mirror = tmp_path / "m"
    mirror.mkdir()
    with pytest.raises(DownloadError) as err:
        fetch_url("https://no-such-host.invalid/a/b.txt", tmp_path / "b.txt", mirrors=[mirror], retries=1)
    assert str(mirror / "no-such-host.invalid/a/b.txt") in str(err.value)


def test_missing_mirror_folder_is_an_error(tmp_path):
    with pytest.raises(DownloadError, match="mirror folder does not exist"):
        fetch_url(URL, tmp_path / "x", mirrors=[tmp_path / "nope"])


OFFLINE = "https://no-such-host.invalid/geo/GSE1_series_matrix.txt.gz"


def test_offline_failure_is_immediate_and_ends_with_the_remedy(tmp_path):
    import time

    start = time.monotonic()
    with pytest.raises(DownloadError) as err:
        fetch_url(OFFLINE, tmp_path / "f.gz", retries=3, timeout=5)
    assert time.monotonic() - start < 5  # a host that does not resolve is not retried
    message = str(err.value)
    assert "(no network)" in message and message.count("\n") == 0
    assert message.endswith("copy its cache folder here.") and "./cytoscore run prefetch" in message


def test_a_kept_copy_survives_the_loss_of_the_cache_file_and_needs_no_network(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "no-such-host.invalid/geo").mkdir(parents=True)
    (mirror / "no-such-host.invalid/geo/GSE1_series_matrix.txt.gz").write_bytes(b"matrix v1\n")
    dest, keep = tmp_path / "cache/downloads/f.gz", tmp_path / "cache/kept/f.gz"
    first = fetch_url(OFFLINE, dest, mirrors=[mirror], keep=keep)
    assert first.source == "mirror" and keep.read_bytes() == b"matrix v1\n"
    assert keep.stat().st_ino != dest.stat().st_ino  # a copy (or reflink), never a hard link
    assert json.loads((tmp_path / "cache/kept/f.gz.json").read_text())["sha256"] == first.sha256
    dest.unlink()  # what Snakemake does before it reruns the download job (e.g. a config edit)
    again = fetch_url(OFFLINE, dest, mirrors=[], keep=keep)  # no mirror, no network
    assert again.source == "cache" and again.sha256 == first.sha256 and dest.read_bytes() == b"matrix v1\n"


def _fetched_once(tmp_path):
    """A mirror holding version 1 of OFFLINE's file, fetched once into a cache with a kept copy."""
    mirror = tmp_path / "mirror"
    target = mirror / "no-such-host.invalid/geo/GSE1_series_matrix.txt.gz"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"matrix v1\n")
    dest, keep = tmp_path / "cache/downloads/f.gz", tmp_path / "cache/kept/f.gz"
    fetch_url(OFFLINE, dest, mirrors=[mirror], keep=keep)
    return mirror, target, dest, keep


def test_a_kept_copy_is_replaced_only_by_a_verified_new_one(tmp_path):
    mirror, target, dest, keep = _fetched_once(tmp_path)
    dest.unlink()
    new = hashlib.sha256(b"matrix v2\n").hexdigest()
    # the configured checksum changed and the new file cannot be fetched: the old copy stays
    with pytest.raises(DownloadError, match="kept copy .* has sha256 .* not the configured .* left as it is"):
        fetch_url(OFFLINE, dest, mirrors=[], keep=keep, sha256=new)
    assert keep.read_bytes() == b"matrix v1\n" and not dest.exists()
    # a new copy that fails its checksum does not replace it either
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch_url(OFFLINE, dest, mirrors=[mirror], keep=keep, sha256=new)
    assert keep.read_bytes() == b"matrix v1\n"
    target.write_bytes(b"matrix v2\n")
    record = fetch_url(OFFLINE, dest, mirrors=[mirror], keep=keep, sha256=new)
    assert record.source == "mirror" and keep.read_bytes() == b"matrix v2\n"


def test_an_in_place_edit_of_the_cache_file_leaves_the_kept_copy_intact(tmp_path):
    mirror, target, dest, keep = _fetched_once(tmp_path)
    with open(dest, "ab") as out:  # edited in place (a user fixing a file by hand)
        out.write(b"junk")
    assert keep.read_bytes() == b"matrix v1\n"
    dest.unlink()
    record = fetch_url(OFFLINE, dest, mirrors=[], keep=keep)  # no mirror, no network
    assert record.source == "cache" and dest.read_bytes() == b"matrix v1\n"


def test_a_kept_copy_changed_on_disk_is_not_used(tmp_path):
    mirror, target, dest, keep = _fetched_once(tmp_path)
    with open(keep, "ab") as out:
        out.write(b"junk")
    dest.unlink()
    record = fetch_url(OFFLINE, dest, mirrors=[mirror], keep=keep)
    assert record.source == "mirror" and dest.read_bytes() == b"matrix v1\n"


def test_an_error_about_a_cached_download_says_how_to_fetch_it_again():
    from cytoscore import InputError
    from cytoscore.io import refetch_hint

    cached = "resources/downloads/ftp.ncbi.nlm.nih.gov/geo/GSE1_series_matrix.txt.gz"
    with pytest.raises(InputError) as err, refetch_hint([cached, "local.tsv"]):
        raise InputError(f"{cached}: the file is truncated")
    assert str(err.value).endswith(
        "fetch it again: rm -f resources/downloads/ftp.ncbi.nlm.nih.gov/geo/GSE1_series_matrix.txt.gz "
        "resources/records/ftp.ncbi.nlm.nih.gov/geo/GSE1_series_matrix.txt.gz.json "
        "resources/kept/ftp.ncbi.nlm.nih.gov/geo/GSE1_series_matrix.txt.gz "
        "resources/kept/ftp.ncbi.nlm.nih.gov/geo/GSE1_series_matrix.txt.gz.json"
    )
    with pytest.raises(InputError, match="^local.tsv, line 2: bad$"), refetch_hint([cached, "local.tsv"]):
        raise InputError("local.tsv, line 2: bad")  # not a download: unchanged
