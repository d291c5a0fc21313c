"""Model wrappers. For now: torch's DataParallel/DDP registered as wrappers, as mmengine does."""

from torch.nn import DataParallel
from torch.nn.parallel import DistributedDataParallel

from mmlight.registry import MODEL_WRAPPERS

from .utils import is_model_wrapper

MODEL_WRAPPERS.register_module(module=DistributedDataParallel)
MODEL_WRAPPERS.register_module(module=DataParallel)

__all__ = ["is_model_wrapper"]
