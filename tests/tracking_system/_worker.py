"""Child-process side of the tracking system tests.

    python _worker.py <impl> <command> '<json args>'

<impl> is ``mlflow_c`` or ``mlflow``. Both expose the same API (mlflow_c mirrors MLflow 3.17's
names), so every command is written once against the module ``ml``. A command prints its result
as one line ``RESULT <json>`` on stdout; any exception makes the process exit non-zero.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import threading
import time
import traceback
import warnings


def load(impl: str):
    ml = importlib.import_module(impl)
    entities = importlib.import_module(f"{impl}.entities")
    return ml, entities


# --------------------------------------------------------------------------------------------
# Reading back
# --------------------------------------------------------------------------------------------


def readback(client, run_id: str, history: bool = True) -> dict:
    """The run as the writer's own client reports it (JSON-friendly)."""
    run = client.get_run(run_id)
    info = run.info
    out = {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": str(info.experiment_id),
        "status": info.status,
        "lifecycle_stage": info.lifecycle_stage,
        "user_id": info.user_id,
        "artifact_uri": info.artifact_uri,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "params": dict(run.data.params),
        "metrics": {k: float(v) for k, v in run.data.metrics.items()},
        "tags": dict(run.data.tags),
    }
    outputs = getattr(run, "outputs", None)
    out["model_outputs"] = sorted(
        m.model_id for m in (getattr(outputs, "model_outputs", None) or []))
    if history:
        out["history"] = {
            key: sorted([m.step, m.timestamp, float(m.value)]
                        for m in client.get_metric_history(run_id, key))
            for key in sorted(run.data.metrics)
        }
    return out


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def cmd_create(ml, ent, a):
    """Opens (and so creates) the store the way a user's first call does."""
    ml.set_tracking_uri(a["uri"])
    exps = ml.MlflowClient().search_experiments()
    return {"experiments": sorted(e.name for e in exps)}


def cmd_create_fluent(ml, ent, a):
    ml.set_tracking_uri(a["uri"])
    return {"experiment_id": ml.create_experiment(a["name"])}


def log_sample_run(ml, experiment: str, run_name: str) -> str:
    ml.set_experiment(experiment)
    with ml.start_run(run_name=run_name, tags={"team": "system-tests"}) as run:
        ml.log_param("alpha", 0.5)
        ml.log_params({"layers": 3, "solver": "ols"})
        for step, value in enumerate([1.5, 0.75, 0.25]):
            ml.log_metric("loss", value, step=step)
        # out of order steps: the latest is the greatest step, not the last logged
        ml.log_metric("m1", 1.5, step=0)
        ml.log_metric("m1", 2.0, step=3)
        ml.log_metric("m1", 0.5, step=1)
        ml.log_metrics({"acc": 0.9, "f1": 0.8, "as_int": 2}, step=0)
        ml.log_metric("m_nan", float("nan"))
        ml.log_metric("m_inf", float("inf"))
        ml.log_metric("m_ninf", float("-inf"))
        ml.set_tag("stage", "test")
        ml.set_tags({"k1": "v1", "k2": 3})
        return run.info.run_id


def cmd_log_run(ml, ent, a):
    ml.set_tracking_uri(a["uri"])
    run_id = log_sample_run(ml, a.get("experiment", "system"), a.get("run_name", "sys-run"))
    return readback(ml.MlflowClient(), run_id)


def cmd_readback(ml, ent, a):
    ml.set_tracking_uri(a["uri"])
    return readback(ml.MlflowClient(), a["run_id"])


def cmd_setup_conc(ml, ent, a):
    """An experiment for the concurrency test and one shared run in it."""
    ml.set_tracking_uri(a["uri"])
    client = ml.MlflowClient()
    exp_id = client.create_experiment(a["experiment"], artifact_location=a.get("artifacts"))
    run = client.create_run(exp_id, run_name="shared")
    return {"experiment_id": exp_id, "run_id": run.info.run_id}


def conc_value(writer: int, i: int) -> float:
    """The value of metric number i of a writer: exact in binary, distinct per (writer, i)."""
    return writer * 10000 + i + 0.25


