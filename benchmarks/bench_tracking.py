"""Tracking: runs, metrics, log_model and reads on SQLite and file stores — MLflow vs mlflow_c.

Run from the repository root::

    python -m benchmarks.bench_tracking

Each library gets its own fresh store of the same kind (a SQLite file under a temporary
directory, or an ``mlruns`` file store); MLflow's SQLite database is created before any timing
(MLflow builds it by replaying its migrations, ~5 s). Rows:

- (a) ``start_run`` + 10 ``log_param`` + 20 ``log_metric`` + ``end_run`` (fluent API), and the
  same with one ``log_params`` and one ``log_metrics`` call;
- (b) one ``log_metrics`` call with 1,000 values into an active run;
- (c) ``statsmodels.log_model`` of the OLS results into an active run on SQLite, with default
  arguments (MLflow infers the requirements in a subprocess) and with ``pip_requirements``;
- (d) ``MlflowClient.get_run`` and ``search_runs`` over 200 runs (5 params, 10 metrics, 3 tags
  each), both libraries reading the same SQLite database, written by MLflow.

Times are medians; targets are printed, not asserted. While mlflow_c has no tracking API, the
mlflow_c column stays empty.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path

from benchmarks import common
from benchmarks.common import FreshDirs, Row, format_ratio, measure
from benchmarks.generate_data import ols_results

TITLE = "Tracking (SQLite and file stores)"

TARGET_RUN_RATIO = 20.0
TARGET_METRICS_RATIO = 20.0
TARGET_LOG_MODEL_RATIO = 50.0

N_PARAMS, N_METRICS, N_BULK, N_RUNS = 10, 20, 1000, 200

REPEAT = {
    "run": {"mlflow": 10, "mlflow_c": 100},
    # the same number of calls for both: each call grows the same tables, and later calls
    # cost more (the metrics indexes take 1,000 random inserts per call)
    "bulk": {"mlflow": 10, "mlflow_c": 10},
    "log_model_default": {"mlflow": 3, "mlflow_c": 20},
    "log_model_pip": {"mlflow": 10, "mlflow_c": 20},
    "get_run": {"mlflow": 30, "mlflow_c": 200},
    "search": {"mlflow": 10, "mlflow_c": 50},
}

PARAMS = {f"param_{i}": f"value-{i}" for i in range(N_PARAMS)}
METRICS = {f"metric_{i}": i * 0.125 for i in range(N_METRICS)}
BULK = {f"bulk_{i}": i * 0.5 for i in range(N_BULK)}


def has_tracking() -> bool:
    import mlflow_c

    return all(hasattr(mlflow_c, n) for n in ("start_run", "MlflowClient", "set_tracking_uri"))


class Store:
    """One library bound to one store: ``ml`` is ``mlflow`` or ``mlflow_c``."""

    def __init__(self, ml, kind: str, root: Path) -> None:
        self.ml, self.kind = ml, kind
        root.mkdir(parents=True, exist_ok=True)
        if kind == "sqlite":
            self.uri = f"sqlite:///{root / 'mlflow.db'}"
        else:
            self.uri = (root / "mlruns").as_uri()
        self.artifacts = str(root / "artifacts")
        # Opening the store creates it (MLflow's migrations run here, untimed).
        ml.MlflowClient(tracking_uri=self.uri).search_experiments()
        self._experiments = itertools.count()

    def activate(self, experiment: str | None = None) -> str:
        """Points the library's fluent API at this store and a fresh experiment."""
        self.ml.set_tracking_uri(self.uri)
        name = experiment or f"bench-{next(self._experiments)}"
        exp_id = self.ml.MlflowClient().create_experiment(
            name, artifact_location=f"{self.artifacts}/{name}")
        self.ml.set_experiment(experiment_id=exp_id)
        return exp_id


def _one_run(ml) -> None:
    with ml.start_run():
        for k, v in PARAMS.items():
            ml.log_param(k, v)
        for k, v in METRICS.items():
            ml.log_metric(k, v)


def _one_run_batched(ml) -> None:
    with ml.start_run():
        ml.log_params(PARAMS)
        ml.log_metrics(METRICS)


def _time_runs(store: Store | None, fn) -> common.Timing | None:
    if store is None:
        return None
    store.activate()
    lib = "mlflow" if store.ml.__name__ == "mlflow" else "mlflow_c"
    return measure(lambda: fn(store.ml), repeat=REPEAT["run"][lib], warmup=2)


