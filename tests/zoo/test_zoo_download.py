"""Downloading presets from a real local HTTP server: verify, cache, never keep partial files."""

import hashlib
import os
import sys
import types

import pytest

from kerasgan import zoo
from zoo_testing import assert_same_images, files_under, set_urls

FILE = "generator.weights.h5"


def serve(tiny_preset, server, path="/zoo/tiny/" + FILE):
    """Moves the preset's weight file onto the server; returns (preset dir, bytes)."""
    folder, _ = tiny_preset
    with open(os.path.join(folder, FILE), "rb") as f:
        body = f.read()
    os.remove(os.path.join(folder, FILE))
    server.files[path] = body
    set_urls(folder, {"generator": [server.url + path]})
    return folder, body


def test_download_verify_cache_then_no_second_request(tiny_preset, file_server, isolated_zoo):
    folder, body = serve(tiny_preset, file_server)
    assert zoo.info(folder)["weights"]["generator"]["status"] == "missing"

    model = zoo.load(folder)
    assert file_server.requests == ["/zoo/tiny/" + FILE]
    cached = isolated_zoo / "presets" / "tiny" / FILE
    assert cached.read_bytes() == body
    assert files_under(isolated_zoo) == [os.path.join("presets", "tiny", FILE)]
    assert_same_images(model, tiny_preset[1])

    card = zoo.info(folder)
    assert card["weights"]["generator"]["status"] == "cache"
    assert card["weights"]["generator"]["path"] == str(cached)

    again = zoo.load(folder)
    assert len(file_server.requests) == 1, "the second load must come from the cache"
    assert_same_images(again, tiny_preset[1])


def test_fetch_fills_the_cache_for_offline_use(tiny_preset, file_server, isolated_zoo):
    folder, body = serve(tiny_preset, file_server)
    paths = zoo.fetch(folder)
    assert paths == {"generator": str(isolated_zoo / "presets" / "tiny" / FILE)}
    assert len(file_server.requests) == 1
    assert_same_images(zoo.load(folder, offline=True), tiny_preset[1])
    assert zoo.fetch(folder, offline=True) == paths and len(file_server.requests) == 1


