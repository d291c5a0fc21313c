"""BatchSource: the training iterator is created and advanced when MMEngine does it."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from mmlight.runner.batch_source import BatchSource


def _loader() -> DataLoader:
    return DataLoader(list(range(10)), batch_size=2, shuffle=False)


def test_open_draws_the_base_seed_at_once() -> None:
    """``iter(DataLoader)`` draws from torch's generator; open() does it now, as MMEngine's
    iteration-based loop does when it is built, not at the first batch."""
    torch.manual_seed(0)
    source = BatchSource(_loader(), endless=True)
    before = torch.get_rng_state()
    source.open()
    after_open = torch.get_rng_state()
    assert not torch.equal(before, after_open)
    assert source.next_batch().tolist() == [0, 1]
    assert torch.equal(torch.get_rng_state(), after_open)  # the first batch draws nothing more


def test_resume_discards_the_opened_iterator_and_skips_without_drawing() -> None:
    source = BatchSource(_loader(), endless=True)
    source.open()
    source.resume_at(7)  # 5 batches per pass: pass 1, 2 batches in
    state = torch.get_rng_state()
    assert source.next_batch().tolist() == [4, 5]
    assert torch.equal(torch.get_rng_state(), state)


def test_resume_at_zero_keeps_the_opened_iterator() -> None:
    source = BatchSource(_loader(), endless=True)
    source.open()
    state = torch.get_rng_state()
    source.resume_at(0)
    assert source.next_batch().tolist() == [0, 1]
    assert torch.equal(torch.get_rng_state(), state)
