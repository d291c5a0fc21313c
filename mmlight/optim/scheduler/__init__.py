"""Parameter schedulers (learning rate, momentum, any param-group key), registered in
``PARAM_SCHEDULERS`` under mmengine's names."""

from mmlight.optim.scheduler.cosine import (
    CosineAnnealingParamScheduler,
    CosineRestartParamScheduler,
)
from mmlight.optim.scheduler.factor import ConstantParamScheduler, LinearParamScheduler
from mmlight.optim.scheduler.lr_scheduler import (
    ConstantLR,
    CosineAnnealingLR,
    CosineRestartLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    PolyLR,
    ReduceOnPlateauLR,
    StepLR,
)
from mmlight.optim.scheduler.momentum_scheduler import (
    ConstantMomentum,
    CosineAnnealingMomentum,
    CosineRestartMomentum,
    ExponentialMomentum,
    LinearMomentum,
    MultiStepMomentum,
    PolyMomentum,
    ReduceOnPlateauMomentum,
    StepMomentum,
)
from mmlight.optim.scheduler.one_cycle import OneCycleParamScheduler
from mmlight.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmlight.optim.scheduler.reduce_on_plateau import ReduceOnPlateauParamScheduler
from mmlight.optim.scheduler.step_decay import (
    ExponentialParamScheduler,
    MultiStepParamScheduler,
    PolyParamScheduler,
    StepParamScheduler,
)

__all__ = [
    "INF",
    "ConstantLR",
    "ConstantMomentum",
    "ConstantParamScheduler",
    "CosineAnnealingLR",
    "CosineAnnealingMomentum",
    "CosineAnnealingParamScheduler",
    "CosineRestartLR",
    "CosineRestartMomentum",
    "CosineRestartParamScheduler",
    "ExponentialLR",
    "ExponentialMomentum",
    "ExponentialParamScheduler",
    "LinearLR",
    "LinearMomentum",
    "LinearParamScheduler",
    "MultiStepLR",
    "MultiStepMomentum",
    "MultiStepParamScheduler",
    "OneCycleLR",
    "OneCycleParamScheduler",
    "PolyLR",
    "PolyMomentum",
    "PolyParamScheduler",
    "ReduceOnPlateauLR",
    "ReduceOnPlateauMomentum",
    "ReduceOnPlateauParamScheduler",
    "StepLR",
    "StepMomentum",
    "StepParamScheduler",
    "_ParamScheduler",
]
