"""Processes sharing the cache: concurrent loads, and a download killed halfway.

The weights are served by a real HTTP server on 127.0.0.1 that streams
slowly, so the processes overlap for certain (they start together after a
file barrier) and a download can be killed mid-transfer.
"""

import hashlib
import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from kerasgan import zoo
from kerasgan.zoo import download as download_module
from zoo_testing import files_under, set_urls

FILE = "generator.weights.h5"
URL_PATH = "/zoo/tiny/" + FILE

CHILD = textwrap.dedent("""
    import hashlib, os, sys, time
    from kerasgan import zoo  # the slow import happens before the barrier

    folder, ready, go = sys.argv[1:4]
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.01)
    model = zoo.load(folder)
    weights = model.generator.get_weights()  # what the preset stores
    digest = hashlib.sha256(b"".join(w.tobytes() for w in weights)).hexdigest()
    print("RESULT " + digest, flush=True)
""")


def _serve_slowly(tiny_preset, server, seconds):
    folder, _ = tiny_preset
    with open(os.path.join(folder, FILE), "rb") as f:
        body = f.read()
    os.remove(os.path.join(folder, FILE))
    server.files[URL_PATH] = body
    server.slow[URL_PATH] = seconds
    set_urls(folder, {"generator": [server.url + URL_PATH]})
    return folder, body


def _start_children(tmp_path, folder, n, home):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, KERASGAN_HOME=str(home))
    if importlib.util.find_spec("jax") is not None:
        env["KERAS_BACKEND"] = "jax"  # a faster import; the cache code is the same
    procs = []
    for i in range(n):
        procs.append(subprocess.Popen(
            [sys.executable, str(script), folder, str(tmp_path / f"ready{i}"),
             str(tmp_path / "go")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env))
    deadline = time.monotonic() + 600
    while not all((tmp_path / f"ready{i}").exists() for i in range(n)):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "the children did not start"
        time.sleep(0.05)
    (tmp_path / "go").touch()
    return procs


def test_two_processes_load_into_an_empty_cache_at_once(tiny_preset, file_server,
                                                       isolated_zoo, tmp_path):
    folder, body = _serve_slowly(tiny_preset, file_server, seconds=3)
    procs = _start_children(tmp_path, folder, 2, isolated_zoo)
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        line = [x for x in out.splitlines() if x.startswith("RESULT ")][0]
        results.append(line[len("RESULT "):])
    # One download; the other process waited on the lock, then used the verified file.
    assert file_server.requests == [URL_PATH]
    # Both loaded the weights of the one cached file.
    weights = zoo.load(folder).generator.get_weights()
    expected = hashlib.sha256(b"".join(w.tobytes() for w in weights)).hexdigest()
    assert results[0] == results[1] == expected
    assert file_server.requests == [URL_PATH]  # the parent's load used the cache too
    assert files_under(isolated_zoo) == [os.path.join("presets", "tiny", FILE)]
    assert (isolated_zoo / "presets" / "tiny" / FILE).read_bytes() == body


def test_a_download_killed_halfway_leaves_nothing_trusted(tiny_preset, file_server,
                                                         isolated_zoo, tmp_path, monkeypatch):
    folder, body = _serve_slowly(tiny_preset, file_server, seconds=60)
    (proc,) = _start_children(tmp_path, folder, 1, isolated_zoo)
    deadline = time.monotonic() + 600
    while file_server.sent.get(URL_PATH, 0) < len(body) // 4:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert file_server.sent[URL_PATH] < len(body)  # killed mid-transfer

    # Left behind: the lock file (its holder is dead) and a temporary .part file.
    cache = isolated_zoo / "presets" / "tiny"
    left = files_under(cache)
    assert FILE + ".lock" in left and any(f.endswith(".part") for f in left), left
    assert FILE not in left
    assert zoo.info(folder)["weights"]["generator"]["status"] == "missing"

    # The next load is not blocked by the dead process's lock, downloads a
    # verified copy and cleans up after the dead download.
    monkeypatch.setattr(download_module, "LOCK_TIMEOUT_S", 60)  # a regression fails, not hangs
    del file_server.slow[URL_PATH]
    zoo.load(folder)
    assert file_server.requests == [URL_PATH, URL_PATH]
    assert files_under(isolated_zoo) == [os.path.join("presets", "tiny", FILE)]
    assert (cache / FILE).read_bytes() == body


def test_a_held_lock_makes_others_wait_then_use_the_file(tiny_preset, file_server,
                                                        isolated_zoo, monkeypatch):
    folder, body = _serve_slowly(tiny_preset, file_server, seconds=0)
    destination = str(isolated_zoo / "presets" / "tiny" / FILE)
    os.makedirs(os.path.dirname(destination))
    monkeypatch.setattr(download_module, "LOCK_TIMEOUT_S", 0.3)
    with download_module.cache_lock(destination):
        # Another holder (here: another open of the lock file) cannot take it.
        with pytest.raises(zoo.DownloadError, match="Another process has been downloading"):
            zoo.load(folder)
        with open(destination, "wb") as f:  # the holder finishes its download
            f.write(body)
    assert file_server.requests == []
    zoo.load(folder)  # the cached file is used: no download
    assert file_server.requests == []
    assert files_under(isolated_zoo) == [os.path.join("presets", "tiny", FILE)]
