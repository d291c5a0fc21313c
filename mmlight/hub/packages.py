"""Configs and metafiles that installed OpenMMLab packages ship, found without the network.

An OpenMMLab package installed from a wheel carries its ``configs`` folder and its
``model-index.yml`` (which lists one ``metafile.yml`` per model family) under
``<package>/.mim``; a source checkout has ``configs`` next to the package folder instead.
``mmlight.hub`` and ``mmlight.infer`` both read them through this module.

Unlike mmengine, nothing is ever ``pip install``-ed here: a package that is missing is reported
with the command that installs it, and a scope is found by its import name, so any installed
package laid out this way works, not only those in :data:`~mmlight.config.utils.MODULE2PACKAGE`.
"""

from __future__ import annotations

import os
import os.path as osp
import re
from collections.abc import Iterator
from typing import Any

from mmlight.config.errors import did_you_mean
from mmlight.config.utils import MODULE2PACKAGE

__all__ = [
    "ExternalConfigNameError",
    "PackageNotInstalledError",
    "UnknownPackageError",
    "config_names",
    "iter_metafile_models",
    "mim_dir",
    "package_dir",
    "split_external_name",
]

_SEPARATOR = "::"


class PackageNotInstalledError(ModuleNotFoundError):
    """The package a ``scope::path`` name or a scope points at is not importable."""


class UnknownPackageError(PackageNotInstalledError, AssertionError):
    """Not installed and not an OpenMMLab scope either (mmengine asserts its table has it)."""


class ExternalConfigNameError(ValueError, AssertionError):
    """A name that is not ``package::relative/path.py``, or a package mmlight does not know.

    mmengine raises ValueError for the first and AssertionError for the second; this is both.
    """


def split_external_name(cfg_path: str) -> tuple[str, str]:
    """``('mmseg', 'fcn/x.py')`` from ``'mmseg::fcn/x.py'`` (mmengine's checks and wording)."""
    if re.match(r"\w*::\w*/\w*", cfg_path) is None:
        raise ExternalConfigNameError(
            "`_get_package_and_cfg_path` is used for get external package, please specify the "
            "package name and relative config path, just like "
            f"`mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py` (got {cfg_path!r})"
        )
    parts = cfg_path.split(_SEPARATOR)
    if len(parts) > 2:
        raise ExternalConfigNameError(
            "`::` should only be used to separate package and config name, but found multiple "
            f"`::` in {cfg_path}"
        )
    return parts[0], parts[1]


def package_dir(scope: str) -> str:
    """The folder of the installed package ``scope`` (its import name), not importing it."""
    from mmlight.utils.package_utils import module_dir

    found = module_dir(scope)
    if found is None:
        if scope in MODULE2PACKAGE:
            raise PackageNotInstalledError(_not_installed_message(scope), name=scope)
        raise UnknownPackageError(_not_installed_message(scope), name=scope)
    return found


def _not_installed_message(scope: str) -> str:
    if scope in MODULE2PACKAGE:
        return (
            f"{scope} is not installed: its configs ship inside the package; install it with "
            f'"pip install {MODULE2PACKAGE[scope]}" (mmlight installs nothing itself)'
        )
    return (
        f"mmengine does not support to load {scope} config: {scope!r} is neither an installed "
        f"package nor a known OpenMMLab scope.{did_you_mean(scope, MODULE2PACKAGE)}"
    )


def mim_dir(scope: str) -> str:
    """``<package>/.mim``: where an installed package keeps ``configs`` and ``model-index.yml``."""
    return osp.join(package_dir(scope), ".mim")


def iter_metafile_models(root: str) -> Iterator[dict[str, Any]]:
    """Every model entry of the metafiles ``root/model-index.yml`` imports, in order.

    Metafile paths are relative to ``root`` (``configs/fcn/metafile.yaml``).
    """
    from mmlight.fileio import load

    index = load(osp.join(root, "model-index.yml"))
    for relative in index["Import"]:
        metafile = load(osp.join(root, relative))
        yield from metafile["Models"]


def config_names(configs_root: str) -> list[str]:
    """Every ``.py`` config under ``configs_root``, relative to it (for did-you-mean hints)."""
    names = []
    for folder, _, files in os.walk(configs_root):
        for name in files:
            if name.endswith(".py"):
                names.append(osp.relpath(osp.join(folder, name), configs_root))
    return sorted(names)
