"""Data elements passed between datasets, models, metrics and visualizers (mmengine's API).

``BaseDataElement`` splits a sample's fields into metainfo and data; ``InstanceData``,
``LabelData`` and ``PixelData`` add instance-, label- and pixel-level rules on top.
"""

from .base_data_element import BaseDataElement
from .instance_data import InstanceData
from .label_data import LabelData
from .pixel_data import PixelData

__all__ = ["BaseDataElement", "InstanceData", "LabelData", "PixelData"]
