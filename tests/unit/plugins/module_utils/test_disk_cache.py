"""The on-disk cache (zones, field metadata, codebases): one file per key, TTL, atomic replace, never fatal."""
import json
import os
import threading

from ansible_collections.msp.psa.plugins.module_utils._cache import DiskCache


def test_an_entry_is_read_back_until_its_ttl_passes(tmp_path, monkeypatch):
    cache = DiskCache("zones", ttl=60, path=str(tmp_path / "zones"))
    cache.put("https://x|a@t.example", {"url": "https://webservices5.example/", "n": [1, 2]})
    assert cache.get("https://x|a@t.example") == {"url": "https://webservices5.example/", "n": [1, 2]}
    assert cache.get("https://x|b@t.example") is None
    later = DiskCache("zones", ttl=60, path=str(tmp_path / "zones"))
    real = __import__("time").time
    monkeypatch.setattr("ansible_collections.msp.psa.plugins.module_utils._cache.time.time", lambda: real() + 61)
    assert later.get("https://x|a@t.example") is None, "expired"


def test_a_ttl_of_zero_neither_reads_nor_writes(tmp_path):
    cache = DiskCache("zones", ttl=0, path=str(tmp_path / "zones"))
    cache.put("k", {"v": 1})
    assert not (tmp_path / "zones").exists()
    assert cache.get("k") is None


def test_an_entry_is_one_json_file_holding_its_key_and_no_temporary_file_is_left(tmp_path):
    cache = DiskCache("fields", ttl=60, path=str(tmp_path / "fields"))
    cache.put("k1", [{"name": "userType", "picklistValues": [{"value": 1, "label": "API User"}]}])
    cache.put("k1", [{"name": "userType", "picklistValues": [{"value": 2, "label": "API User (system)"}]}])
    files = os.listdir(str(tmp_path / "fields"))
    assert len(files) == 1 and files[0].endswith(".json")
    with open(str(tmp_path / "fields" / files[0])) as handle:
        entry = json.load(handle)
    assert entry["key"] == "k1" and entry["value"][0]["picklistValues"][0]["value"] == 2, "the newer entry replaced it"
    assert oct(os.stat(str(tmp_path / "fields" / files[0])).st_mode & 0o777) == oct(0o600)


def test_parallel_writers_of_one_key_leave_one_whole_entry(tmp_path):
    cache = DiskCache("zones", ttl=60, path=str(tmp_path / "zones"))
    value = dict(("f%d" % i, "x" * 200) for i in range(200))

    def write(n):
        for _ in range(20):
            cache.put("shared", dict(value, writer=n))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert os.listdir(str(tmp_path / "zones")) == [os.path.basename(cache._file("shared"))]
    got = cache.get("shared")
    assert got["writer"] in range(8) and got["f199"] == "x" * 200


def test_a_cache_that_cannot_be_written_costs_only_the_lookup(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = DiskCache("zones", ttl=60, path=str(blocker / "zones"))
    cache.put("k", {"v": 1})  # no exception
    assert cache.get("k") is None


def test_an_entry_is_kept_when_another_fork_creates_the_directory_first(tmp_path, monkeypatch):
    """The forks of a cold run each put their tenant's codebase or zone into a directory that does not exist yet;
    the one that finds it missing but loses the race to create it must still write its entry (it was dropped, and
    the next run asked companyinfo once more: one extra request per lost entry)."""
    cache = DiskCache("connectwise-codebases", ttl=60, path=str(tmp_path / "cache" / "connectwise-codebases"))
    real_makedirs = os.makedirs

    def another_fork_first(path, *args, **kwargs):
        real_makedirs(path, 0o700)  # the other fork's makedirs, between this fork's look and its own
        return real_makedirs(path, *args, **kwargs)

    monkeypatch.setattr("ansible_collections.msp.psa.plugins.module_utils._cache.os.makedirs", another_fork_first)
    cache.put("http://psa|cw1", {"Codebase": "v2025_1/"})
    monkeypatch.undo()
    assert cache.get("http://psa|cw1") == {"Codebase": "v2025_1/"}
