"""The `kerasgan` command line."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from kerasgan import __version__

    parser = argparse.ArgumentParser(
        prog="kerasgan", description="Generative Adversarial Networks for Keras 3."
    )
    parser.add_argument("--version", action="version", version=f"kerasgan {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
