"""Model wrappers: torch's DataParallel/DDP registered as wrappers, as mmengine does, and FSDP."""

from torch.nn import DataParallel
from torch.nn.parallel import DistributedDataParallel

from mmlight.registry import MODEL_WRAPPERS

from .fully_sharded_distributed import MMFullyShardedDataParallel
from .utils import is_model_wrapper

MODEL_WRAPPERS.register_module(module=DistributedDataParallel)
MODEL_WRAPPERS.register_module(module=DataParallel)

__all__ = ["MMFullyShardedDataParallel", "is_model_wrapper"]
