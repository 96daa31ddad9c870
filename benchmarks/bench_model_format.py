"""Model format: import, save_model, load_model, pyfunc load and predict — MLflow vs mlflow_c.

Run from the repository root::

    python -m benchmarks.bench_model_format

The model is ``generate_data.ols_results()`` (OLS, 200x4). Every save goes to a fresh directory.
Both libraries load the same directory, written by MLflow's ``save_model`` with default arguments.
Times are medians; targets are printed, not asserted.
"""
from __future__ import annotations

import os

import numpy as np

from benchmarks import common
from benchmarks.common import FreshDirs, Row, check_target, format_duration, format_ratio, measure
from benchmarks.generate_data import ols_predict_frame, ols_results

TITLE = "Model format (statsmodels flavor, OLS 200x4)"

IMPORT_REPEAT = 7
SAVE_DEFAULT_REPEAT = {"mlflow": 3, "mlflow_c": 50}
SAVE_PIP_REPEAT = {"mlflow": 20, "mlflow_c": 50}
LOAD_REPEAT = {"mlflow": 30, "mlflow_c": 200}
PREDICT_REPEAT, PREDICT_NUMBER = 100, 10

TARGET_SAVE_RATIO = 50.0
TARGET_LOAD_RATIO = 5.0
TARGET_IMPORT_MS = 50.0


