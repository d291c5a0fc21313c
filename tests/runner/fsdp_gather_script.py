"""Gathers a full state dict from torch's FSDP on CPU/gloo, as a checkpoint under FSDP does.

Started by tests/runner/test_fsdp.py under torchrun with 2 processes. The FSDP root wraps a
container whose ``model`` attribute is the plain model (as Lightning's FSDPStrategy wraps the
LightningModule that holds ``runner.model``); one SGD step runs through the root in the way
torch's FSDP expects. Rank 0 saves the gathered state and the plain-torch reference.

Usage: python fsdp_gather_script.py OUT
"""

from __future__ import annotations

import copy
import os
import sys

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.fsdp import FullyShardedDataParallel
from torch.distributed.fsdp.wrap import ModuleWrapPolicy

from mmlight.runner.runner_checkpoint import _full_fsdp_state_dict


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
        self.head = nn.Linear(2, 1)
        self.register_buffer("steps", torch.tensor(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


class Container(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def main() -> None:
    out = sys.argv[1]
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    model = Net()
    reference = copy.deepcopy(model)
    x = torch.randn(6, 5, generator=torch.Generator().manual_seed(1))

    root = FullyShardedDataParallel(
        Container(model),
        device_id=torch.device("cpu"),
        use_orig_params=True,
        auto_wrap_policy=ModuleWrapPolicy({nn.Sequential}),
    )
    optimizer = torch.optim.SGD(root.parameters(), lr=0.1)
    root(x).pow(2).mean().backward()
    optimizer.step()
    sharded_shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    full = _full_fsdp_state_dict(root, model)

    ref_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    reference(x).pow(2).mean().backward()
    ref_optimizer.step()
    if dist.get_rank() == 0:
        os.makedirs(out, exist_ok=True)
        torch.save(
            dict(full=full, reference=reference.state_dict(), sharded_shapes=sharded_shapes),
            os.path.join(out, "gathered.pt"),
        )
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
