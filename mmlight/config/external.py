"""``_base_ = 'mmseg::fcn/fcn_r50-d8.py'``: a base config shipped inside an installed package.

OpenMMLab packages install their configs under ``<package>/.mim/configs``; a user's config in
their own project inherits from one by ``scope::relative/path.py``. As in mmengine, the base's
outer typed dicts (``model``, ``train_dataloader``'s ``dataset``, ...) get ``_scope_ = scope`` so
their types are looked up in that package's registries, whatever the user's ``default_scope``.
The package is found by its import name (the scope); nothing of it is imported.
"""

from __future__ import annotations

import os
import os.path as osp
from typing import Any

from mmlight.config.errors import ConfigExternalBaseError, ConfigFileNotFoundError

__all__ = ["SCOPE_KEY", "external_config_path", "is_external", "mark_scope"]

SCOPE_KEY = "_scope_"
_SEPARATOR = "::"


def is_external(written: str) -> bool:
    return _SEPARATOR in written


def _package_dir(scope: str, written: str, requested_by: str) -> str:
    from mmlight.utils.package_utils import module_dir

    found = module_dir(scope)
    if found is None:
        raise ConfigExternalBaseError(
            f"{scope} is not installed, please install {scope} manually (base config "
            f"{written!r} in {requested_by} lives inside the installed package {scope!r})"
        )
    return found


def external_config_path(written: str, requested_by: str) -> tuple[str, str]:
    """``(absolute path, scope)`` of ``scope::path``, from the package's ``.mim/configs``."""
    scope, _, relative = written.partition(_SEPARATOR)
    if not scope.isidentifier() or not relative or _SEPARATOR in relative:
        raise ConfigExternalBaseError(
            f"Base config {written!r} in {requested_by}: write a package config as "
            "'package::relative/path.py', e.g. 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'"
        )
    package_dir = _package_dir(scope, written, requested_by)
    configs = osp.join(package_dir, ".mim", "configs")
    path = osp.join(configs, relative)
    if not osp.isfile(path):
        hint = ""
        folder = osp.dirname(path)
        if osp.isdir(folder):
            from mmlight.config.errors import did_you_mean

            hint = did_you_mean(osp.basename(relative), sorted(os.listdir(folder)))
        elif not osp.isdir(configs):
            hint = f" ({scope} ships no configs: {configs} does not exist)"
        raise ConfigFileNotFoundError(
            f"Base config {written!r} not found: resolved to {path!r}, requested by `_base_` in "
            f"{requested_by}.{hint}"
        )
    return path, scope


def mark_scope(value: Any, scope: str, outer: bool = True) -> None:
    """Give the outermost dicts that have a ``type`` the ``_scope_`` ``scope`` (unless they
    have one): what they build is looked up in that package's registries."""
    if isinstance(value, dict):
        if outer and "type" in value:
            outer = False
            if value.get(SCOPE_KEY) is None:
                dict.__setitem__(value, SCOPE_KEY, scope)
        for item in dict.values(value):
            mark_scope(item, scope, outer)
    elif isinstance(value, (list, tuple)):
        for item in value:
            mark_scope(item, scope, outer)