def run() -> tuple[list[Row], list[str]]:
    import mlflow.pyfunc
    import mlflow.statsmodels
    import statsmodels.iolib.api as smio

    import mlflow_c.pyfunc
    import mlflow_c.statsmodels

    common.quiet()  # importing mlflow may have reset logging levels
    res = ols_results()
    df = ols_predict_frame(1)
    rows: list[Row] = []

    # 1. import time, in fresh interpreters
    imp = Row(
        "`import {mlflow,mlflow_c}.statsmodels` (fresh interpreter)",
        common.measure_import("mlflow.statsmodels", repeat=IMPORT_REPEAT),
        common.measure_import("mlflow_c.statsmodels", repeat=IMPORT_REPEAT),
        unit="ms",
    )
    rows.append(imp)

    with FreshDirs() as fresh:
        # 2. save_model, default arguments (MLflow infers requirements in a subprocess)
        save_default = Row(
            "`save_model(res, path)` (default args)",
            measure(lambda p: mlflow.statsmodels.save_model(res, p), setup=fresh,
                    repeat=SAVE_DEFAULT_REPEAT["mlflow"], warmup=1),
            measure(lambda p: mlflow_c.statsmodels.save_model(res, p), setup=fresh,
                    repeat=SAVE_DEFAULT_REPEAT["mlflow_c"], warmup=3),
        )
        rows.append(save_default)

        # 3. save_model with explicit pip_requirements (MLflow's fast path)
        pip = ["statsmodels"]
        save_pip = Row(
            '`save_model(res, path, pip_requirements=["statsmodels"])`',
            measure(lambda p: mlflow.statsmodels.save_model(res, p, pip_requirements=pip),
                    setup=fresh, repeat=SAVE_PIP_REPEAT["mlflow"], warmup=2),
            measure(lambda p: mlflow_c.statsmodels.save_model(res, p, pip_requirements=pip),
                    setup=fresh, repeat=SAVE_PIP_REPEAT["mlflow_c"], warmup=3),
        )
        rows.append(save_pip)

        # One model directory, written by MLflow with default arguments, loaded by both.
        path = fresh()
        mlflow.statsmodels.save_model(res, path)

        # 4. native load_model
        load_native = Row(
            "`statsmodels.load_model(path)`",
            measure(lambda: mlflow.statsmodels.load_model(path),
                    repeat=LOAD_REPEAT["mlflow"], warmup=3),
            measure(lambda: mlflow_c.statsmodels.load_model(path),
                    repeat=LOAD_REPEAT["mlflow_c"], warmup=5),
        )
        rows.append(load_native)
        # The floor under both: what MLflow's flavor itself calls to unpickle the results.
        data_file = os.path.join(path, "model.statsmodels")
        load_bare = Row(
            "reference: bare `statsmodels.iolib.api.load_pickle` of `model.statsmodels`",
            None,
            measure(lambda: smio.load_pickle(data_file),
                    repeat=LOAD_REPEAT["mlflow_c"], warmup=5),
        )
        rows.append(load_bare)

        # 5. pyfunc.load_model
        load_pyfunc = Row(
            "`pyfunc.load_model(path)`",
            measure(lambda: mlflow.pyfunc.load_model(path),
                    repeat=LOAD_REPEAT["mlflow"], warmup=3),
            measure(lambda: mlflow_c.pyfunc.load_model(path),
                    repeat=LOAD_REPEAT["mlflow_c"], warmup=5),
        )
        rows.append(load_pyfunc)

        # 6. pyfunc predict on a 1-row DataFrame (no signature), plus the bare statsmodels call
        ml_model = mlflow.pyfunc.load_model(path)
        mc_model = mlflow_c.pyfunc.load_model(path)
        expected = np.asarray(res.predict(df))
        consistent = all(
            np.allclose(np.asarray(m.predict(df)), expected) for m in (ml_model, mc_model)
        )
        predict = Row(
            "pyfunc `predict(df)`, 1-row DataFrame, no signature",
            measure(lambda: ml_model.predict(df), repeat=PREDICT_REPEAT,
                    number=PREDICT_NUMBER, warmup=5),
            measure(lambda: mc_model.predict(df), repeat=PREDICT_REPEAT,
                    number=PREDICT_NUMBER, warmup=5),
        )
        rows.append(predict)
        bare = Row(
            "reference: bare `results.predict(df)` (statsmodels, no wrapper)",
            None,
            measure(lambda: res.predict(df), repeat=PREDICT_REPEAT,
                    number=PREDICT_NUMBER, warmup=5),
        )
        rows.append(bare)

    notes = [
        check_target(
            f"`save_model` (default args) ≥ {TARGET_SAVE_RATIO:.0f}x faster than MLflow's default path",
            (save_default.ratio or 0) >= TARGET_SAVE_RATIO, format_ratio(save_default.ratio)),
        check_target(
            f"native `load_model` ≥ {TARGET_LOAD_RATIO:.0f}x faster",
            (load_native.ratio or 0) >= TARGET_LOAD_RATIO, format_ratio(load_native.ratio)),
        check_target(
            f"`pyfunc.load_model` ≥ {TARGET_LOAD_RATIO:.0f}x faster",
            (load_pyfunc.ratio or 0) >= TARGET_LOAD_RATIO, format_ratio(load_pyfunc.ratio)),
        check_target(
            f"`import mlflow_c.statsmodels` < {TARGET_IMPORT_MS:.0f} ms",
            imp.mlflow_c.median < TARGET_IMPORT_MS * common.NS_PER_MS,
            format_duration(imp.mlflow_c.median, "ms")),
    ]
    notes.append(
        "- overhead over the bare statsmodels call (difference of minima): "
        f"native `load_model` mlflow {_delta(load_native.mlflow, load_bare.mlflow_c)}, "
        f"mlflow_c {_delta(load_native.mlflow_c, load_bare.mlflow_c)}; "
        f"pyfunc `predict` mlflow {_delta(predict.mlflow, bare.mlflow_c)}, "
        f"mlflow_c {_delta(predict.mlflow_c, bare.mlflow_c)}"
    )
    notes.append(
        "- `import mlflow_c.statsmodels` defers numpy/pandas/statsmodels to first use; "
        "`import mlflow.statsmodels` imports them"
    )
    notes.append(
        "- predictions of both pyfunc models match `results.predict`: "
        + ("yes" if consistent else "NO — the timings above compare different results")
    )
    return rows, notes


def _delta(t: common.Timing, ref: common.Timing) -> str:
    d = t.min - ref.min  # minima: least disturbed by other load on the machine
    return ("+" if d >= 0 else "-") + format_duration(abs(d))


def main() -> list[Row]:
    common.print_header()
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
