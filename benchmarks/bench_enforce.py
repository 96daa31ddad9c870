"""Signature enforcement: pyfunc predict overhead and _enforce_schema — MLflow vs mlflow_c.

Run from the repository root::

    python -m benchmarks.bench_enforce

Rows: pyfunc predict of a 1-row frame on an OLS model saved with a column signature (overhead
is predict minus the bare ``results.predict``); enforcement alone on 1M x 4 float64 columns that
already match, on 100 x 600 float64 columns, and on 1M x 10 int32 columns cast to double (with
``numpy.ndarray.astype`` of the same data as the reference). Times are medians; targets are
printed, not asserted.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks import common
from benchmarks.common import FreshDirs, Row, check_target, format_duration, format_ratio, measure
from benchmarks.generate_data import ols_predict_frame, ols_results

TITLE = "Signature enforcement"

TARGET_OVERHEAD_US = 10.0
TARGET_OVERHEAD_RATIO = 30.0
TARGET_MATCHING_FRACTION = 0.01
TARGET_WIDE_RATIO = 100.0
TARGET_CAST_FACTOR = 2.0


def _frame(rows, cols, dtype, seed):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        data = rng.integers(-1000, 1000, size=(rows, cols)).astype(dtype)
    else:
        data = rng.normal(size=(rows, cols)).astype(dtype)
    return pd.DataFrame({f"c{i}": data[:, i] for i in range(cols)})


def _schemas(names, pkg):
    types = pkg.types
    return types.Schema([types.ColSpec("double", n) for n in names])


def run() -> tuple[list[Row], list[str]]:
    import mlflow
    import mlflow.models
    import mlflow.models.utils
    import mlflow.pyfunc
    import mlflow.statsmodels

    import mlflow_c
    import mlflow_c.models
    import mlflow_c.models.utils
    import mlflow_c.pyfunc
    import mlflow_c.statsmodels
    import mlflow_c.types

    common.quiet()
    res = ols_results()
    df1 = ols_predict_frame(1)
    rows: list[Row] = []

    with FreshDirs() as fresh:
        ml_dir, mc_dir = fresh(), fresh()
        sig = mlflow.models.infer_signature(df1, res.predict(df1))
        mlflow.statsmodels.save_model(res, ml_dir, signature=sig, pip_requirements=["statsmodels"])
        mlflow_c.statsmodels.save_model(res, mc_dir, signature=sig,
                                        pip_requirements=["statsmodels"])
        ml_model = mlflow.pyfunc.load_model(ml_dir)
        mc_model = mlflow_c.pyfunc.load_model(mc_dir)
        predict = Row(
            "pyfunc `predict(df)`, 1-row DataFrame, column signature",
            measure(lambda: ml_model.predict(df1), repeat=100, number=20, warmup=5),
            measure(lambda: mc_model.predict(df1), repeat=100, number=20, warmup=5),
        )
        bare = Row("reference: bare `results.predict(df)`", None,
                   measure(lambda: res.predict(df1), repeat=100, number=20, warmup=5))
        rows += [predict, bare]

    def enforce_pair(label, df, repeat, number=1):
        names = list(df.columns)
        ml_schema = _schemas(names, mlflow)
        mc_schema = _schemas(names, mlflow_c)
        return Row(
            label,
            measure(lambda: mlflow.models.utils._enforce_schema(df, ml_schema), repeat=repeat,
                    number=number, warmup=1),
            measure(lambda: mlflow_c.models.utils._enforce_schema(df, mc_schema),
                    repeat=repeat * 5, number=number, warmup=2),
        )

    big = _frame(1_000_000, 4, np.float64, 1)
    matching = enforce_pair("`_enforce_schema`, 1M x 4 float64 already matching", big, 7)
    wide = enforce_pair("`_enforce_schema`, 100 x 600 float64", _frame(100, 600, np.float64, 2), 5)
    rows += [matching, wide]

    ints = _frame(1_000_000, 10, np.int32, 3)
    ml_schema = _schemas(list(ints.columns), mlflow)
    mc_schema = _schemas(list(ints.columns), mlflow_c)
    cast = Row(
        "`_enforce_schema`, 1M x 10 int32 -> double",
        measure(lambda: mlflow.models.utils._enforce_schema(ints, ml_schema), repeat=3, warmup=1),
        measure(lambda: mlflow_c.models.utils._enforce_schema(ints, mc_schema), repeat=7,
                warmup=1),
    )
    arrays = [ints[c].to_numpy() for c in ints.columns]
    astype = Row("reference: `ndarray.astype(float64)` of the same 10 columns", None,
                 measure(lambda: [a.astype(np.float64) for a in arrays], repeat=7, warmup=1))
    rows += [cast, astype]

    overhead_c = predict.mlflow_c.min - bare.mlflow_c.min
    overhead_ml = predict.mlflow.min - bare.mlflow_c.min
    notes = [
        check_target(f"predict overhead < {TARGET_OVERHEAD_US:.0f} µs",
                     overhead_c < TARGET_OVERHEAD_US * 1e3, format_duration(max(overhead_c, 0))),
        check_target(f"predict overhead ≥ {TARGET_OVERHEAD_RATIO:.0f}x less than MLflow's",
                     overhead_ml >= TARGET_OVERHEAD_RATIO * max(overhead_c, 1),
                     f"{overhead_ml / max(overhead_c, 1):.0f}x ({format_duration(overhead_ml)} "
                     f"vs {format_duration(max(overhead_c, 0))})"),
        check_target("1M x 4 matching: < 1% of MLflow's enforcement time",
                     matching.mlflow_c.median < TARGET_MATCHING_FRACTION * matching.mlflow.median,
                     f"{100 * matching.mlflow_c.median / matching.mlflow.median:.3f}%"),
        check_target(f"100 x 600: ≥ {TARGET_WIDE_RATIO:.0f}x faster",
                     (wide.ratio or 0) >= TARGET_WIDE_RATIO, format_ratio(wide.ratio)),
        check_target(f"1M x 10 int32 -> double within {TARGET_CAST_FACTOR:.0f}x of astype",
                     cast.mlflow_c.median <= TARGET_CAST_FACTOR * astype.mlflow_c.median,
                     f"{cast.mlflow_c.median / astype.mlflow_c.median:.2f}x"),
    ]
    return rows, notes


def main() -> list[Row]:
    rows, notes = run()
    print(f"## {TITLE}\n")
    print(common.format_table(rows))
    print("\nTargets (reported, not asserted):")
    print("\n".join(notes))
    print("\nSamples (median shown above):")
    print(common.format_repeats(rows))
    print()
    return rows


if __name__ == "__main__":
    main()
