"""Timing and reporting helpers shared by the ``bench_*`` modules.

Every benchmark compares MLflow's Python path (the baseline) with ``mlflow_c``, side by side in
one run, and prints a markdown table ``| operation | mlflow | mlflow_c | ratio |`` where
``ratio = mlflow time / mlflow_c time``.

Importing this module also makes sure ``import mlflow_c`` finds a *built* ``mlflow_c``: when the
benchmarks run from the repository root (``python -m benchmarks``), the source tree's
``mlflow_c/`` comes first on ``sys.path`` even if it has no compiled ``_core``; in that case it is
dropped in favour of the build on ``PYTHONPATH`` or in site-packages.
"""
from __future__ import annotations

import dataclasses
import gc
import importlib
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent

NS_PER_MS = 1_000_000


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------


def _ensure_built_mlflow_c() -> None:
    """Make ``import mlflow_c`` resolve to a package whose ``_core`` extension exists."""
    try:
        importlib.import_module("mlflow_c._core")
        return
    except ImportError:
        pass
    # The source checkout (cwd) shadows the build: drop it from sys.path and re-import.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT]
    for name in [m for m in sys.modules if m == "mlflow_c" or m.startswith("mlflow_c.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    try:
        importlib.import_module("mlflow_c._core")
    except ImportError as exc:
        raise SystemExit(
            "benchmarks: no built mlflow_c found (build it with `pip install -e .` or put a "
            f"build on PYTHONPATH): {exc}"
        ) from exc


def quiet() -> None:
    """Silence MLflow's logging and all warnings (they would interleave with the tables)."""
    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    os.environ.setdefault("PYTHONWARNINGS", "ignore")  # inherited by subprocesses


_ensure_built_mlflow_c()
quiet()


def mlflow_c_sys_path_entry() -> str:
    """The ``sys.path`` directory that holds the ``mlflow_c`` package in use."""
    import mlflow_c

    return str(Path(mlflow_c.__file__).resolve().parent.parent)


def subprocess_env() -> dict[str, str]:
    """Environment for child interpreters: they import the same ``mlflow_c`` as this process."""
    env = dict(os.environ)
    parts = [mlflow_c_sys_path_entry()]
    if env.get("PYTHONPATH"):
        parts.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env["PYTHONWARNINGS"] = "ignore"
    return env


_header_printed = False


def print_header() -> None:
    """Print interpreter and library versions (once per process)."""
    global _header_printed
    if _header_printed:
        return
    _header_printed = True
    import mlflow
    import numpy
    import pandas
    import statsmodels

    import mlflow_c

    print(f"python {platform.python_version()} ({platform.python_implementation()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs)")
    print(f"numpy {numpy.__version__}, pandas {pandas.__version__}, "
          f"statsmodels {statsmodels.__version__}, mlflow {mlflow.__version__}")
    print(f"mlflow_c {mlflow_c.__version__} from {Path(mlflow_c.__file__).parent}")
    print()


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Timing:
    """Per-call times (ns) of one benchmarked operation."""

    samples_ns: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ns)

    @property
    def min(self) -> float:
        return min(self.samples_ns)

    @property
    def n(self) -> int:
        return len(self.samples_ns)


def measure(
    fn: Callable[..., Any],
    *,
    repeat: int,
    warmup: int = 1,
    number: int = 1,
    setup: Callable[[], Any] | None = None,
) -> Timing:
    """Time ``fn`` ``repeat`` times after ``warmup`` untimed calls.

    Each sample times ``number`` back-to-back calls and records the per-call average (use
    ``number > 1`` for operations in the microsecond range). With ``setup``, each sample first
    calls ``setup()`` untimed and passes its result to every ``fn`` call of that sample (e.g. a
    fresh target directory). The garbage collector is disabled while a sample runs, as ``timeit``
    does.
    """
    if setup is not None and number != 1:
        raise ValueError("setup= needs number=1")

    def one() -> float:
        arg = setup() if setup is not None else None
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            if setup is not None:
                t0 = time.perf_counter_ns()
                fn(arg)
                t1 = time.perf_counter_ns()
            else:
                t0 = time.perf_counter_ns()
                for _ in range(number):
                    fn()
                t1 = time.perf_counter_ns()
        finally:
            if gc_was_enabled:
                gc.enable()
        return (t1 - t0) / number

    for _ in range(warmup):
        one()
    return Timing([one() for _ in range(repeat)])


def measure_import(module: str, *, repeat: int = 7) -> Timing:
    """Time ``import <module>`` in ``repeat`` fresh interpreters (perf_counter_ns inside the child).

    The children run from an empty temporary directory (so the source checkout cannot shadow the
    installed package) with the same ``mlflow_c`` on ``PYTHONPATH`` as this process. One untimed
    warm-up run fills the OS file cache and writes ``.pyc`` files.
    """
    code = (
        "import time\n"
        "t0 = time.perf_counter_ns()\n"
        f"import {module}\n"
        "t1 = time.perf_counter_ns()\n"
        "print(t1 - t0)\n"
    )
    env = subprocess_env()
    samples: list[float] = []
    with tempfile.TemporaryDirectory(prefix="mlflow_c_bench_import_") as cwd:
        for i in range(repeat + 1):
            out = subprocess.run(
                [sys.executable, "-c", code],
                cwd=cwd, env=env, check=True, capture_output=True, text=True,
            ).stdout
            if i:  # first run is the warm-up
                samples.append(float(out.strip().splitlines()[-1]))
    return Timing(samples)


class FreshDirs:
    """Hands out fresh, not-yet-existing directory paths under one temporary directory."""

    def __init__(self, prefix: str = "mlflow_c_bench_") -> None:
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self._count = 0

    def __call__(self) -> str:
        self._count += 1
        return str(self.root / f"m{self._count:05d}")

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> FreshDirs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    """One table row: the same operation through MLflow and through mlflow_c.

    Either side may be ``None`` (shown as ``—``), e.g. for a reference row. ``unit`` forces the
    unit of both cells (``"ns"``, ``"µs"``, ``"ms"`` or ``"s"``); by default each cell picks its own.
    """

    operation: str
    mlflow: Timing | None
    mlflow_c: Timing | None
    unit: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.mlflow is None or self.mlflow_c is None or self.mlflow_c.median <= 0:
            return None
        return self.mlflow.median / self.mlflow_c.median


_UNITS = {"ns": 1.0, "µs": 1e3, "ms": 1e6, "s": 1e9}


def format_duration(ns: float, unit: str | None = None) -> str:
    """Format a duration with 3 significant digits in ns/µs/ms/s (auto-chosen unless given)."""
    if unit is None:
        unit = "ns" if ns < 1e3 else "µs" if ns < 1e6 else "ms" if ns < 1e9 else "s"
    value = ns / _UNITS[unit]
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}"


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    if ratio >= 100:
        return f"{ratio:,.0f}x"
    if ratio >= 10:
        return f"{ratio:.0f}x"
    return f"{ratio:.1f}x"


def format_table(rows: Sequence[Row]) -> str:
    """Markdown table ``| operation | mlflow | mlflow_c | ratio |`` of the median times."""
    lines = [
        "| operation | mlflow | mlflow_c | ratio |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        ml = format_duration(r.mlflow.median, r.unit) if r.mlflow else "—"
        mc = format_duration(r.mlflow_c.median, r.unit) if r.mlflow_c else "—"
        lines.append(f"| {r.operation} | {ml} | {mc} | {format_ratio(r.ratio)} |")
    return "\n".join(lines)


def format_repeats(rows: Sequence[Row]) -> str:
    """One line per row giving sample counts and minima, to go under the table."""
    out = []
    for r in rows:
        parts = []
        for label, t in (("mlflow", r.mlflow), ("mlflow_c", r.mlflow_c)):
            if t is not None:
                parts.append(f"{label} n={t.n}, min {format_duration(t.min, r.unit)}")
        out.append(f"- {r.operation}: " + "; ".join(parts))
    return "\n".join(out)


def check_target(label: str, ok: bool, measured: str) -> str:
    """A target line, reported but never asserted."""
    return f"- [{'met' if ok else 'NOT met'}] {label} (measured: {measured})"
