"""``ZeroRedundancyOptimizer``: torch's ZeRO-1 optimizer, configured by optimizer name.

mmengine's config form, ``optimizer=dict(type='ZeroRedundancyOptimizer', optimizer_type='SGD',
lr=...)``: the optimizer states are sharded across the ranks of the default process group
(each rank steps about ``1 / world_size`` of the parameters, then broadcasts them). Saving needs
every rank: ``state_dict()`` gathers the shards (a collective) and returns the whole state on
the main process and ``{}`` elsewhere, as mmengine's does. Use it under a distributed run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from mmlight.registry import OPTIMIZERS

__all__ = ["ZeroRedundancyOptimizer"]

_TorchZeRO: Any
try:
    from torch.distributed.optim import ZeroRedundancyOptimizer as _TorchZeRO
except ImportError:  # a torch build without distributed support
    _TorchZeRO = None


def _optimizer_class(optimizer_type: str) -> type[torch.optim.Optimizer]:
    cls = getattr(torch.optim, optimizer_type, None)
    if cls is None:
        cls = OPTIMIZERS.get(optimizer_type)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        raise ValueError(
            f"ZeroRedundancyOptimizer: optimizer_type={optimizer_type!r} names no optimizer "
            "class in torch.optim or OPTIMIZERS (e.g. 'SGD', 'AdamW')"
        )
    return cls


@OPTIMIZERS.register_module()
class ZeroRedundancyOptimizer(_TorchZeRO or torch.optim.Optimizer):  # type: ignore[misc]
    """Shard ``optimizer_type``'s states across ranks (ZeRO stage 1).

    Args:
        params: the parameters, or param-group dicts (``paramwise_cfg`` works).
        optimizer_type: the local optimizer's class name, e.g. ``'SGD'``.
        **kwargs: the local optimizer's arguments (``lr``, ``momentum``...) and torch's
            ``ZeroRedundancyOptimizer`` options (``parameters_as_bucket_view``...).
    """

    def __init__(self, params: Iterable[Any], optimizer_type: str, **kwargs: Any) -> None:
        if _TorchZeRO is None:
            raise RuntimeError(
                "ZeroRedundancyOptimizer needs torch.distributed (this PyTorch build has none)"
            )
        super().__init__(list(params), _optimizer_class(optimizer_type), **kwargs)

    def state_dict(self) -> dict[str, Any]:
        """The whole (consolidated) state on the main process, ``{}`` on the others.

        A collective: every rank must call it.
        """
        from mmlight.dist import is_main_process

        self.consolidate_state_dict()
        return super().state_dict() if is_main_process() else {}
