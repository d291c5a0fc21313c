"""What a bug report needs to know about the machine (mmengine.utils.dl_utils.collect_env).

Downstream packages call it and add their own version (mmseg: ``'MMSegmentation'``).
"""

from __future__ import annotations

import contextlib
import os
import os.path as osp
import subprocess
import sys
import sysconfig
from collections import OrderedDict, defaultdict
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import torch

import mmlight
from mmlight.device import is_cuda_available, is_musa_available
from mmlight.utils.dl_utils.parrots_wrapper import _get_cuda_home, get_build_config

__all__ = ["collect_env"]


def _get_musa_home() -> str | None:
    return os.environ.get("MUSA_HOME")


def _tool_version(command: str, start_marker: str, end_marker: str) -> str:
    """The part of ``command``'s output between two markers; ``'Not Available'`` if it fails."""
    try:
        out = subprocess.check_output(command, shell=True).decode("utf-8").strip()
    except subprocess.SubprocessError:
        return "Not Available"
    begin = out.rfind(start_marker)
    end = out.rfind(end_marker)
    return out[begin:end].strip()


def _gpu_names(module: Any) -> dict[str, str]:
    """``{'GPU 0,1': 'NVIDIA H200', ...}``: devices grouped by model name."""
    ids_by_name: defaultdict[str, list[str]] = defaultdict(list)
    for index in range(module.device_count()):
        ids_by_name[module.get_device_name(index)].append(str(index))
    return {"GPU " + ",".join(ids): name for name, ids in ids_by_name.items()}


def _compiler() -> dict[str, str]:
    """The C compiler Python was built with and its version line (``'n/a'`` if absent)."""
    cc = sysconfig.get_config_var("CC")
    if not cc:
        # Windows: the MSVC path needs distutils' compiler lookup, which mmlight does not do.
        return {"MSVC": "n/a", "GCC": "n/a"}
    name = osp.basename(cc.split()[0])
    try:
        out = subprocess.check_output(f"{name} --version", shell=True, stderr=subprocess.DEVNULL)
    except (subprocess.CalledProcessError, OSError):
        return {"GCC": "n/a"}
    return {"GCC": out.decode("utf-8").partition("\n")[0].strip()}


def collect_env() -> OrderedDict[str, Any]:
    """Platform, Python, devices and toolkits, compiler, torch (version and build), torchvision,
    OpenCV, and the versions of mmlight and (when installed) mmengine.

    The keys are mmengine's (``'sys.platform'``, ``'Python'``, ``'CUDA available'``,
    ``'MUSA available'``, ``'numpy_random_seed'``, ``'GPU i,j'``, ``'CUDA_HOME'``, ``'NVCC'``,
    ``'GCC'``, ``'PyTorch'``, ``'PyTorch compiling details'``, ``'TorchVision'``,
    ``'OpenCV'``, ``'MMEngine'``) plus ``'MMLight'``.
    """
    info: OrderedDict[str, Any] = OrderedDict()
    info["sys.platform"] = sys.platform
    info["Python"] = sys.version.replace("\n", "")
    cuda_available = is_cuda_available()
    musa_available = is_musa_available()
    info["CUDA available"] = cuda_available
    info["MUSA available"] = musa_available
    info["numpy_random_seed"] = np.random.get_state()[1][0]  # type: ignore[index]

    if cuda_available:
        info.update(_gpu_names(torch.cuda))
        cuda_home = _get_cuda_home()
        info["CUDA_HOME"] = cuda_home
        if cuda_home is not None and osp.isdir(cuda_home):
            if cuda_home == "/opt/rocm":
                hipcc = osp.join(cuda_home, "hip/bin/hipcc")
                info["NVCC"] = _tool_version(f'"{hipcc}" --version', "HIP version:", "")
            else:
                nvcc = osp.join(cuda_home, "bin/nvcc")
                info["NVCC"] = _tool_version(f'"{nvcc}" -V', "Cuda compilation tools", "Build ")
    elif musa_available:
        info.update(_gpu_names(torch.musa))  # type: ignore[attr-defined]
        musa_home = _get_musa_home()
        info["MUSA_HOME"] = musa_home
        if musa_home is not None and osp.isdir(musa_home):
            mcc = osp.join(musa_home, "bin/mcc")
            try:
                subprocess.check_output(f'"{mcc}" -v', shell=True)
            except subprocess.SubprocessError:
                mcc = "Not Available"
            info["mcc"] = mcc

    info.update(_compiler())
    info["PyTorch"] = torch.__version__
    info["PyTorch compiling details"] = get_build_config()
    try:
        import torchvision

        info["TorchVision"] = torchvision.__version__
    except ModuleNotFoundError:
        pass
    try:
        import cv2

        info["OpenCV"] = cv2.__version__
    except ImportError:
        pass
    with contextlib.suppress(PackageNotFoundError):
        info["MMEngine"] = version("mmengine")
    info["MMLight"] = mmlight.__version__
    return info
