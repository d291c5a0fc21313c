"""mmengine's own test suite run against mmlight: an external measure of API parity (issue 14).

    python benchmarks/mmengine_test_suite.py [--ref v0.10.7] [--timeout 60] [-n 1] [--keep]
                                             [--report results.json] [--select tests/test_utils]

What a migrated repository does, done to mmengine's ``tests/``: the tests of ``--ref`` are taken
from a local clone of open-mmlab/mmengine (``--repo``, default: the ``fetch`` mirror), copied to
a temporary directory, and ``mmengine`` is rewritten to ``mmlight`` in every ``.py`` file there
(test modules and the Python configs under ``tests/data``): in import statements and attribute
paths (identifier tokens), and in dotted paths inside strings (``'mmengine.runner.x'``, e.g.
``mock.patch`` targets). A bare ``'mmengine'`` string (a registry scope) is kept: mmlight maps
the scope ``'mmengine'`` onto its own root scope.

The denominator is every test pytest collects from the original files with mmengine installed
(the venv's oracle); a test that the rewritten run does not collect (its module fails to import
under mmlight) counts as an error with its module's collection error. Tests are also classified
from their source, and a second rate leaves out those tied to

* private names: a ``_name`` imported from mmengine or a private module of it, used by the
  test, its class's setUp or as its class's base; or, in the test itself, a private
  attribute of an object imported from mmengine (``Config._file2dict``);
* CUDA: a decorator (of the test or its class) or the test id mentions cuda/gpu/nccl, or the
  class's setUp puts something on CUDA;
* the network: the test (or its class's setUp) mentions an URL scheme, a download or urlopen;

and a third also leaves out the tests of mmengine.analysis, mmengine.infer and mmengine.hub.
mmengine 0.10.7 needs ``pkg_resources`` (setuptools < 81) and its tests ``parameterized``: where
the venv lacks them, ``pip install --target DIR 'setuptools<81' parameterized`` and pass
``--extra-path DIR`` (or those modules are counted only as far as the rewritten run collects
them). Needs pytest-xdist.

Each test has ``--timeout`` seconds (SIGALRM; a test stuck in C code has its worker process
killed some time later, which pytest-xdist reports as a crash and replaces). The run uses
``-n 1`` (one xdist worker) so that a test that kills its process fails alone.
Nothing here is collected by mmlight's own pytest run (``testpaths = ["tests"]``).
"""

from __future__ import annotations

import argparse
import ast
import collections
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
from pathlib import Path
from typing import Any

DEFAULT_REPO = Path("/work/.mirror/open-mmlab+mmengine/repo")
PLUGIN_NAME = "mmlight_suite_plugin"

# Records every test's outcome to $MMLIGHT_SUITE_OUT (JSON) and gives each test a time limit.
PLUGIN_SOURCE = r'''
import faulthandler
import json
import os
import signal

import pytest

_OUT = os.environ["MMLIGHT_SUITE_OUT"]
_TIMEOUT = int(os.environ.get("MMLIGHT_SUITE_TIMEOUT", "0"))
_tests = {}
_collect_errors = {}


def _message(report):
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        return str(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    lines = [line for line in str(longrepr).splitlines() if line.strip()]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    if errors:
        return errors[0]
    return lines[-1].strip() if lines else ""


class _TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise _TestTimeout(f"test exceeded {_TIMEOUT} s")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if _TIMEOUT > 0:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(_TIMEOUT)
        faulthandler.dump_traceback_later(_TIMEOUT + 60, exit=True)
    try:
        yield
    finally:
        if _TIMEOUT > 0:
            signal.alarm(0)
            faulthandler.cancel_dump_traceback_later()
            signal.signal(signal.SIGALRM, previous)


def pytest_collectreport(report):
    if report.failed:
        _collect_errors[report.nodeid] = _message(report)


def _dump():
    with open(_OUT + ".part", "w", encoding="utf-8") as handle:
        json.dump({"tests": _tests, "collect_errors": _collect_errors}, handle)
    os.replace(_OUT + ".part", _OUT)


def pytest_runtest_logreport(report):
    if report.nodeid not in _tests and len(_tests) % 50 == 0:
        _dump()  # partial results survive a run stopped by the wall-clock limit
    entry = _tests.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if report.skipped:
        if hasattr(report, "wasxfail"):
            outcome = "xfailed"
        else:
            outcome = "skipped"
        if entry["outcome"] == "passed":
            entry.update(outcome=outcome, message=_message(report))
    elif report.failed:
        outcome = "failed" if report.when == "call" else "error"
        if entry["outcome"] in ("passed", "skipped", "xfailed"):
            entry.update(outcome=outcome, message=_message(report))


def pytest_collection_finish(session):
    for item in session.items:
        _tests.setdefault(item.nodeid, {"outcome": "collected", "message": ""})


def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput"):  # xdist workers leave it to the controller
        _dump()
'''

