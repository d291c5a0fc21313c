"""The dispatcher's table names every MMEngine mount point, and nothing else."""

from mmlight.hooks import MOUNT_POINTS
from mmlight.lightning import MOUNT_POINT_EVENTS, TRAINER_MAPPING


def test_every_mount_point_has_a_firing_place() -> None:
    assert set(MOUNT_POINT_EVENTS) == set(MOUNT_POINTS)
    assert len(MOUNT_POINTS) == 22


def test_trainer_mapping_is_documented() -> None:
    assert all(isinstance(v, str) and v for v in TRAINER_MAPPING.values())
