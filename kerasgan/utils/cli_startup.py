"""The `kerasgan` command's quiet start-up: TensorFlow's C++ log lines hidden.

`import tensorflow` writes start-up lines (oneDNN, CUDA drivers not found, CPU
features) from C++ straight to file descriptor 2, and in recent TensorFlow
versions some of them ignore `TF_CPP_MIN_LOG_LEVEL`. The command imports the
kerasgan package (and with it Keras and TensorFlow) before `kerasgan.cli.main`
runs, so `kerasgan/__init__.py` does its imports inside `quiet_cli_startup()`,
which acts only in the `kerasgan` command: a library import changes nothing.
Standard library only, so that importing it costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def _native_stderr_hidden():
    """Sends what is written to file descriptor 2 to a temporary file meanwhile.

    TensorFlow's C++ start-up lines (oneDNN, CUDA, CPU features) are written
    straight to fd 2 during `import tensorflow`, and some of them ignore
    `TF_CPP_MIN_LOG_LEVEL`. If the block raises, what was hidden is written
    back to stderr, so no error message is lost.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable fd 2: hide nothing
        saved = None
    if saved is None:
        yield
        return
    try:
        with tempfile.TemporaryFile() as hidden:
            os.dup2(hidden.fileno(), 2)
            failed = True
            try:
                yield
                failed = False
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                if failed:
                    hidden.seek(0)
                    sys.stderr.write(hidden.read().decode("utf-8", "replace"))
                    sys.stderr.flush()
    finally:
        os.close(saved)


def invoked_as_cli() -> bool:
    """Whether this process is the `kerasgan` command (console script or `-m kerasgan.cli`)."""
    orig = list(getattr(sys, "orig_argv", []))
    for i, arg in enumerate(orig):
        if arg == "-m" and orig[i + 1:i + 2] == ["kerasgan.cli"] or arg == "-mkerasgan.cli":
            return True
    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    return script in ("kerasgan", "kerasgan.exe", "kerasgan-script.py")


@contextlib.contextmanager
def quiet_cli_startup():
    """Hides the backend's start-up log while `kerasgan` (the command) imports the package.

    `kerasgan/__init__.py` imports Keras (and with it TensorFlow) inside this
    context. It does nothing unless this process is the `kerasgan` command
    without `--verbose`, and the user has not asked for every log line with
    `TF_CPP_MIN_LOG_LEVEL=0`. Then it sets `TF_CPP_MIN_LOG_LEVEL=3` (only if
    the user has not set it) and hides what is written to stderr during the
    import (TensorFlow's C++ start-up lines: oneDNN, CUDA drivers, CPU
    features; TensorFlow 2.21 prints some of them whatever the level),
    replaying it if the import fails.
    """
    user_level = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    if (not invoked_as_cli() or "--verbose" in sys.argv[1:] or "keras" in sys.modules
            or (user_level or "").strip() == "0"):
        yield
        return
    if user_level is None and "tensorflow" not in sys.modules:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with _native_stderr_hidden():
        yield
