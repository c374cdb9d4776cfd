"""The object store contract, run against the local directory store and against a real SeaweedFS (S3)."""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from minio.error import S3Error

from letterdesk.errors import ConfigurationError, InvalidRequest, NotFound, ObjectExists, StorageError
from storage.objects import LocalObjectStore, S3ObjectStore, open_object_store
from tests import servers
from tests.fixtures.services import need_binary as need

CASE_KEY = "archive/2024-豫0825执1234号/12/original.pdf"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    """One SeaweedFS for this module; its process must be gone afterwards."""
    need("weed")
    server = servers.SeaweedS3Server().start(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    pid = server.pid
    server.stop()
    server.stop()  # idempotent
    assert pid is not None and not servers.pid_alive(pid), f"weed (PID {pid}) still running"


def _bucket() -> str:
    return f"t-{secrets.token_hex(6)}"


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """A fresh, empty store of each backend; the S3 one is a new bucket with governance lock."""
    if request.param == "local":
        return open_object_store(f"file://{tmp_path / 'objects'}")
    server = request.getfixturevalue("seaweed")
    return open_object_store(server.object_store_url(_bucket(), lock="governance", retention_days=1))


# --- the contract, both backends -------------------------------------------------------------------
def test_put_get_round_trip_records_sha256_and_type(store):
    stored = store.put("letters/1/original.pdf", PDF, "application/pdf", metadata={"title": "关于某案的来信"})
    digest = hashlib.sha256(PDF).hexdigest()
    assert (stored.size, stored.sha256, stored.content_type) == (len(PDF), digest, "application/pdf")
    assert store.get("letters/1/original.pdf") == PDF
    info = store.stat("letters/1/original.pdf")
    assert info is not None
    assert (info.key, info.size, info.sha256, info.content_type) == ("letters/1/original.pdf", len(PDF), digest,
                                                                     "application/pdf")
    assert info.metadata == {"title": "关于某案的来信"}
    assert info.immutable is False
    assert store.exists("letters/1/original.pdf")


def test_unicode_case_number_keys(store):
    store.put(CASE_KEY, PDF, "application/pdf")
    assert store.get(CASE_KEY) == PDF
    assert list(store.list("archive/2024-豫0825执1234号/")) == [CASE_KEY]


def test_list_by_prefix_is_a_string_prefix_and_hides_internal_files(store):
    for key in ("a/1", "a/2", "ab/3", "b/4"):
        store.put(key, key.encode())
    assert list(store.list("a/")) == ["a/1", "a/2"]
    assert list(store.list("a")) == ["a/1", "a/2", "ab/3"]
    assert list(store.list()) == ["a/1", "a/2", "ab/3", "b/4"]
    assert list(store.list("zzz/")) == []


def test_missing_object(store):
    with pytest.raises(NotFound):
        store.get("no/such/object")
    assert store.stat("no/such/object") is None
    assert not store.exists("no/such/object")
    store.delete("no/such/object")  # idempotent


def test_mutable_object_can_be_overwritten_and_deleted(store):
    store.put("draft.txt", b"v1", "text/plain")
    stored = store.put("draft.txt", b"version 2", "text/plain")
    assert store.get("draft.txt") == b"version 2"
    assert store.stat("draft.txt").sha256 == stored.sha256 == hashlib.sha256(b"version 2").hexdigest()
    store.delete("draft.txt")
    assert not store.exists("draft.txt")
    assert list(store.list()) == []


def test_immutable_object_refuses_changes_but_accepts_identical_retry(store):
    first = store.put(CASE_KEY, PDF, "application/pdf", immutable=True)
    assert first.immutable and store.stat(CASE_KEY).immutable
    with pytest.raises(ObjectExists):
        store.put(CASE_KEY, PDF + b"tampered", "application/pdf", immutable=True)
    with pytest.raises(ObjectExists):
        store.put(CASE_KEY, b"other", "application/pdf")  # a mutable put may not replace it either
    retried = store.put(CASE_KEY, PDF, "application/pdf", immutable=True)
    assert (retried.sha256, retried.size, retried.immutable) == (first.sha256, first.size, True)
    with pytest.raises(ObjectExists):
        store.delete(CASE_KEY)
    assert store.get(CASE_KEY) == PDF


def test_immutable_put_over_a_mutable_object(store):
    store.put("filed.pdf", PDF)
    with pytest.raises(ObjectExists):
        store.put("filed.pdf", b"different", immutable=True)
    assert store.put("filed.pdf", PDF, immutable=True).immutable  # same bytes: now sealed
    assert store.stat("filed.pdf").immutable
    with pytest.raises(ObjectExists):
        store.delete("filed.pdf")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "a/../../b", "..", "a//b", "a/", "./a", "a\x00b",
                                 "a\\b", "x/y.meta.json", "x" * 1025, "lone-\udc80"])
