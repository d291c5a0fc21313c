"""Model wrappers: torch's DataParallel/DDP registered as wrappers, as mmengine does, mmengine's
DDP wrappers with the runner's steps (whole model, or one DDP per submodule) and FSDP."""

from torch.nn import DataParallel
from torch.nn.parallel import DistributedDataParallel

from mmlight.registry import MODEL_WRAPPERS

from .distributed import MMDistributedDataParallel
from .fully_sharded_distributed import MMFullyShardedDataParallel
from .separate_distributed import MMSeparateDistributedDataParallel
from .utils import is_model_wrapper

MODEL_WRAPPERS.register_module(module=DistributedDataParallel)
MODEL_WRAPPERS.register_module(module=DataParallel)

__all__ = [
    "MMDistributedDataParallel",
    "MMFullyShardedDataParallel",
    "MMSeparateDistributedDataParallel",
    "is_model_wrapper",
]
