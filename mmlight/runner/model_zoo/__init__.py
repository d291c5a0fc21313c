"""Name-to-URL tables behind the model-zoo checkpoint schemes, with mmengine's function names.

The tables are data files next to this module (the same entries mmengine 0.10.7 ships):
``torchvision_0.12.json`` (``torchvision://`` names of torchvision 0.12), ``openmmlab.json``
(``open-mmlab://``), ``mmcls.json`` (``mmcls://``) and ``deprecated.json`` (renamed
``open-mmlab://`` names). Nothing here is imported or executed from a file: json only.

``torchvision://`` names of newer torchvision releases (``resnet50.imagenet1k_v2``,
``resnet50.default`` ...) come from torchvision's weight enums, so they need torchvision; the
0.12 names work without it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "TorchvisionUnavailableError",
    "UnknownModelNameError",
    "get_deprecated_model_names",
    "get_external_models",
    "get_mmcls_models",
    "get_torchvision_models",
    "import_torchvision",
    "mmengine_home",
    "model_url",
]

_TABLES = Path(__file__).resolve().parent

# Where mmengine keeps downloaded model-zoo files and a user's ``open_mmlab.json``; the same
# variables, so a cache filled for mmengine is used as it is.
ENV_MMENGINE_HOME = "MMENGINE_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"


class UnknownModelNameError(KeyError):
    """A model-zoo name that is in none of the tables (a ``KeyError``, as in mmengine)."""

    def __str__(self) -> str:  # KeyError would show the message quoted
        return str(self.args[0]) if self.args else ""


class TorchvisionUnavailableError(UnknownModelNameError):
    """A ``torchvision://`` name that only an importable torchvision could resolve."""


def mmengine_home() -> str:
    """``$MMENGINE_HOME``, else ``$XDG_CACHE_HOME/mmengine``, else ``~/.cache/mmengine``
    (created if missing), as mmengine resolves it."""
    cache = os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR)
    home = os.path.expanduser(os.getenv(ENV_MMENGINE_HOME, os.path.join(cache, "mmengine")))
    os.makedirs(home, exist_ok=True)
    return home


def _read_table(path: str | Path) -> dict[str, str | None]:
    """A json object of names to URLs or paths (null: a model without published weights)."""
    with open(path, encoding="utf-8") as stream:
        table = json.load(stream)
    if not isinstance(table, dict) or not all(
        isinstance(key, str) and (value is None or isinstance(value, str))
        for key, value in table.items()
    ):
        raise ValueError(f"{path} must hold a json object mapping model names to URLs or paths")
    return table


def get_torchvision_models() -> dict[str, str | None]:
    """``torchvision://`` names and their URLs.

    The torchvision 0.12 names always; with torchvision >= 0.13 importable, also every weight
    enum entry as ``<model>.<weight>`` (lower case) and ``<model>.default``, as mmengine adds.
    """
    urls = _read_table(_TABLES / "torchvision_0.12.json")
    torchvision, _ = import_torchvision()
    if torchvision is not None:
        urls.update(_weight_enum_urls(torchvision))
    return urls


def import_torchvision() -> tuple[Any, str | None]:
    """``(torchvision, None)``, or ``(None, why)`` when it is missing or broken (a torchvision
    built for another torch fails to import in many ways)."""
    try:
        import torchvision
    except Exception as error:
        return None, f"{type(error).__name__}: {error}"
    return torchvision, None


def _weight_enum_urls(torchvision: Any) -> dict[str, str | None]:
    """The URLs of torchvision's weight enums (torchvision >= 0.13; none before)."""
    version = tuple(int(part) for part in re.findall(r"\d+", torchvision.__version__)[:2])
    if version < (0, 13):
        return {}  # the 0.12 table is that release's model_urls
    models = torchvision.models
    if version < (0, 14):
        enums = [cls for name, cls in vars(models).items() if name.endswith("_Weights")]
    else:
        enums = [models.get_model_weights(name) for name in models.list_models(models)]
    urls: dict[str, str | None] = {}
    for enum in enums:
        if not hasattr(enum, "DEFAULT"):  # an enum without any weights
            continue
        key = enum.__name__.replace("_Weights", "").lower()
        urls[f"{key}.default"] = enum.DEFAULT.url
        for weight in enum:
            urls[f"{key}.{weight.name.lower()}"] = weight.url
    return urls


def get_external_models() -> dict[str, str | None]:
    """``open-mmlab://`` names: the shipped table, updated by ``<mmengine home>/open_mmlab.json``
    where a user keeps their own entries (URLs, or paths relative to that folder)."""
    urls = _read_table(_TABLES / "openmmlab.json")
    external = os.path.join(mmengine_home(), "open_mmlab.json")
    if os.path.exists(external):
        urls.update(_read_table(external))
    return urls


def get_mmcls_models() -> dict[str, str | None]:
    """``mmcls://`` names and their URLs."""
    return _read_table(_TABLES / "mmcls.json")


def get_deprecated_model_names() -> dict[str, str | None]:
    """Old ``open-mmlab://`` names and the names that replace them."""
    return _read_table(_TABLES / "deprecated.json")


def model_url(table: Mapping[str, str | None], name: str, scheme: str) -> str:
    """``table[name]``, or an error naming the scheme, the closest known names and, for
    ``torchvision://``, why torchvision could not add its newer names."""
    import difflib

    url = table.get(name)
    if url is not None:
        return url
    if name in table:
        raise UnknownModelNameError(f"{name}: the {scheme} table lists no weights for it")
    close = difflib.get_close_matches(name, list(table), n=5)
    hint = f"; close names: {', '.join(close)}" if close else ""
    message = f"{name}: no {scheme} model of that name{hint}"
    if scheme in ("torchvision://", "modelzoo://"):
        _, why = import_torchvision()
        if why is not None:
            raise TorchvisionUnavailableError(
                f"{message}. mmlight knows torchvision 0.12's names without torchvision; newer "
                "names (such as 'resnet50.imagenet1k_v2' or 'resnet50.default') come from "
                f"torchvision's weight enums, and torchvision could not be imported ({why}). "
                "Install a torchvision that matches your torch, or use a 0.12 name"
            )
    raise UnknownModelNameError(message)