def test_corrupted_file_on_server_raises_and_leaves_cache_clean(tiny_preset, file_server,
                                                                 isolated_zoo):
    folder, body = serve(tiny_preset, file_server)
    path = "/zoo/tiny/" + FILE
    corrupt = bytearray(body)
    corrupt[len(corrupt) // 2] ^= 0xFF
    file_server.files[path] = bytes(corrupt)

    with pytest.raises(zoo.ChecksumError) as info:
        zoo.load(folder)
    message = str(info.value)
    expected = hashlib.sha256(body).hexdigest()
    actual = hashlib.sha256(bytes(corrupt)).hexdigest()
    assert expected in message and actual in message and FILE in message
    assert "mirror" in message and "not kept" in message
    assert (info.value.expected, info.value.actual) == (expected, actual)
    assert isinstance(info.value, ValueError)
    assert files_under(isolated_zoo) == []

    file_server.files[path] = body  # the server is fixed: the next load succeeds
    zoo.load(folder)
    assert files_under(isolated_zoo) == [os.path.join("presets", "tiny", FILE)]


def test_connection_dropped_mid_file_leaves_cache_clean(tiny_preset, file_server,
                                                        isolated_zoo):
    folder, _ = serve(tiny_preset, file_server)
    file_server.truncate.add("/zoo/tiny/" + FILE)
    with pytest.raises(zoo.DownloadError, match="interrupted") as info:
        zoo.load(folder)
    assert file_server.url in str(info.value)
    assert file_server.requests == ["/zoo/tiny/" + FILE]
    assert files_under(isolated_zoo) == []


def test_wrong_size_and_http_errors_are_clear(tiny_preset, file_server, isolated_zoo):
    folder, body = serve(tiny_preset, file_server)
    file_server.files["/zoo/tiny/" + FILE] = body + b"extra"
    with pytest.raises(zoo.DownloadError, match=f"{len(body) + 5} bytes"):
        zoo.load(folder)
    set_urls(folder, {"generator": [file_server.url + "/nothing/here"]})
    with pytest.raises(zoo.DownloadError, match="HTTP 404"):
        zoo.load(folder)
    assert files_under(isolated_zoo) == []


def test_unreachable_server_suggests_offline_mode_and_mirror(tiny_preset, isolated_zoo):
    folder, _ = tiny_preset
    os.remove(os.path.join(folder, FILE))
    url = "http://127.0.0.1:9/zoo/tiny/" + FILE  # port 9 (discard): refused
    set_urls(folder, {"generator": [url]})
    with pytest.raises(zoo.DownloadError) as info:
        zoo.load(folder)
    message = str(info.value)
    assert url in message and "KERASGAN_OFFLINE" in message and "KERASGAN_ZOO_URL" in message
    assert files_under(isolated_zoo) == []


def test_second_url_is_tried_when_the_first_fails(tiny_preset, file_server):
    folder, _ = serve(tiny_preset, file_server)
    good = file_server.url + "/zoo/tiny/" + FILE
    set_urls(folder, {"generator": [file_server.url + "/gone/" + FILE, good]})
    assert_same_images(zoo.load(folder), tiny_preset[1])
    assert file_server.requests == ["/gone/" + FILE, "/zoo/tiny/" + FILE]


def test_mirror_env_overrides_the_preset_urls(tiny_preset, file_server, monkeypatch,
                                              isolated_zoo, capsys):
    folder, body = serve(tiny_preset, file_server, path="/mirror/tiny/" + FILE)
    set_urls(folder, {"generator": ["http://127.0.0.1:9/official/" + FILE]})
    monkeypatch.setenv("KERASGAN_ZOO_URL", file_server.url + "/mirror/")
    assert zoo.info(folder)["weights"]["generator"]["download_urls"] == [
        file_server.url + "/mirror/tiny/" + FILE]
    assert_same_images(zoo.load(folder, progress=True), tiny_preset[1])
    assert file_server.requests == ["/mirror/tiny/" + FILE]
    assert FILE in capsys.readouterr().err  # the progress bar
    assert (isolated_zoo / "presets" / "tiny" / FILE).read_bytes() == body


def test_offline_with_empty_cache_names_file_sha_destination_and_url(
        tiny_preset, file_server, monkeypatch, isolated_zoo):
    folder, body = serve(tiny_preset, file_server)
    monkeypatch.setenv("KERASGAN_OFFLINE", "1")
    with pytest.raises(zoo.WeightsNotFoundError) as info:
        zoo.load(folder)
    message = str(info.value)
    destination = str(isolated_zoo / "presets" / "tiny" / FILE)
    assert FILE in message and hashlib.sha256(body).hexdigest() in message
    assert destination in message and file_server.url + "/zoo/tiny/" + FILE in message
    assert file_server.requests == []
    assert isinstance(info.value, FileNotFoundError)

    # Following the message's advice works, still offline.
    os.makedirs(os.path.dirname(destination))
    with open(destination, "wb") as f:
        f.write(body)
    assert_same_images(zoo.load(folder), tiny_preset[1])
    monkeypatch.delenv("KERASGAN_OFFLINE")
    with pytest.raises(zoo.WeightsNotFoundError, match="offline"):
        zoo.load(folder, offline=True, cache_dir=str(isolated_zoo.parent / "empty"))
    assert file_server.requests == []


def test_corrupt_cached_file_is_replaced_by_a_fresh_download(tiny_preset, file_server,
                                                             isolated_zoo):
    folder, body = serve(tiny_preset, file_server)
    cached = isolated_zoo / "presets" / "tiny" / FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="does not match"):
        model = zoo.load(folder)
    assert cached.read_bytes() == body
    assert len(file_server.requests) == 1
    assert_same_images(model, tiny_preset[1])


def test_hf_urls_go_through_huggingface_hub(tiny_preset, tmp_path, monkeypatch, isolated_zoo):
    folder, _ = tiny_preset
    hub_copy = tmp_path / "hub" / FILE
    hub_copy.parent.mkdir()
    os.replace(os.path.join(folder, FILE), hub_copy)
    set_urls(folder, {"generator": ["hf://someorg/gan-zoo@v1/tiny/" + FILE]})
    calls = []

    def hf_hub_download(repo_id, filename, revision=None):
        calls.append((repo_id, filename, revision))
        return str(hub_copy)

    monkeypatch.setitem(sys.modules, "huggingface_hub",
                        types.SimpleNamespace(hf_hub_download=hf_hub_download))
    assert_same_images(zoo.load(folder), tiny_preset[1])
    assert calls == [("someorg/gan-zoo", "tiny/" + FILE, "v1")]
    assert (isolated_zoo / "presets" / "tiny" / FILE).read_bytes() == hub_copy.read_bytes()

    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # not installed
    with pytest.raises(zoo.DownloadError, match="pip install huggingface_hub"):
        zoo.load(folder, cache_dir=str(tmp_path / "other_cache"))