def _time_bulk(store: Store | None) -> common.Timing | None:
    if store is None:
        return None
    store.activate()
    ml = store.ml
    lib = "mlflow" if ml.__name__ == "mlflow" else "mlflow_c"
    steps = itertools.count()
    ml.start_run()
    try:
        return measure(lambda: ml.log_metrics(BULK, step=next(steps)),
                       repeat=REPEAT["bulk"][lib], warmup=2)
    finally:
        ml.end_run()


def _time_log_model(store: Store | None, key: str, **kwargs) -> common.Timing | None:
    if store is None:
        return None
    store.activate()
    ml = store.ml
    flavor = __import__(f"{ml.__name__}.statsmodels", fromlist=["log_model"])
    res = ols_results()
    lib = "mlflow" if ml.__name__ == "mlflow" else "mlflow_c"
    ml.start_run()
    try:
        return measure(lambda: flavor.log_model(res, name="model", **kwargs),
                       repeat=REPEAT[key][lib], warmup=1)
    finally:
        ml.end_run()


def _populate(client, exp_id: str) -> list[str]:
    """N_RUNS finished runs through MLflow's client, one log_batch each."""
    from mlflow.entities import Metric, Param, RunTag

    ids = []
    for r in range(N_RUNS):
        run = client.create_run(exp_id, run_name=f"run-{r}")
        rid = run.info.run_id
        client.log_batch(
            rid,
            metrics=[Metric(f"m{j}", ((r * 7 + j) % 100) / 100, 1_700_000_000_000 + r, 0)
                     for j in range(10)],
            params=[Param(f"p{j}", str(r * j)) for j in range(5)],
            tags=[RunTag("group", str(r % 4)), RunTag("kind", "bench"), RunTag("idx", str(r))])
        client.set_terminated(rid)
        ids.append(rid)
    return ids


