"""BaseModel and the data preprocessors (mirrors ``mmengine.model.base_model``)."""

from .base_model import BaseModel
from .data_preprocessor import BaseDataPreprocessor, ImgDataPreprocessor

__all__ = ["BaseDataPreprocessor", "BaseModel", "ImgDataPreprocessor"]
