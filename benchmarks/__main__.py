"""``python -m benchmarks``: run every ``benchmarks/bench_*.py`` module in turn (sorted by name).

Each module exposes ``main()``, which prints its table and returns its rows.
"""
from __future__ import annotations

import importlib
import pkgutil
import time

import benchmarks
from benchmarks import common


def main() -> dict[str, list[common.Row]]:
    t0 = time.perf_counter()
    common.print_header()
    results = {}
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        results[name] = module.main()
    print(f"ran {len(names)} benchmark module(s) in {time.perf_counter() - t0:.1f} s")
    return results


if __name__ == "__main__":
    main()
