"""Writing model outputs to files that load without unpickling code.

``.json`` holds plain data; ``.pt`` is written with ``torch.save`` from plain containers and
tensors only, so ``torch.load(path, weights_only=True)`` reads it back. ``.pkl`` stays
available for ``mmlight-test --out`` because OpenMMLab's ``tools/test.py`` writes pickles.
"""

from __future__ import annotations

import json
import os.path as osp
from collections.abc import Mapping, Sequence
from typing import Any

from mmlight.cli.errors import CLIError

__all__ = ["SAFE_EXTENSIONS", "check_output_path", "to_safe", "write_outputs"]

SAFE_EXTENSIONS = (".json", ".pt")


def check_output_path(path: str, flag: str, extensions: Sequence[str] = SAFE_EXTENSIONS) -> str:
    """The extension of ``path`` if it is one of ``extensions``; a clear error otherwise."""
    ext = osp.splitext(path)[1].lower()
    if ext == ".pickle":
        ext = ".pkl"
    if ext not in extensions:
        raise CLIError(
            f"{flag} {path!r}: unsupported file type {ext or '(none)'!r}; use one of "
            + ", ".join(extensions)
        )
    return ext


def to_safe(value: Any, for_json: bool) -> Any:
    """Plain containers of numbers, strings and (for .pt) tensors.

    Objects with ``to_dict()`` (MMEngine data samples) or ``__dict__`` become dicts; tensors
    move to the CPU and, for JSON, become nested lists.
    """
    import torch

    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return value.tolist() if for_json else value
    if isinstance(value, Mapping):
        return {str(k): to_safe(v, for_json) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_safe(v, for_json) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return value.item()  # numpy scalar
    if hasattr(value, "tolist") and callable(value.tolist):
        return value.tolist()  # numpy array
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_safe(to_dict(), for_json)
    if hasattr(value, "__dict__"):
        return to_safe({k: v for k, v in vars(value).items() if not k.startswith("_")}, for_json)
    return str(value)


def write_outputs(outputs: list[Any], path: str) -> None:
    """Write ``outputs`` to ``path`` (``.json`` or ``.pt``), creating parent folders."""
    import fsspec

    ext = check_output_path(path, "output")
    fs, local = fsspec.core.url_to_fs(path)
    parent = fs._parent(local)
    if parent:
        fs.makedirs(parent, exist_ok=True)
    if ext == ".json":
        with fs.open(local, "w") as file:
            json.dump(to_safe(outputs, for_json=True), file)
        return
    import torch

    with fs.open(local, "wb") as file:
        torch.save(to_safe(outputs, for_json=False), file)


def safe_dump_metric(out_file_path: str) -> Any:
    """A metric that collects predictions and writes them with :func:`write_outputs`."""
    from mmlight.evaluator import BaseMetric

    class _SafeDumpResults(BaseMetric):
        _warn_without_prefix = False  # it returns no metrics to prefix

        def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
            self.results.extend(to_safe(list(data_samples), for_json=False))

        def compute_metrics(self, results: list) -> dict:
            write_outputs(results, out_file_path)
            from mmlight.logging import print_log

            print_log(f"{len(results)} predictions written to {out_file_path}", logger="current")
            return {}

    return _SafeDumpResults()
