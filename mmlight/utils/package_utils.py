"""Is a package installed, where, and installing it (mmengine.utils.package_utils).

mmengine 0.10.7 answers through ``pkg_resources``, which recent setuptools no longer ship
(then its functions fail with ModuleNotFoundError); these use ``importlib.metadata`` for the
same answers, like mmengine's later releases.
"""

from __future__ import annotations

import os.path as osp
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.metadata costs milliseconds: imported when first asked
    from importlib.machinery import ModuleSpec
    from importlib.metadata import Distribution

__all__ = [
    "call_command",
    "get_installed_path",
    "install_package",
    "is_installed",
    "module_available",
    "module_dir",
    "package2module",
]


def _find_spec(name: str) -> ModuleSpec | None:
    """``importlib.util.find_spec`` that answers None where a parent package is missing."""
    import importlib.util

    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a parent missing, or a stand-in without __spec__
        return None


def module_available(name: str) -> bool:
    """Whether ``import name`` would find a module: one imported already (a test's stand-in
    included; ``None`` in ``sys.modules`` blocks it) or one on the path."""
    if name in sys.modules:
        return sys.modules[name] is not None
    return _find_spec(name) is not None


def module_dir(import_name: str) -> str | None:
    """The folder of the importable package ``import_name`` (``'mmseg'``), found without
    importing it; None when there is none (OpenMMLab configs live in ``<it>/.mim``)."""
    spec = _find_spec(import_name)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return str(locations[0]) if locations else None


def _distribution(package: str) -> Distribution | None:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        return distribution(package)
    except PackageNotFoundError:
        return None


def is_installed(package: str) -> bool:
    """Whether ``package`` is an installed distribution (``'pillow'``) or an importable,
    non-namespace module (``'PIL'``, ``'os'``, a package on ``sys.path``)."""
    if _distribution(package) is not None:
        return True
    spec = _find_spec(package)
    return spec is not None and spec.origin is not None


def package2module(package: str) -> str:
    """The top-level module an installed distribution provides (``'mmcv-lite'`` -> ``'mmcv'``).

    PackageNotFoundError if it is not installed; ValueError if its metadata does not say.
    """
    from importlib.metadata import distribution

    top_level = distribution(package).read_text("top_level.txt")
    if top_level:
        first = top_level.split("\n")[0].strip()
        if first:
            return first
    raise ValueError(f"can not infer the module name of {package}")


def get_installed_path(package: str) -> str:
    """The directory of an installed package, e.g. ``.../site-packages/mmcv`` for ``'mmcv-lite'``.

    A distribution resolves to ``<site dir>/<package>`` when that exists, else to the module
    its metadata names; a plain importable package to its directory. RuntimeError for a
    namespace package, PackageNotFoundError when nothing of that name is found.
    """
    dist = _distribution(package)
    if dist is None:
        spec = _find_spec(package)
        if spec is None:
            from importlib.metadata import PackageNotFoundError

            raise PackageNotFoundError(package)
        if spec.origin is None:
            raise RuntimeError(
                f"{package} is a namespace package, which is invalid for `get_install_path`"
            )
        return osp.dirname(spec.origin)
    location = str(dist.locate_file(""))
    candidate = osp.join(location, package)
    if osp.exists(candidate):
        return candidate
    return osp.join(location, package2module(package))


def call_command(cmd: list[str]) -> None:
    """Run ``cmd``; CalledProcessError if it exits non-zero."""
    subprocess.check_call(cmd)


def install_package(package: str) -> None:
    """``python -m pip install package`` unless it is installed already."""
    if not is_installed(package):
        call_command(["python", "-m", "pip", "install", package])
