"""mmlight.config.utils.MODULE2PACKAGE: the module -> pip package table of mmengine."""

from __future__ import annotations

import pytest

from mmlight.config.utils import MODULE2PACKAGE, PKG2PROJECT


def test_install_names_differ_where_the_distribution_is_renamed() -> None:
    assert MODULE2PACKAGE["mmseg"] == "mmsegmentation"
    assert MODULE2PACKAGE["mmaction"] == "mmaction2"
    assert MODULE2PACKAGE["mmdet"] == "mmdet"
    assert PKG2PROJECT is MODULE2PACKAGE


def test_same_table_as_mmengine() -> None:
    utils = pytest.importorskip("mmengine.config.utils")
    assert MODULE2PACKAGE == utils.MODULE2PACKAGE
    assert list(MODULE2PACKAGE) == list(utils.MODULE2PACKAGE)
