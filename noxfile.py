"""Developer sessions: ``nox -s tests``, ``lint``, ``typecheck``, ``interop``."""

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"

# torch first: the pinned CPU build is on this machine; any other request pulls CUDA wheels.
TORCH = "torch==2.13.0"

# The real OpenMMLab components the interop group runs against (mmengine comes with .[dev]).
# mmseg imports ftfy and regex without declaring them.
INTEROP = ["mmcv-lite==2.1.0", "mmsegmentation==1.2.2", "ftfy", "regex"]


@nox.session
def tests(session: nox.Session) -> None:
    session.install(TORCH)
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.5")
    session.run("ruff", "check", "mmlight", "tests", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install(TORCH)
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def interop(session: nox.Session) -> None:
    """mmlight next to installed mmengine-based packages: the ``interop`` tests (tests/bridge)."""
    session.install(TORCH)
    session.install("-e", ".[dev]")
    session.install(*INTEROP)
    session.run("pytest", "-m", "interop", *session.posargs)