def test_invalid_keys_are_refused(store, key):
    with pytest.raises(InvalidRequest):
        store.put(key, b"x")
    with pytest.raises(InvalidRequest):
        store.get(key)


def test_invalid_metadata_names_are_refused(store):
    for metadata in ({"Title": "x"}, {"sha256": "forged"}, {"标题": "x"}):
        with pytest.raises(InvalidRequest):
            store.put("k", b"x", metadata=metadata)
    assert not store.exists("k")


# --- local directory specifics ------------------------------------------------------------------
def test_local_immutable_file_is_read_only_and_no_temp_files_remain(tmp_path):
    store = LocalObjectStore(tmp_path)
    store.put("a/b.pdf", PDF, immutable=True)
    store.put("a/c.txt", b"c")
    assert (tmp_path / "a" / "b.pdf").stat().st_mode & 0o777 == 0o444
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.pdf", "b.pdf.meta.json", "c.txt",
                                                                  "c.txt.meta.json"]
    assert store.describe() == f"local:{tmp_path.resolve()}"


def test_local_stale_sidecar_is_not_trusted(tmp_path):
    """A crash between writing the data and its sidecar must not leave a wrong hash behind."""
    store = LocalObjectStore(tmp_path)
    store.put("doc", b"old", "text/plain")
    replacement = tmp_path / "replacement"
    replacement.write_bytes(b"new bytes")
    os.replace(replacement, tmp_path / "doc")  # the data rename happened, the sidecar rename did not
    assert store.stat("doc").sha256 == hashlib.sha256(b"new bytes").hexdigest()
    assert store.get("doc") == b"new bytes"


def test_local_corruption_in_place_is_detected(tmp_path):
    store = LocalObjectStore(tmp_path)
    store.put("doc", b"original", "text/plain")
    path = tmp_path / "doc"
    before = path.stat()
    with open(path, "r+b") as fh:
        fh.write(b"X")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(StorageError):
        store.get("doc")


@pytest.mark.parametrize("same_bytes", [True, False])
def test_local_concurrent_immutable_writes(tmp_path, same_bytes):
    """Racing first writes of one immutable key: identical retries all succeed, different bytes only once."""
    store = LocalObjectStore(tmp_path)
    barrier = threading.Barrier(8)
    outcomes: dict[int, object] = {}

    def write(i: int) -> None:
        data = PDF if same_bytes else PDF + str(i).encode()
        barrier.wait()
        try:
            outcomes[i] = store.put("sealed.pdf", data, immutable=True)
        except ObjectExists as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [i for i, outcome in outcomes.items() if not isinstance(outcome, ObjectExists)]
    assert len(outcomes) == 8
    if same_bytes:
        assert len(winners) == 8 and store.get("sealed.pdf") == PDF
    else:
        assert len(winners) == 1 and store.get("sealed.pdf") == PDF + str(winners[0]).encode()
    assert store.stat("sealed.pdf").immutable


def test_local_key_that_collides_with_a_prefix(tmp_path):
    store = LocalObjectStore(tmp_path)
    store.put("a", b"file")
    with pytest.raises(InvalidRequest):
        store.put("a/b", b"below a file")
    store.put("c/d", b"x")
    with pytest.raises(InvalidRequest):
        store.put("c", b"over a directory")


