"""Command lines: ``mmlight`` (LightningCLI stages and helpers), ``mmlight-train`` and
``mmlight-test`` (OpenMMLab ``tools/train.py``/``tools/test.py``).

Importing this package imports neither torch nor lightning; each command loads what it needs.
"""

from mmlight.cli.errors import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, CLIError
from mmlight.cli.main import main

__all__ = ["EXIT_OK", "EXIT_RUNTIME", "EXIT_USAGE", "CLIError", "main"]
