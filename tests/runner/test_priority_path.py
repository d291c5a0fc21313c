"""``mmlight.runner.priority`` is mmengine's module path for the hooks' priority objects."""

from mmlight.hooks import priority as hooks_priority
from mmlight.runner import priority


def test_same_objects_as_the_hooks_module() -> None:
    assert priority.Priority is hooks_priority.Priority
    assert priority.get_priority is hooks_priority.get_priority
    assert priority.get_priority("VERY_HIGH") == 10
