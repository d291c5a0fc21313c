"""From command-line input to a ready ``Config`` and ``Runner`` (shared by every command).

Mirrors what an OpenMMLab ``tools/train.py`` does between ``Config.fromfile`` and
``runner.train()``: ``--cfg-options`` merging, the ``work_dir`` priority, building the Runner
through ``RUNNERS`` when the config names a ``runner_type``.
"""

from __future__ import annotations

import os
import os.path as osp
import re
import sys
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from mmlight.cli.errors import CLIError

__all__ = [
    "apply_unsafe_load",
    "apply_work_dir",
    "build_runner",
    "check_checkpoint",
    "import_custom_modules",
    "load_config",
    "parse_cfg_options",
    "to_plain",
]


def load_config(path: str) -> Any:
    """``Config.fromfile`` (``_base_``, ``{{...}}``, ``read_base``, ``custom_imports``)."""
    from mmlight.config import Config

    _add_cwd_to_path()
    return Config.fromfile(path)


def _add_cwd_to_path() -> None:
    """Console scripts, unlike ``python -m``, do not put the working directory on sys.path;
    ``custom_imports`` of a project's own modules must resolve the same either way."""
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def import_custom_modules(cfg: Mapping[str, Any], where: str = "the config") -> None:
    """Import ``custom_imports`` of a config that was not loaded by ``Config.fromfile``."""
    custom = cfg.get("custom_imports")
    if not custom:
        return
    if not isinstance(custom, Mapping):
        raise CLIError(
            f"custom_imports in {where} must be a dict such as dict(imports=['my_pkg.models']), "
            f"got {type(custom).__name__}"
        )
    from mmlight.utils import import_modules_from_strings

    _add_cwd_to_path()
    try:
        import_modules_from_strings(**dict(custom))
    except ImportError as error:
        raise CLIError(
            f"custom_imports in {where}: {error} (is the module's directory on PYTHONPATH?)"
        ) from error


def parse_cfg_options(items: Sequence[str], flag: str = "--cfg-options") -> dict[str, Any]:
    """``KEY=VALUE`` strings parsed exactly as MMEngine's ``DictAction`` parses them."""
    from argparse import Namespace

    from mmlight.config import DictAction

    namespace = Namespace()
    DictAction([flag], "cfg_options")(None, namespace, list(items), flag)  # type: ignore[arg-type]
    return dict(namespace.cfg_options)


def apply_work_dir(cfg: Any, config_path: str | None, work_dir: str | None = None) -> None:
    """OpenMMLab's rule: ``--work-dir`` > the config's ``work_dir`` > ``./work_dirs/<name>``."""
    if work_dir is not None:
        cfg["work_dir"] = work_dir
    elif cfg.get("work_dir", None) is None:
        stem = osp.splitext(osp.basename(config_path))[0] if config_path else "mmlight"
        cfg["work_dir"] = osp.join("./work_dirs", stem)


def build_runner(cfg: Any) -> Any:
    """``RUNNERS.build(cfg)`` when the config names a ``runner_type``, else ``Runner.from_cfg``."""
    from mmlight.registry import RUNNERS
    from mmlight.runner import Runner

    if cfg.get("model", None) is None:
        raise CLIError("the config has no `model`: every Runner config needs model=dict(type=...)")
    if "runner_type" in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def check_checkpoint(path: str, flag: str = "checkpoint", unsafe_load: bool = False) -> None:
    """Fail fast (exit 2) on a missing, unreadable or unsafe checkpoint, before anything is built.

    The file is read with a ``weights_only`` load restricted to mmlight's allow-list onto the
    ``meta`` device: no pickled code runs and no tensor data is read, so this is cheap. An
    object outside the allow-list is refused unless ``unsafe_load`` (``--unsafe-load``).
    """
    if "://" in path:
        return  # remote: let the loader report it
    if not osp.isfile(path):
        hint = ""
        folder = osp.dirname(path) or "."
        if osp.isdir(folder):
            found = sorted(f for f in os.listdir(folder) if f.endswith((".pth", ".ckpt", ".pt")))
            if found:
                from mmlight.config.errors import did_you_mean

                hint = did_you_mean(osp.basename(path), found)
        raise CLIError(f"{flag} {path!r} does not exist.{hint}")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError) as error:
            raise CLIError(f"{flag} {path!r} is corrupt: {error}") from error
        if bad is not None:
            raise CLIError(f"{flag} {path!r} is corrupt: member {bad!r} fails its CRC check")
    from mmlight.runner.checkpoint import UnsafeCheckpointError, _load_checkpoint

    try:
        _load_checkpoint(path, map_location="meta", unsafe_load=False)
    except UnsafeCheckpointError as error:
        names = _unsafe_globals(path, error)
        if not names:  # the loader also says "unsafe" of pickles it cannot parse at all
            raise CLIError(
                f"{flag} {path!r} is not a readable PyTorch checkpoint (its pickle cannot be "
                "parsed); it may be truncated or not a checkpoint at all"
            ) from error
        if unsafe_load:
            return  # readable up to the first unsafe global; the user vouched for the rest
        raise CLIError(
            f"{flag} {path!r} is refused: its pickle references {', '.join(names)}, "
            "outside mmlight's allow-list of safe types, and loading it could run arbitrary "
            "code. If you trust this file, pass --unsafe-load."
        ) from error
    except Exception as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CLIError(
            f"{flag} {path!r} is not a readable PyTorch checkpoint ({first}); it may be "
            "truncated or not a checkpoint at all"
        ) from error


def _unsafe_globals(path: str, error: BaseException) -> list[str]:
    """Every global outside the allow-list (a static scan of a zip checkpoint), else the one
    the refused load stopped at; empty when the pickle names none."""
    import torch

    from mmlight.runner.safe_checkpoint import checkpoint_safe_globals

    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            names = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # legacy (non-zip) format or an unreadable pickle: use the load's answer
        names = []
    if names:
        return names
    found = re.search(r"references ([\w.]+), which", str(error))
    return [found.group(1)] if found else []


def apply_unsafe_load(cfg: Any, flag: bool, prog: str) -> bool:
    """``--unsafe-load`` sets ``cfg.unsafe_load``; whichever turned it on, say once on stderr
    that checkpoints may run code. Returns whether unsafe loading is on."""
    if flag:
        cfg["unsafe_load"] = True
        source = "--unsafe-load"
    elif cfg.get("unsafe_load", False):
        source = "unsafe_load=True in the config"
    else:
        return False
    sys.stderr.write(
        f"{prog}: warning: {source}: checkpoints are loaded with full pickle, which can run "
        "arbitrary code; use it only with files you trust\n"
    )
    return True


def to_plain(value: Any) -> Any:
    """Plain YAML-able data: mappings -> dict, tuples -> lists (YAML has no tuples)."""
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value
