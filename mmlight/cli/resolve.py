"""From command-line input to a ready ``Config`` and ``Runner`` (shared by every command).

Mirrors what an OpenMMLab ``tools/train.py`` does between ``Config.fromfile`` and
``runner.train()``: ``--cfg-options`` merging, the ``work_dir`` priority, building the Runner
through ``RUNNERS`` when the config names a ``runner_type``.
"""

from __future__ import annotations

import copy
import os
import os.path as osp
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
    "edit_config",
    "import_custom_modules",
    "load_config",
    "load_edited_config",
    "parse_cfg_options",
    "prepare_script_config",
    "to_plain",
]


def load_config(path: str, import_custom_modules: bool = True) -> Any:
    """``Config.fromfile`` (``_base_``, ``{{...}}``, ``read_base``, ``custom_imports``); an
    MMCV 1.x config comes back translated to MMEngine style (one notice on stderr)."""
    from mmlight.config import Config

    _add_cwd_to_path()
    cfg = Config.fromfile(path, import_custom_modules=import_custom_modules)
    from mmlight.mmcv1.on_load import translate_if_mmcv1

    return translate_if_mmcv1(cfg, path, import_custom_modules)


def load_edited_config(
    args: Any, launcher: str | None = None, import_custom_modules: bool = True
) -> Any:
    """``args.config`` loaded, ``launcher`` set, then ``args.cfg_options`` merged (so an
    option may override the launcher), as the OpenMMLab scripts order it."""
    return edit_config(load_config(args.config, import_custom_modules), args, launcher)


def edit_config(cfg: Any, args: Any, launcher: str | None = None) -> Any:
    """``launcher`` set, then ``args.cfg_options`` merged into the loaded ``cfg``."""
    if launcher is not None:
        cfg.launcher = launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def prepare_script_config(
    args: Any, prog: str, checkpoints: Sequence[tuple[str, str]] = ()
) -> tuple[Any, bool]:
    """The steps ``mmlight-train`` and ``mmlight-test`` share: the edited config with its
    ``work_dir`` resolved and ``--unsafe-load`` applied; also whether unsafe loading is on.

    The cheap checks (``checkpoints`` as ``(path, flag)`` exist, the work_dir can be written)
    run before the config's ``custom_imports``, which usually load torch and the user's code.
    """
    from mmlight.cli.preflight import check_checkpoint_path, check_work_dir
    from mmlight.config.config import _import_custom_modules

    for path, flag in checkpoints:
        check_checkpoint_path(path, flag)
    cfg = load_config(args.config, import_custom_modules=False)
    # What Config.fromfile imports: the file's own list, before --cfg-options (as in mmengine).
    custom = copy.deepcopy(cfg.get("custom_imports", None))
    edit_config(cfg, args, launcher=args.launcher)
    apply_work_dir(cfg, args.config, args.work_dir)
    check_work_dir(cfg.work_dir, "--work-dir" if args.work_dir else f"work_dir in {args.config}")
    if custom:
        _import_custom_modules(custom, args.config)
    return cfg, apply_unsafe_load(cfg, args.unsafe_load, prog)


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


def build_runner(cfg: Any, training: bool = False) -> Any:
    """``RUNNERS.build(cfg)`` when the config names a ``runner_type``, else ``Runner.from_cfg``.

    ``training``: the run will train, so it takes the work_dir lock first - a second training
    run in the same work_dir is refused before its model and data are built.
    """
    from mmlight.registry import RUNNERS
    from mmlight.runner import Runner

    if cfg.get("model", None) is None:
        raise CLIError("the config has no `model`: every Runner config needs model=dict(type=...)")
    if not training:
        return RUNNERS.build(cfg) if "runner_type" in cfg else Runner.from_cfg(cfg)
    from mmlight.runner.config_checks import check_runner_arguments
    from mmlight.runner.work_dir import prepare_work_dir
    from mmlight.runner.work_dir_lock import WorkDirClaim, hold_work_dir

    check_runner_arguments(dict(cfg=cfg))  # a refused config leaves no work_dir behind
    launcher = cfg.get("launcher", "none")
    claim = WorkDirClaim()  # held until the Runner holds the folder itself
    hold_work_dir(claim, prepare_work_dir(cfg.work_dir), launcher)
    runner = RUNNERS.build(cfg) if "runner_type" in cfg else Runner.from_cfg(cfg)
    hold_work_dir(runner, runner.work_dir, launcher)
    return runner


def check_checkpoint(path: str, flag: str = "checkpoint", unsafe_load: bool = False) -> None:
    """Fail fast (exit 2) on a missing, unreadable or unsafe checkpoint, before anything is built.

    :func:`~mmlight.runner.checkpoint.check_checkpoint_safe` probes the file without running
    pickled code or reading tensor data, so this is cheap. An object outside the allow-list is
    refused unless ``unsafe_load`` (``--unsafe-load``).
    """
    if "://" in path:
        return  # remote: let the loader report it
    from mmlight.cli.preflight import check_checkpoint_path

    check_checkpoint_path(path, flag)
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError) as error:
            raise CLIError(f"{flag} {path!r} is corrupt: {error}") from error
        if bad is not None:
            raise CLIError(f"{flag} {path!r} is corrupt: member {bad!r} fails its CRC check")
    from mmlight.runner.checkpoint import (
        UNREADABLE_HINT,
        CheckpointDataRefusedError,
        NotACheckpointError,
        check_checkpoint_safe,
    )

    try:
        names = check_checkpoint_safe(path)
    except CheckpointDataRefusedError as error:
        raise CLIError(f"{flag} {path!r} is refused: {error.reason}") from error
    except Exception as error:
        if isinstance(error, NotACheckpointError) and error.reason:
            detail = error.reason
        else:
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise CLIError(
            f"{flag} {path!r} is not a readable checkpoint ({detail}); {UNREADABLE_HINT}"
        ) from error
    if names and not unsafe_load:
        raise CLIError(
            f"{flag} {path!r} is refused: its pickle references {', '.join(names)}, "
            "outside mmlight's allow-list of safe types, and loading it could run arbitrary "
            "code. If you trust this file, pass --unsafe-load."
        )


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
