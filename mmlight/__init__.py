"""mmlight: MMEngine-style configs, registries, models and hooks, run on PyTorch Lightning.

Importing the package stays cheap: subpackages load on first use, so ``import mmlight``
pulls in neither torch nor lightning.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
