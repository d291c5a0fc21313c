"""``mmlight.hooks.test_time_aug_hook`` is mmengine's module path for the TTA hook objects."""

from mmlight.hooks import prepare_tta_hook, test_time_aug_hook


def test_same_objects_as_prepare_tta_hook() -> None:
    assert test_time_aug_hook.PrepareTTAHook is prepare_tta_hook.PrepareTTAHook
    assert test_time_aug_hook.build_runner_with_tta is prepare_tta_hook.build_runner_with_tta