PYTEST_INI = "[pytest]\ntestpaths = tests\nnorecursedirs = tests/data\n"

_SETUP_METHODS = ("setUp", "setUpClass", "tearDown", "tearDownClass")
# mmengine.analysis, mmengine.infer and mmengine.hub: mmlight's issue 15, not issue 14
ISSUE_15_TESTS = ("tests/test_analysis/", "tests/test_infer/", "tests/test_hub/")

_DOTTED_IN_STRING = re.compile(r"\bmmengine(?=\.[A-Za-z_])")
_PRIVATE_PATH = re.compile(r"\bmmengine(\.\w+)*\._[A-Za-z]")
_CUDA = re.compile(r"cuda|gpu|nccl", re.IGNORECASE)
_CUDA_USE = re.compile(r"\.cuda\(|torch\.cuda\.|device=['\"]cuda")
_NETWORK = re.compile(r"https?://|open-mmlab://|torchvision://|mmcls://|pavi://|"
                      r"urlopen|load_url|download", re.IGNORECASE)


def rewrite_source(text: str) -> str:
    """``mmengine`` -> ``mmlight`` in identifiers and in dotted paths inside strings."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        text = re.sub(r"\b(from|import)(\s+)mmengine\b", r"\1\2mmlight", text)
        return _DOTTED_IN_STRING.sub("mmlight", text)
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    for token in tokens:
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        if token.type == tokenize.NAME and token.string == "mmengine":
            edits.append((start, end, "mmlight"))
        elif token.type == tokenize.STRING and "mmengine." in token.string:
            edits.append((start, end, _DOTTED_IN_STRING.sub("mmlight", token.string)))
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def extract_tests(repo: Path, ref: str, target: Path) -> None:
    archive = subprocess.run(["git", "--git-dir", str(repo), "archive", ref, "tests"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    (target / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")


def rewrite_tree(root: Path) -> int:
    changed = 0
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        new = rewrite_source(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def run_pytest(root: Path, path: list[str], out: Path, args: list[str], timeout: int,
               wall_limit: float) -> None:
    env = dict(os.environ, MMLIGHT_SUITE_OUT=str(out), MMLIGHT_SUITE_TIMEOUT=str(timeout),
               PYTHONPATH=os.pathsep.join(filter(None, [*path, os.environ.get("PYTHONPATH")])),
               MPLBACKEND="Agg", OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    command = [sys.executable, "-m", "pytest", "-p", PLUGIN_NAME, "-p", "no:cacheprovider",
               "--import-mode=importlib", "-q", "--no-header", "-rN", *args]
    with open(root / "pytest.log", "w", encoding="utf-8") as log:
        try:
            subprocess.run(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                           timeout=wall_limit, check=False)
        except subprocess.TimeoutExpired:
            print(f"pytest in {root} stopped after {wall_limit:.0f} s; partial results",
                  flush=True)
    if not out.exists():
        raise SystemExit(f"pytest wrote no results; see {root / 'pytest.log'}")


# -- classification of tests by their source ------------------------------------------------


class _Module:
    """One original test module: its private mmengine names and its test functions' sources."""

    def __init__(self, path: Path) -> None:
        self.source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.source)
        self.private_names: set[str] = set()
        self.mmengine_names: set[str] = set()  # every name bound to an mmengine object
        for node in ast.walk(self.tree):
            module_name = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            if isinstance(node, ast.ImportFrom) and module_name.startswith("mmengine"):
                private_module = any(part.startswith("_") for part in module_name.split("."))
                for alias in node.names:
                    self.mmengine_names.add(alias.asname or alias.name)
                    if private_module or _is_private(alias.name):
                        self.private_names.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("mmengine"):
                        self.mmengine_names.add(alias.asname or alias.name.split(".")[0])
                    if alias.name.startswith("mmengine") and any(
                            part.startswith("_") for part in alias.name.split(".")):
                        self.private_names.add(alias.asname or alias.name.split(".")[0])

    def find(self, class_name: str | None, function: str) -> tuple[list[ast.AST], str]:
        """The nodes whose source ties the test (function, decorators, class bases and setUp)."""
        scope: list[ast.stmt] = self.tree.body
        nodes: list[ast.AST] = []
        decorators = ""
        if class_name is not None:
            cls = next((n for n in scope if isinstance(n, ast.ClassDef)
                        and n.name == class_name), None)
            if cls is None:
                return [], ""
            decorators += "".join(ast.get_source_segment(self.source, d) or ""
                                  for d in cls.decorator_list)
            scope = cls.body
            nodes += cls.bases  # a private base class (testing._internal) ties every test
            nodes += [n for n in scope if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                      and n.name in _SETUP_METHODS]
        func = next((n for n in scope if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                     and n.name == function), None)
        if func is not None:
            nodes.append(func)
            decorators += "".join(ast.get_source_segment(self.source, d) or ""
                                  for d in func.decorator_list)
        return nodes, decorators


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def classify(original: Path, nodeid: str, cache: dict[str, _Module | None]) -> set[str]:
    """Which of ``private``, ``cuda``, ``network`` the test ``nodeid`` is tied to."""
    path, _, rest = nodeid.partition("::")
    parts = rest.split("::")
    function = re.sub(r"\[.*\]$", "", parts[-1])
    class_name = parts[0] if len(parts) > 1 else None
    if path not in cache:
        try:
            cache[path] = _Module(original / path)
        except (OSError, SyntaxError):
            cache[path] = None
    module = cache[path]
    tags: set[str] = set()
    if "[" in parts[-1] and _CUDA.search(parts[-1][parts[-1].index("["):]):
        tags.add("cuda")
    if module is None:
        return tags
    nodes, decorators = module.find(class_name, function)
    text = "".join(ast.get_source_segment(module.source, n) or "" for n in nodes)
    setup = "".join(ast.get_source_segment(module.source, n) or "" for n in nodes
                    if getattr(n, "name", "") in _SETUP_METHODS)
    if _CUDA.search(decorators) or _CUDA_USE.search(setup):
        tags.add("cuda")
    if _NETWORK.search(text):  # not decorators: skip reasons cite install URLs
        tags.add("network")
    used = {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}
    # ``Config._file2dict`` in the test itself (not in housekeeping such as a tearDown that
    # clears ``MMLogger._instance_dict``): a private attribute of an mmengine object
    test_nodes = [n for n in nodes if getattr(n, "name", None) == function]
    private_attribute = any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                            and n.value.id in module.mmengine_names and _is_private(n.attr)
                            for node in test_nodes for n in ast.walk(node))
    if used & module.private_names or private_attribute or _PRIVATE_PATH.search(text):
        tags.add("private")
    return tags


