"""MultiWorkerMirroredStrategy with 2 worker processes on 127.0.0.1."""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_train_in_sync(tmp_path):
    worker = os.path.join(os.path.dirname(__file__), "multiworker_worker.py")
    ports = ",".join(map(str, _free_ports(2)))
    outs = [str(tmp_path / f"w{i}.npz") for i in range(2)]
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    procs = [subprocess.Popen([sys.executable, worker, ports, str(i), outs[i]], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for i in range(2)]
    logs = []
    try:
        for p in procs:
            out, _ = p.communicate(timeout=300)
            logs.append(out.decode(errors="replace")[-3000:])
    finally:
        for p in procs:
            p.kill()
    for p, log in zip(procs, logs):
        assert p.returncode == 0, log
    a, b = (np.load(o) for o in outs)
    assert int(a["replicas"]) == 2
    assert int(a["g_iterations"]) == 8  # 2 epochs x (32 images / global batch 8)
    assert np.all(np.isfinite(a["d_loss"]))
    # Both workers hold the same generator after synchronous training.
    keys = [k for k in a.files if k.startswith("arr_")]
    assert keys
    for k in keys:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)
