"""Flags several commands take, defined once so their spelling, defaults and help agree.

``mmlight-train`` and ``mmlight-test`` take OpenMMLab's ``tools/*.py`` flags; the helpers
(``print-config``, ``check``) take the config-editing subset. What the flags do to a config is
in :mod:`mmlight.cli.resolve`.
"""

from __future__ import annotations

import argparse
import os

__all__ = [
    "LAUNCHERS",
    "add_cfg_options",
    "add_debug",
    "add_launch_flags",
    "add_unsafe_load",
    "export_local_rank",
]

LAUNCHERS = ("none", "pytorch", "slurm", "mpi")


def add_cfg_options(parser: argparse.ArgumentParser, example: str) -> None:
    """``--cfg-options KEY=VALUE ...``, parsed as mmengine's ``DictAction`` parses it."""
    from mmlight.config import DictAction

    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction,
        help=f"override config settings, KEY=VALUE (xxx=yyy), e.g. {example}; lists as "
        "key=[a,b] or key=a,b, tuples as key=(a,b); no spaces inside a value",
    )  # fmt: skip


def add_unsafe_load(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--unsafe-load", action="store_true",
        help="load checkpoints with full pickle (may run arbitrary code): only for files you "
        "trust that hold objects outside mmlight's allow-list",
    )  # fmt: skip


def add_launch_flags(parser: argparse.ArgumentParser) -> None:
    """``--launcher`` and ``--local_rank``, which distributed launchers pass to the script."""
    parser.add_argument("--launcher", choices=LAUNCHERS, default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)


def add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def export_local_rank(args: argparse.Namespace) -> None:
    """``--local_rank`` becomes ``LOCAL_RANK`` unless the launcher already set it."""
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