# -- summary -----------------------------------------------------------------------------------


def _cause(message: str) -> str:
    """A failure message reduced to its cause, names kept, values dropped."""
    first = message.strip().splitlines()[0] if message.strip() else "(no message)"
    first = re.sub(r"0x[0-9a-f]+", "0x..", first)
    first = re.sub(r"/tmp/[^\s'\"]*", "<tmp>", first)
    return first[:160]


def summarize(original_ids: list[str], run: dict[str, Any], original: Path) -> dict[str, Any]:
    tests = {nodeid.replace("mmlight", "mmengine"): entry
             for nodeid, entry in run["tests"].items()}
    collect_errors = run["collect_errors"]
    results: dict[str, dict[str, Any]] = {}
    # Modules mmengine itself cannot import here (a missing test dependency) count with the
    # tests the rewritten run finds in them.
    for nodeid in sorted({*original_ids, *tests}):
        entry = tests.get(nodeid)
        if entry is None:
            path = nodeid.partition("::")[0]
            message = next((msg for key, msg in collect_errors.items()
                            if key == path or key.startswith(path)), "not collected")
            entry = {"outcome": "error", "message": f"collection: {message}"}
        results[nodeid] = entry
    cache: dict[str, _Module | None] = {}
    for nodeid, entry in results.items():
        entry["tied"] = sorted(classify(original, nodeid, cache))
        entry["issue15"] = nodeid.startswith(ISSUE_15_TESTS)
    counts = collections.Counter(entry["outcome"] for entry in results.values())
    kept = {k: v for k, v in results.items() if not v["tied"]}
    kept_counts = collections.Counter(entry["outcome"] for entry in kept.values())
    scoped = {k: v for k, v in kept.items() if not v["issue15"]}
    scoped_counts = collections.Counter(entry["outcome"] for entry in scoped.values())
    causes = collections.Counter(_cause(e["message"]) for e in results.values()
                                 if e["outcome"] in ("failed", "error"))
    tied = collections.Counter(tag for e in results.values() for tag in e["tied"])
    uncounted = {module: message for module, message in collect_errors.items()
                 if not any(nodeid.startswith(f"{module}::") for nodeid in results)}
    return {"total": len(results), "uncounted_modules": uncounted, "counts": dict(counts),
            "kept_total": len(kept), "kept_counts": dict(kept_counts),
            "scoped_total": len(scoped), "scoped_counts": dict(scoped_counts), "tied": dict(tied),
            "only_rewritten": sorted(set(tests) - set(original_ids)),
            "top_causes": causes.most_common(25), "tests": results}


