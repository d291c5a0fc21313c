"""``mmlight print-config CONFIG``: the fully resolved config, as the Runner would get it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mmlight.cli.errors import Phase, run_guarded

__all__ = ["main"]

PROG = "mmlight print-config"


def build_parser() -> argparse.ArgumentParser:
    from mmlight.cli import flags

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Print a config with _base_, {{...}}, read_base and --cfg-options resolved.",
    )
    parser.add_argument("config", help="config file (.py, .json, .yaml)")
    flags.add_cfg_options(parser, example="train_cfg.max_epochs=3")
    parser.add_argument(
        "--format", choices=("py", "yaml", "json"), default="py",
        help="output format (default: Python, like mmengine's print_config)",
    )
    flags.add_debug(parser)
    return parser


def _body(argv: list[str], phase: Phase) -> None:
    from mmlight.cli.resolve import load_edited_config
    from mmlight.config.formats import dumps

    args = build_parser().parse_args(argv)
    cfg = load_edited_config(args)
    if args.format == "py":
        text = cfg.pretty_text
    else:
        data = dumps(cfg.to_dict(), args.format)
        text = data.decode() if isinstance(data, bytes) else data
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)
