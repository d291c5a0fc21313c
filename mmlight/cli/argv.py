"""Command-line words LightningCLI's parser does not take, split off before it parses.

- ``--cfg-options``/``--cfg_options KEY=VALUE ...``: OpenMMLab's edits, parsed like DictAction;
- ``--cfg.KEY.PATH VALUE`` (or ``=VALUE``): the same edit spelled like ``--model.*`` flags
  (jsonargparse would otherwise replace the whole ``cfg`` dict with ``{KEY: {PATH: 'VALUE'}}``);
- ``--print_config[=skip_null]``: printed by mmlight after the edits above are applied, so
  the printed YAML is the resolved config;
- ``--unsafe_load``/``--unsafe-load``: becomes ``cfg.unsafe_load = True`` (so a printed config
  keeps it, like any other edit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mmlight.cli.errors import CLIError

__all__ = ["UNSAFE_LOAD_FLAGS", "SplitArgs", "check_config_paths", "split_argv"]

_OPTION_FLAGS = ("--cfg-options", "--cfg_options")
_CONFIG_FLAGS = ("-c", "--config")
UNSAFE_LOAD_FLAGS = ("--unsafe_load", "--unsafe-load")


@dataclass
class SplitArgs:
    rest: list[str] = field(default_factory=list)
    cfg_options: list[str] = field(default_factory=list)
    print_config: str | None = None  # None: not asked; '' or the flags after '='
    unsafe_load: bool = False


def split_argv(argv: Sequence[str]) -> SplitArgs:
    out = SplitArgs()
    words = list(argv)
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word in _OPTION_FLAGS:
            start = index
            while index < len(words) and not words[index].startswith("-"):
                out.cfg_options.append(words[index])
                index += 1
            if index == start:
                raise CLIError(
                    f"{word} expects KEY=VALUE pairs, e.g. {word} train_cfg.max_epochs=3"
                )
        elif word.startswith("--cfg."):
            key, eq, value = word[len("--cfg."):].partition("=")
            if not eq:
                if index >= len(words):
                    raise CLIError(f"--cfg.{key} expects a value, e.g. --cfg.{key} 3")
                value = words[index]
                index += 1
            out.cfg_options.append(f"{key}={value}")
        elif word == "--print_config" or word.startswith("--print_config="):
            out.print_config = word.partition("=")[2]
        elif word in UNSAFE_LOAD_FLAGS:
            out.unsafe_load = True
        else:
            out.rest.append(word)
    return out


def check_config_paths(words: Sequence[str]) -> None:
    """Refuse a directory given to ``-c/--config`` with mmlight's message (jsonargparse would
    say only "Path is not a file"): that it is a directory, and which configs it holds."""
    import os.path as osp

    for index, word in enumerate(words):
        flag, eq, value = word.partition("=")
        if flag not in _CONFIG_FLAGS:
            continue
        if not eq:
            if index + 1 >= len(words):
                continue
            value = words[index + 1]
        if value and osp.isdir(value):
            from mmlight.config.text_loader import check_config_file

            check_config_file(osp.abspath(value), written=value)