def print_summary(summary: dict[str, Any], seconds: float) -> None:
    def line(label: str, total: int, counts: dict[str, int]) -> str:
        passed = counts.get("passed", 0)
        rest = ", ".join(f"{k} {counts.get(k, 0)}"
                         for k in ("failed", "error", "skipped", "xfailed"))
        return f"{label}: {passed}/{total} passed ({100 * passed / max(total, 1):.1f}%), {rest}"

    print(line("all tests", summary["total"], summary["counts"]))
    print(line("not tied to private names, CUDA or network", summary["kept_total"],
               summary["kept_counts"]))
    print(line("  ... and not testing mmengine.analysis/infer/hub (issue 15)",
               summary["scoped_total"], summary["scoped_counts"]))
    print(f"tied: {summary['tied']} (a test may be tied in several ways)")
    if summary["only_rewritten"]:
        print(f"{len(summary['only_rewritten'])} tests collected only from the rewritten files "
              "(their module fails to import under mmengine here; counted)")
    for module, message in sorted(summary["uncounted_modules"].items()):
        print(f"not counted (collected under neither): {module}: {message}")
    print("top failure causes (tests):")
    for cause, count in summary["top_causes"]:
        print(f"  {count:5d}  {cause}")
    print(f"wall time {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO,
                        help="git directory of an open-mmlab/mmengine clone")
    parser.add_argument("--ref", default="v0.10.7")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per test")
    parser.add_argument("--wall-limit", type=float, default=3600, help="seconds per pytest run")
    parser.add_argument("-n", "--workers", default="1", help="pytest-xdist workers")
    parser.add_argument("--select", nargs="*", default=[],
                        help="test paths to run (relative to the suite root), default: all")
    parser.add_argument("--extra-path", type=Path, action="append", default=[],
                        help="put DIR on PYTHONPATH for both runs: mmengine's test-only "
                        "dependencies, e.g. pip install --target DIR 'setuptools<81' "
                        "parameterized (mmengine 0.10.7 imports pkg_resources)")
    parser.add_argument("--report", type=Path, help="write every test's outcome here (JSON)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    if not (args.repo / "HEAD").exists():
        parser.error(f"{args.repo} is no git directory: clone open-mmlab/mmengine (or `fetch` "
                     "github:open-mmlab/mmengine) and pass --repo")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="mmengine-suite-"))
    try:
        original, rewritten, plugin_dir = work / "original", work / "rewritten", work / "plugin"
        for root in (original, rewritten):
            extract_tests(args.repo, args.ref, root)
        plugin_dir.mkdir()
        (plugin_dir / f"{PLUGIN_NAME}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
        print(f"rewrote {rewrite_tree(rewritten)} files under {rewritten}", flush=True)

        selection = args.select or ["tests"]
        # The denominator: what pytest collects from the original tests under mmengine.
        path = [str(plugin_dir), *map(str, args.extra_path)]
        run_pytest(original, path, work / "collected.json",
                   ["--collect-only", *selection], args.timeout, args.wall_limit)
        collected = json.loads((work / "collected.json").read_text(encoding="utf-8"))
        original_ids = sorted(collected["tests"])
        for module, message in sorted(collected["collect_errors"].items()):
            print(f"under mmengine, {module} fails to collect: {message}")
        print(f"{len(original_ids)} tests collected under mmengine", flush=True)

        workers = [] if args.workers in ("0", "") else ["-n", args.workers]
        run_pytest(rewritten, path, work / "results.json", [*workers, *selection],
                   args.timeout, args.wall_limit)
        run = json.loads((work / "results.json").read_text(encoding="utf-8"))
        summary = summarize(original_ids, run, original)
        if args.report:
            args.report.write_text(json.dumps(summary, indent=1), encoding="utf-8")
        print_summary(summary, time.monotonic() - started)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
