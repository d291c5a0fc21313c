"""Exact resume under FSDP with ``use_orig_params=False``: the optimizer is rebuilt over the
flat parameters when the model is sharded, and the resumed full state is scattered into it
(scenario and checks in test_fsdp_resume.py; three launches)."""

from __future__ import annotations

from pathlib import Path

from tests.runner.test_fsdp_resume import check_killed_and_resumed


def test_fsdp_flat_params_killed_and_resumed_run_equals_uninterrupted(tmp_path: Path) -> None:
    check_killed_and_resumed(tmp_path, use_orig_params=False)
