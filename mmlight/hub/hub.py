"""``get_config('mmseg::fcn/x.py')`` and ``get_model(...)``: a package's shipped configs by name.

mmengine's ``mmengine.hub`` semantics: the config is looked up first among the package's
metafile entries (``.mim/model-index.yml``), which also name the pretrained weights, and
otherwise (a ``_base_`` config has no entry) as a file under ``.mim/configs``. Differences:
a missing package is reported (mmengine ``pip install``-s it), a missing ``model-index.yml``
only means no weights are known, and an unknown config name gets a did-you-mean hint.
Importing this module touches no network and no torch.
"""

from __future__ import annotations

import importlib
import os.path as osp
import warnings
from typing import Any

from mmlight.config import Config
from mmlight.config.errors import ConfigFileNotFoundError, did_you_mean
from mmlight.hub.packages import (
    config_names,
    iter_metafile_models,
    mim_dir,
    split_external_name,
)
from mmlight.registry import MODELS, DefaultScope

__all__ = ["MissingWeightsError", "get_config", "get_model"]


class MissingWeightsError(AssertionError):
    """``pretrained=True`` for a config whose metafile entry names no weights (mmengine
    asserts there)."""


def _metafile_entry(root: str, cfg_path: str) -> dict[str, Any] | None:
    """The first metafile entry whose ``Config`` is ``configs/<cfg_path>``, or None.

    Entries without ``Config`` are skipped with a warning, as mmengine does.
    """
    if not osp.isfile(osp.join(root, "model-index.yml")):
        return None
    for entry in iter_metafile_models(root):
        if "Config" not in entry:
            warnings.warn(f"There is not `Config` define in {entry}", stacklevel=3)
            continue
        if entry["Config"].partition("/")[-1] == cfg_path:
            return entry
    return None


def _config_file(root: str, cfg_path: str, written: str) -> str:
    """``root/configs/cfg_path``, or an error naming the configs the package does have."""
    configs = osp.join(root, "configs")
    path = osp.join(configs, cfg_path)
    if osp.isfile(path):
        return path
    if not osp.isdir(configs):
        hint = f" The package ships no configs: {configs} does not exist."
    else:
        hint = did_you_mean(cfg_path, config_names(configs))
    raise ConfigFileNotFoundError(f'file "{path}" does not exist ({written!r}).{hint}')


def get_config(cfg_path: str, pretrained: bool = False) -> Config:
    """The config ``'package::relative/path.py'`` that an installed package ships.

    With ``pretrained``, ``cfg.model_path`` is the weights its metafile names.
    """
    scope, relative = split_external_name(cfg_path)
    root = mim_dir(scope)
    entry = _metafile_entry(root, relative)
    if entry is None:
        return Config.fromfile(_config_file(root, relative, cfg_path))
    cfg = Config.fromfile(osp.join(root, entry["Config"]))
    if pretrained:
        if "Weights" not in entry:
            raise MissingWeightsError(
                "Cannot find `Weights` in cfg_file.metafile.yml, please check the metafile "
                f"(entry {entry.get('Name', entry['Config'])!r} of {scope})"
            )
        cfg.model_path = entry["Weights"]
    return cfg


def _register_all_modules(scope: str) -> None:
    """Call ``<scope>.utils.register_all_modules()`` where the package has one, as mmengine
    does before building (packages written for mmlight may register on import instead)."""
    try:
        utils = importlib.import_module(f"{scope}.utils")
    except ModuleNotFoundError as error:
        if error.name != f"{scope}.utils":
            raise
        return
    register = getattr(utils, "register_all_modules", None)
    if callable(register):
        register()


def get_model(cfg_path: str, pretrained: bool = False, **kwargs: Any) -> Any:
    """Build the model of ``get_config(cfg_path)`` in the package's scope; ``kwargs`` are
    default arguments of the build. ``pretrained`` loads the metafile's weights (with
    mmlight's safe loader) and marks the model initialised so ``init_weights`` keeps them."""
    scope = cfg_path.split("::")[0]
    with DefaultScope.overwrite_default_scope(scope):
        cfg = get_config(cfg_path, pretrained)
        if "data_preprocessor" in cfg:
            cfg.model.data_preprocessor = cfg.data_preprocessor
        _register_all_modules(scope)
        model = MODELS.build(cfg.model, default_args=kwargs)
        if pretrained:
            if "model_path" not in cfg:
                raise MissingWeightsError(
                    f"{cfg_path} has no metafile entry naming its weights, so there are no "
                    "pretrained weights to load (pass pretrained=False)"
                )
            from mmlight.runner.checkpoint import load_checkpoint

            load_checkpoint(model, cfg.model_path)
            model._is_init = True
        return model
