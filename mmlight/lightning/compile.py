"""``cfg.compile`` -> ``torch.compile`` of the model's ``train_step``, as MMEngine does.

MMEngine compiles only ``train_step`` (validation and test stay eager because of a torch
issue) and only in ``Runner.train()``, after the model is wrapped and the checkpoint loaded.
The compiled function replaces the method on the model instance, so the training loop (and
any custom loop calling ``model.train_step``) runs the compiled version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["CompileConfigError", "maybe_compile"]


class CompileConfigError(TypeError):
    """``compile`` is neither a bool nor a dict of ``torch.compile`` arguments."""


def _compile_kwargs(compile_cfg: Any) -> dict[str, Any] | None:
    if compile_cfg is None or compile_cfg is False:
        return None
    if compile_cfg is True:
        return {}
    if isinstance(compile_cfg, Mapping):
        return dict(compile_cfg)
    raise CompileConfigError(
        "compile must be True/False or a dict of torch.compile arguments (e.g. "
        f"compile=dict(backend='inductor', mode='max-autotune')), got {type(compile_cfg).__name__}"
        f" {compile_cfg!r}"
    )


def maybe_compile(
    runner_model: Any, compile_cfg: Any, target: str = "train_step", logger: Any = None
) -> bool:
    """Replace ``runner_model.<target>`` by its compiled version; True if it compiled.

    ``compile_cfg`` is the config's ``compile`` entry: None/False (nothing), True (defaults)
    or a dict of ``torch.compile`` keyword arguments.
    """
    kwargs = _compile_kwargs(compile_cfg)
    if kwargs is None:
        return False
    import torch

    method = getattr(runner_model, target, None)
    if not callable(method):
        raise AttributeError(
            f"compile: {type(runner_model).__name__} has no method {target!r} to compile"
        )
    try:
        compiled = torch.compile(method, **kwargs)
    except TypeError as error:
        raise CompileConfigError(f"compile={compile_cfg!r}: {error}") from error
    setattr(runner_model, target, compiled)
    if logger is not None:
        logger.info(
            "Model has been compiled (torch.compile of %s); the first iterations are slow "
            "while it compiles.",
            target,
        )
    return True
