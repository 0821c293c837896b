"""Runs Python as if TensorFlow were not installed (as on the lent GPU machine).

Every import of `tensorflow`, `tensorflow_datasets`, `tensorboard`, `tf_keras`
and their submodules raises `ModuleNotFoundError`, exactly what a Python without them
raises. The one shared blocker of the test suite:

    python tests/no_tensorflow.py SCRIPT [ARGS...]    # SCRIPT runs as __main__
    python tests/no_tensorflow.py -m MODULE [ARGS...]
    python tests/no_tensorflow.py -c CODE [ARGS...]

or in a process of its own, before anything imports keras:

    import no_tensorflow; no_tensorflow.install()

Tests call it through `command(...)` or `run(...)` (on JAX, from the repository root):

    subprocess.run(no_tensorflow.command("zoo/dcgan_faces/train.py", "--smoke"), ...)
    result = no_tensorflow.run("zoo/dcgan_faces/train.py", "--smoke", "--out", str(tmp_path))
"""

from __future__ import annotations

import importlib.abc
import os
import runpy
import subprocess
import sys

BLOCKED = ("tensorflow", "tensorflow_datasets", "tensorboard", "tf_keras")
PATH = os.path.abspath(__file__)
REPO = os.path.dirname(os.path.dirname(PATH))
#: XLA on CPU with LLVM's optimisations off: compiles tiny models about twice as
#: fast (smoke runs are compile-bound); the programs stay correct, only slower.
FAST_COMPILE = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"


class BlockTensorFlow(importlib.abc.MetaPathFinder):
    """A meta-path finder that makes the `BLOCKED` top-level packages unimportable."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def install() -> None:
    """Blocks the imports in this process (idempotent).

    Raises:
        RuntimeError: A blocked package was imported already; call it first.
    """
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    if loaded:
        raise RuntimeError(f"{loaded[0]} is imported already; call no_tensorflow.install() "
                           "before anything imports keras or tensorflow.")
    if not any(isinstance(f, BlockTensorFlow) for f in sys.meta_path):
        sys.meta_path.insert(0, BlockTensorFlow())


def imported() -> list[str]:
    """The blocked modules present in `sys.modules` (none, if the blocker worked)."""
    return sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)


def command(*args: str) -> list[str]:
    """`[python, this file, *args]`: a subprocess command line run with TensorFlow blocked."""
    return [sys.executable, PATH, *args]


def run(*args: str, backend: str = "jax", fast_compile: bool = True,
        timeout: float = 600) -> subprocess.CompletedProcess:
    """Runs `command(*args)` in the repository root on `backend`; output captured as text.

    Args:
        *args: SCRIPT (relative to the repository root) and its arguments,
            or `-m MODULE ...`, or `-c CODE ...`.
        backend: `KERAS_BACKEND` of the subprocess.
        fast_compile: Add `FAST_COMPILE` to `XLA_FLAGS`.
        timeout: Seconds before `subprocess.TimeoutExpired`.

    Returns:
        The completed process (`returncode`, `stdout` with stderr merged in).
    """
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    if fast_compile:
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {FAST_COMPILE}".strip()
    return subprocess.run(command(*args), cwd=REPO, env=env, timeout=timeout, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help") or (argv[0] in ("-m", "-c") and len(argv) < 2):
        raise SystemExit("usage: python tests/no_tensorflow.py SCRIPT|-m MODULE|-c CODE "
                         f"[ARGS...]; received {argv}")
    install()
    if argv[0] == "-c":
        sys.argv = ["-c", *argv[2:]]
        sys.path[0] = ""
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
    elif argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        sys.path[0] = os.getcwd()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