def cmd_conc(ml, ent, a):
    """One process of the concurrency test: ``threads`` threads, 1,000 metrics each.

    Each thread is writer ``proc * threads + t``. Its metrics: ``n_single`` one at a time, then
    ``n_batches`` batches of ``batch``.
    - variant "own_run": each thread starts its own run (fluent API, per-thread active run);
      key "single" at steps 0..n_single-1, then keys b0..b<batch-1> at steps 0..n_batches-1.
    - variant "shared": every thread logs into one shared run with MlflowClient.log_metric /
      log_batch (one client shared by the threads of the process); key "shared", step
      writer * 1000 + i.
    """
    ml.set_tracking_uri(a["uri"])
    client = ml.MlflowClient()
    n_threads, n_single, batch, n_batches = a["threads"], a["n_single"], a["batch"], a["n_batches"]
    barrier = threading.Barrier(n_threads)
    errors: list[str] = []
    run_ids: dict[int, str] = {}

    def own_run(writer: int) -> None:
        with ml.start_run(experiment_id=a["experiment_id"], run_name=f"w{writer}") as run:
            run_ids[writer] = run.info.run_id
            barrier.wait(timeout=120)
            for i in range(n_single):
                ml.log_metric("single", conc_value(writer, i), step=i)
            for b in range(n_batches):
                base = n_single + b * batch
                ml.log_metrics({f"b{j}": conc_value(writer, base + j) for j in range(batch)},
                               step=b)

    def shared(writer: int) -> None:
        run_id = a["run_id"]
        barrier.wait(timeout=120)
        for i in range(n_single):
            client.log_metric(run_id, "shared", conc_value(writer, i),
                              timestamp=int(time.time() * 1000), step=writer * 1000 + i)
        for b in range(n_batches):
            ts = int(time.time() * 1000)
            base = n_single + b * batch
            client.log_batch(run_id, metrics=[
                ent.Metric("shared", conc_value(writer, base + j), ts, writer * 1000 + base + j)
                for j in range(batch)])

    target = own_run if a["variant"] == "own_run" else shared

    def main(t: int) -> None:
        try:
            target(a["proc"] * n_threads + t)
        except BaseException:
            errors.append(traceback.format_exc())
            barrier.abort()

    threads = [threading.Thread(target=main, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise RuntimeError("writer thread failed:\n" + "\n".join(errors))
    return {"run_ids": {str(k): v for k, v in run_ids.items()}}


def cmd_churn(ml, ent, a):
    """Logs without end (runs, params, metrics, batches, tags) until the process is killed.

    Creates the file a["ready"] once the first run is complete.
    """
    ml.set_tracking_uri(a["uri"])
    client = ml.MlflowClient()
    errors: list[str] = []

    def loop(t: int) -> None:
        try:
            n = 0
            while True:
                with ml.start_run(experiment_id=a["experiment_id"], run_name=f"c{t}-{n}") as run:
                    ml.log_params({f"p{j}": j for j in range(5)})
                    for i in range(10):
                        ml.log_metric("loss", 1.0 / (i + 1), step=i)
                    ml.log_metrics({f"m{j}": j * 0.5 + n for j in range(40)}, step=n)
                    ts = int(time.time() * 1000)
                    client.log_batch(run.info.run_id,
                                     metrics=[ent.Metric("batched", float(i), ts, i)
                                              for i in range(100)],
                                     tags=[ent.RunTag("n", str(n))])
                    ml.set_tag("done", "yes")
                if t == 0 and n == 0:
                    with open(a["ready"], "w") as f:
                        f.write("ready\n")
                n += 1
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=loop, args=(t,), daemon=True) for t in range(2)]
    for th in threads:
        th.start()
    deadline = time.time() + a.get("max_seconds", 120)
    while time.time() < deadline and not errors:
        time.sleep(0.05)
    if errors:
        raise RuntimeError("churn thread failed:\n" + "\n".join(errors))
    return {"timeout": True}


def _ols_results():
    import numpy as np
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    y = x @ np.array([1.5, -2.0]) + 0.5 + rng.normal(scale=0.1, size=50)
    return sm.OLS(y, sm.add_constant(x)).fit()


def cmd_server_data(ml, ent, a):
    """Three runs (params, metric histories, tags), a logged model registered as a model."""
    uri = a["uri"]
    ml.set_tracking_uri(uri)
    ml.set_registry_uri(uri)
    flavor = importlib.import_module(f"{ml.__name__}.statsmodels")
    exp_id = ml.create_experiment(a["experiment"], artifact_location=a["artifacts"],
                                  tags={"purpose": "server"})
    ml.set_experiment(experiment_id=exp_id)
    run_ids = []
    model = {}
    for r in range(3):
        with ml.start_run(run_name=f"run-{r}") as run:
            ml.log_params({"alpha": r * 0.5, "solver": "ols", "index": r})
            for step in range(5):
                ml.log_metric("loss", 1.0 / (step + 1) + r, step=step)
            ml.log_metric("acc", 0.5 + r / 10)
            ml.set_tags({"idx": str(r), "kind": "server-test"})
            if r == 2:
                info = flavor.log_model(_ols_results(), name="model",
                                        registered_model_name=a["registered_model"],
                                        pip_requirements=["statsmodels"])
                model = {"model_id": info.model_id,
                         "version": str(info.registered_model_version)}
            run_ids.append(run.info.run_id)
    client = ml.MlflowClient()
    lm = client.get_logged_model(model["model_id"])
    rm = client.get_registered_model(a["registered_model"])
    return {
        "experiment_id": exp_id,
        "runs": [readback(client, rid) for rid in run_ids],
        "model": {**model, "name": lm.name, "source_run_id": lm.source_run_id,
                  "status": str(lm.status), "artifact_location": lm.artifact_location},
        "registered": {"name": rm.name,
                       "versions": sorted(str(v.version) for v in rm.latest_versions or [])},
    }


COMMANDS = {name[4:]: fn for name, fn in globals().items() if name.startswith("cmd_")}


def main() -> None:
    warnings.filterwarnings("ignore")
    impl, command = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    ml, ent = load(impl)
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    result = COMMANDS[command](ml, ent, args)
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