def run() -> tuple[list[Row], list[str]]:
    import mlflow
    import mlflow.statsmodels  # noqa: F401

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow 3.17 refuses the file store otherwise
    common.quiet()
    tracking = has_tracking()
    if tracking:
        import mlflow_c
        import mlflow_c.statsmodels  # noqa: F401
    rows: list[Row] = []
    notes: list[str] = []
    cwd = os.getcwd()

    with FreshDirs(prefix="mlflow_c_bench_tracking_") as fresh:
        os.chdir(fresh.root)  # anything relative (./mlruns, ./mlflow.db) lands in the temp dir
        try:
            stores = {}
            for kind in ("sqlite", "file"):
                stores[("mlflow", kind)] = Store(mlflow, kind, Path(fresh()))
                stores[("mlflow_c", kind)] = (Store(mlflow_c, kind, Path(fresh()))
                                              if tracking else None)
            common.quiet()  # opening MLflow's stores may have reset logging levels

            # (a) a small run
            run_rows = {}
            for kind in ("sqlite", "file"):
                for label, fn in (("10 `log_param` + 20 `log_metric`", _one_run),
                                  ("`log_params(10)` + `log_metrics(20)`", _one_run_batched)):
                    row = Row(f"`start_run` + {label} + `end_run`, {kind}",
                              _time_runs(stores[("mlflow", kind)], fn),
                              _time_runs(stores[("mlflow_c", kind)], fn))
                    rows.append(row)
                    run_rows[(kind, fn.__name__)] = row

            # (b) 1,000 metrics in one call
            bulk_rows = {}
            for kind in ("sqlite", "file"):
                row = Row(f"`log_metrics` of {N_BULK:,} values (one call), {kind}",
                          _time_bulk(stores[("mlflow", kind)]),
                          _time_bulk(stores[("mlflow_c", kind)]))
                rows.append(row)
                bulk_rows[kind] = row

            # (c) log_model into SQLite
            lm_default = Row("`statsmodels.log_model(res, name=...)` (default args), sqlite",
                             _time_log_model(stores[("mlflow", "sqlite")], "log_model_default"),
                             _time_log_model(stores[("mlflow_c", "sqlite")], "log_model_default"))
            rows.append(lm_default)
            pip = {"pip_requirements": ["statsmodels"]}
            rows.append(Row('`statsmodels.log_model(..., pip_requirements=["statsmodels"])`, '
                            "sqlite",
                            _time_log_model(stores[("mlflow", "sqlite")], "log_model_pip", **pip),
                            _time_log_model(stores[("mlflow_c", "sqlite")], "log_model_pip",
                                            **pip)))

            # (d) reads over 200 runs of one MLflow-written database, by both libraries
            src = stores[("mlflow", "sqlite")]
            ml_client = mlflow.MlflowClient(tracking_uri=src.uri)
            exp_id = ml_client.create_experiment("bench-reads",
                                                 artifact_location=f"{src.artifacts}/reads")
            ids = _populate(ml_client, exp_id)
            mc_client = mlflow_c.MlflowClient(tracking_uri=src.uri) if tracking else None
            probe = ids[N_RUNS // 2]
            flt = {"filter_string": "metrics.m0 > 0.5 and params.p1 != '0'",
                   "order_by": ["metrics.m1 DESC"]}

            def reads(client, lib):
                if client is None:
                    return None, None, None
                return (
                    measure(lambda: client.get_run(probe), repeat=REPEAT["get_run"][lib],
                            number=5, warmup=3),
                    measure(lambda: client.search_runs([exp_id], max_results=1000),
                            repeat=REPEAT["search"][lib], warmup=2),
                    measure(lambda: client.search_runs([exp_id], max_results=1000, **flt),
                            repeat=REPEAT["search"][lib], warmup=2),
                )

            ml_reads, mc_reads = reads(ml_client, "mlflow"), reads(mc_client, "mlflow_c")
            rows.append(Row("`MlflowClient.get_run(run_id)` (200-run experiment), sqlite",
                            ml_reads[0], mc_reads[0]))
            rows.append(Row(f"`MlflowClient.search_runs` → all {N_RUNS} runs, sqlite",
                            ml_reads[1], mc_reads[1]))
            rows.append(Row("`search_runs` with a metric+param filter and `order_by`, sqlite",
                            ml_reads[2], mc_reads[2]))

            if tracking:
                notes.append(_consistency(ml_client, mc_client, exp_id, probe, flt))
        finally:
            for ml in ([mlflow, mlflow_c] if tracking else [mlflow]):
                while ml.active_run() is not None:
                    ml.end_run()
            os.chdir(cwd)

    def target(label: str, row: Row, goal: float) -> str:
        if row.mlflow_c is None:
            return f"- [not measured] {label} (mlflow_c has no tracking API yet)"
        return common.check_target(label, (row.ratio or 0) >= goal, format_ratio(row.ratio))

    notes[:0] = [
        target(f"`start_run` + 10 params + 20 metrics + `end_run` on SQLite ≥ "
               f"{TARGET_RUN_RATIO:.0f}x faster", run_rows[("sqlite", "_one_run")],
               TARGET_RUN_RATIO),
        target(f"`log_metrics` of {N_BULK:,} values on SQLite ≥ "
               f"{TARGET_METRICS_RATIO:.0f}x faster",
               bulk_rows["sqlite"], TARGET_METRICS_RATIO),
        target(f"`log_metrics` of {N_BULK:,} values on the file store ≥ "
               f"{TARGET_METRICS_RATIO:.0f}x faster", bulk_rows["file"], TARGET_METRICS_RATIO),
        target(f"`log_model` (default args) into SQLite ≥ {TARGET_LOG_MODEL_RATIO:.0f}x faster "
               "than MLflow's default path", lm_default, TARGET_LOG_MODEL_RATIO),
    ]
    file_run = run_rows[("file", "_one_run")]
    notes.append("- reported without a target: the same small run on the file store ("
                 + (format_ratio(file_run.ratio) if file_run.mlflow_c else "not measured") + ")")
    return rows, notes


def _consistency(ml_client, mc_client, exp_id, probe, flt) -> str:
    """Both clients read the same runs from the same database."""
    try:
        a, b = ml_client.get_run(probe), mc_client.get_run(probe)
        same_run = (a.data.params == b.data.params and a.data.metrics == b.data.metrics
                    and a.data.tags == b.data.tags)
        same_all = ([r.info.run_id for r in ml_client.search_runs([exp_id], max_results=1000)]
                    == [r.info.run_id for r in mc_client.search_runs([exp_id], max_results=1000)])
        same_flt = ([r.info.run_id for r in ml_client.search_runs([exp_id], max_results=1000,
                                                                   **flt)]
                    == [r.info.run_id for r in mc_client.search_runs([exp_id], max_results=1000,
                                                                      **flt)])
        ok = same_run and same_all and same_flt
    except Exception as exc:  # report, do not hide the table
        return f"- both clients read the same runs: NO ({type(exc).__name__}: {exc})"
    return "- both clients read the same runs, in the same order: " + (
        "yes" if ok else f"NO (get_run {same_run}, search {same_all}, filtered {same_flt})")


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