@pytest.mark.parametrize("url", ["file://relative/path", "ftp://host/x", "objects"])
def test_open_refuses_unusable_urls(url):
    with pytest.raises(ConfigurationError):
        open_object_store(url)


def test_open_local_url(tmp_path):
    store = open_object_store(f"file://{tmp_path}/对象")
    assert isinstance(store, LocalObjectStore) and store.root == tmp_path / "对象"


# --- S3 specifics (real SeaweedFS) ------------------------------------------------------------------
def test_s3_immutable_object_has_retention_enforced_by_the_server(seaweed):
    bucket = _bucket()
    store = open_object_store(seaweed.object_store_url(bucket, lock="governance", retention_days=1))
    assert isinstance(store, S3ObjectStore) and store.describe() == f"s3://{seaweed.endpoint}/{bucket}"
    store.put(CASE_KEY, PDF, "application/pdf", immutable=True)
    store.put("scratch", b"mutable")
    client = seaweed.client()
    retention = client.get_object_retention(bucket, CASE_KEY)
    assert retention.mode == "GOVERNANCE"
    expected = datetime.now(timezone.utc) + timedelta(days=1)
    assert abs(retention.retain_until_date - expected) < timedelta(minutes=5)
    version = client.stat_object(bucket, CASE_KEY).version_id
    with pytest.raises(S3Error):
        client.remove_object(bucket, CASE_KEY, version_id=version)
    assert client.get_object(bucket, CASE_KEY, version_id=version).read() == PDF
    # control: the same raw deletion of a version without retention succeeds
    client.remove_object(bucket, "scratch", version_id=client.stat_object(bucket, "scratch").version_id)
    assert not store.exists("scratch")


def test_s3_without_lock_still_refuses_changes_to_immutable_objects(seaweed):
    bucket = _bucket()
    store = open_object_store(seaweed.object_store_url(bucket, lock="off"))
    store.put("k", b"sealed", immutable=True)
    with pytest.raises(ObjectExists):
        store.put("k", b"changed")
    with pytest.raises(ObjectExists):
        store.delete("k")
    with pytest.raises(S3Error):  # no retention was set because the bucket has no lock
        seaweed.client().get_object_retention(bucket, "k")
    # asking for a lock on that bucket later is a configuration error, not a silent downgrade
    with pytest.raises(ConfigurationError):
        open_object_store(seaweed.object_store_url(bucket, lock="compliance")).stat("k")


def test_s3_wrong_secret_is_a_storage_error_without_the_secret(seaweed):
    wrong = "WrongSecret-" + secrets.token_hex(8)
    url = f"s3://{seaweed.access_key}:{wrong}@{seaweed.endpoint}/{_bucket()}?secure=0"
    store = open_object_store(url)
    for action in (lambda: store.put("k", b"x"), lambda: store.get("k"), lambda: list(store.list())):
        with pytest.raises(StorageError) as caught:
            action()
        assert wrong not in str(caught.value) and seaweed.endpoint in str(caught.value)


def test_s3_unreachable_endpoint_fails_fast_with_storage_error():
    url = f"s3://key:TopSecret123@127.0.0.1:{servers.free_port()}/bucket?secure=0"
    started = time.monotonic()
    with pytest.raises(StorageError) as caught:
        open_object_store(url).stat("k")
    assert time.monotonic() - started < 10
    assert "TopSecret123" not in str(caught.value)


@pytest.mark.parametrize("query", ["lock=forever", "secure=maybe", "retention_days=ten", "colour=blue"])
def test_s3_url_errors_do_not_echo_the_secret(query):
    with pytest.raises(ConfigurationError) as caught:
        open_object_store(f"s3://key:TopSecret123@host:9000/bucket?{query}")
    assert "TopSecret123" not in str(caught.value)


def test_s3_url_credentials_are_url_decoded(seaweed):
    """A secret with URL-special characters ('/', '+', '=') works once quoted in the URL."""
    assert "/" in seaweed.secret_key and "+" in seaweed.secret_key
    url = seaweed.object_store_url(_bucket(), lock="off")
    assert seaweed.secret_key not in url
    store = open_object_store(url)
    store.put("k", b"v")
    assert store.get("k") == b"v"
