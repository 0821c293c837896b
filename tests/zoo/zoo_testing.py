"""Helpers of the zoo tests (imported by conftest.py and the test modules)."""

import http.server
import importlib.util
import json
import os
import threading
import time

import numpy as np

#: The zoo's recipe folders (`zoo/<name>/`).
ZOO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "zoo")


def load_script(model: str, script: str):
    """Imports `zoo/<model>/<script>.py` as a module (the recipes are not a package)."""
    spec = importlib.util.spec_from_file_location(f"{model}_{script}",
                                                  os.path.join(ZOO, model, f"{script}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FileServer:
    """A real HTTP server on 127.0.0.1 serving in-memory files and counting requests."""

    def __init__(self):
        self.files = {}        # URL path -> bytes
        self.truncate = set()  # URL paths answered with a too-large Content-Length
        self.slow = {}         # URL path -> seconds to stream the body over (in 64 steps)
        self.sent = {}         # URL path -> bytes sent so far
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if self.path in server.truncate:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path not in server.slow:
                    self.wfile.write(body)
                    return
                step, pause = max(1, len(body) // 64), server.slow[self.path] / 64
                try:
                    for start in range(0, len(body), step):
                        self.wfile.write(body[start:start + step])
                        self.wfile.flush()
                        server.sent[self.path] = start + step
                        time.sleep(pause)
                except (BrokenPipeError, ConnectionResetError):  # the client was killed
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def files_under(folder) -> list:
    """All files below a folder (hidden ones included), relative paths."""
    out = []
    for root, _, names in os.walk(folder):
        out += [os.path.relpath(os.path.join(root, n), folder) for n in names]
    return sorted(out)


def set_urls(preset_dir, urls_by_attr):
    """Rewrites the `urls` of a preset.json in place."""
    path = os.path.join(preset_dir, "preset.json")
    with open(path) as f:
        spec = json.load(f)
    for attr, urls in urls_by_attr.items():
        spec["weights"][attr]["urls"] = urls
    with open(path, "w") as f:
        json.dump(spec, f)
    return spec


def assert_same_images(model, expected):
    np.testing.assert_array_equal(model.generate(len(expected), seed=3), expected)
