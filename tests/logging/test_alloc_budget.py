"""mmlight.logging.alloc_budget: one budget per load, charged before anything is allocated."""

from __future__ import annotations

import pytest

from mmlight.logging.alloc_budget import (
    DEFAULT_OBJECT_LIMIT,
    SIZE_FACTOR,
    SIZE_SLACK,
    AllocationRefusedError,
    allocation_budget,
    charge,
    limit_for_size,
)


def test_limit_grows_with_the_file() -> None:
    assert limit_for_size(0) == SIZE_SLACK
    assert limit_for_size(1000) == SIZE_FACTOR * 1000 + SIZE_SLACK
    assert limit_for_size(-5) == SIZE_SLACK


def test_charges_add_up_over_one_load() -> None:
    with allocation_budget(100, "a file of 6 bytes"):
        charge(60, "the first array")
        charge(40, "the second array")  # exactly the limit is fine
        with pytest.raises(
            AllocationRefusedError,
            match=r"^mmlight refused the file's data: the third array would take 1 bytes "
            r"\(with 100 bytes already taken\), more than the 100 bytes allowed for a file "
            r"of 6 bytes \(16 x its size \+ 4 MiB\): it is damaged or crafted$",
        ):
            charge(1, "the third array")


def test_budgets_nest_and_end_with_their_block() -> None:
    with allocation_budget(10, "outer"):
        charge(8, "x")
        with allocation_budget(1000, "inner"):
            charge(500, "y")
        with pytest.raises(AllocationRefusedError, match="allowed for outer"):
            charge(8, "z")
    charge(DEFAULT_OBJECT_LIMIT, "no budget: one object up to the default limit")


def test_outside_a_load_each_object_is_capped() -> None:
    charge(DEFAULT_OBJECT_LIMIT, "one big object")
    charge(DEFAULT_OBJECT_LIMIT, "another one: nothing adds up outside a load")
    with pytest.raises(AllocationRefusedError, match="outside a checkpoint load"):
        charge(DEFAULT_OBJECT_LIMIT + 1, "a too big object")
