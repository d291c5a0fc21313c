"""Which pip package provides each OpenMMLab module name, as ``mmengine.config.utils`` lists it.

Downstream code looks a scope up here to tell the user what to install (``mmseg`` is
``pip install mmsegmentation``).
"""

from __future__ import annotations

__all__ = ["MODULE2PACKAGE", "PKG2PROJECT"]

# import name -> distribution name (mmseg and mmaction install under other names)
MODULE2PACKAGE: dict[str, str] = {
    "mmcls": "mmcls",
    "mmdet": "mmdet",
    "mmdet3d": "mmdet3d",
    "mmseg": "mmsegmentation",
    "mmaction": "mmaction2",
    "mmtrack": "mmtrack",
    "mmpose": "mmpose",
    "mmedit": "mmedit",
    "mmocr": "mmocr",
    "mmgen": "mmgen",
    "mmfewshot": "mmfewshot",
    "mmrazor": "mmrazor",
    "mmflow": "mmflow",
    "mmhuman3d": "mmhuman3d",
    "mmrotate": "mmrotate",
    "mmselfsup": "mmselfsup",
    "mmyolo": "mmyolo",
    "mmpretrain": "mmpretrain",
    "mmagic": "mmagic",
}

# The older, deprecated name of the same table (mmengine keeps it until its 1.0).
PKG2PROJECT = MODULE2PACKAGE
