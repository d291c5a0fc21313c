"""``mmengine.hooks.test_time_aug_hook``'s module path for the objects of
:mod:`mmlight.hooks.prepare_tta_hook`."""

from mmlight.hooks.prepare_tta_hook import PrepareTTAHook, build_runner_with_tta

__all__ = ["PrepareTTAHook", "build_runner_with_tta"]
