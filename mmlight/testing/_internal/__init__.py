"""``mmengine.testing._internal``'s name: the harness of multi-process (distributed) tests."""

from mmlight.testing._internal.distributed import MultiProcessTestCase

__all__ = ["MultiProcessTestCase"]
