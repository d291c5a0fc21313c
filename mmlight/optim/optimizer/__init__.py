"""Optimizers (torch's, registered in ``OPTIMIZERS`` on import), wrappers and their builder."""

from mmlight.optim.optimizer.amp_optimizer_wrapper import AmpOptimWrapper
from mmlight.optim.optimizer.apex_optimizer_wrapper import ApexOptimWrapper
from mmlight.optim.optimizer.base import BaseOptimWrapper
from mmlight.optim.optimizer.builder import build_optim_wrapper
from mmlight.optim.optimizer.deepspeed_optimizer_wrapper import DeepSpeedOptimWrapper
from mmlight.optim.optimizer.default_constructor import DefaultOptimWrapperConstructor
from mmlight.optim.optimizer.optimizer_wrapper import OptimWrapper
from mmlight.optim.optimizer.optimizer_wrapper_dict import OptimWrapperDict
from mmlight.optim.optimizer.stepper import OptimStepper
from mmlight.optim.optimizer.torch_optimizers import TORCH_OPTIMIZERS, register_torch_optimizers
from mmlight.optim.optimizer.zero_optimizer import ZeroRedundancyOptimizer
from mmlight.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIMIZERS

__all__ = [
    "OPTIMIZERS",
    "OPTIM_WRAPPER_CONSTRUCTORS",
    "TORCH_OPTIMIZERS",
    "AmpOptimWrapper",
    "ApexOptimWrapper",
    "BaseOptimWrapper",
    "DeepSpeedOptimWrapper",
    "DefaultOptimWrapperConstructor",
    "OptimStepper",
    "OptimWrapper",
    "OptimWrapperDict",
    "ZeroRedundancyOptimizer",
    "build_optim_wrapper",
    "register_torch_optimizers",
]
