"""mlflow_c demo: turn on statsmodels autologging, fit a model (which logs a run with its params,
metrics, model_summary.txt and the model into the default local tracking store: a SQLite
database ./mlflow.db with artifacts under ./mlruns, as MLflow 3.7+ does), then load the model
back by its runs:/, models:/ and registry URIs and predict.

By default it works in a fresh temporary directory; pass a directory to keep the store there
(then `mlflow ui` started in that directory shows the run).
"""
import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

import mlflow_c
import mlflow_c.pyfunc
import mlflow_c.statsmodels


def main(workdir):
    os.chdir(workdir)
    rng = np.random.default_rng(42)
    X = pd.DataFrame({"const": 1.0, "x1": rng.normal(size=200), "x2": rng.normal(size=200)})
    y = X @ np.array([1.0, 2.0, -0.5]) + rng.normal(scale=0.1, size=200)

    print(f"tracking URI (default): {mlflow_c.get_tracking_uri()}")
    mlflow_c.set_experiment("mlflow_c-demo")
    t0 = time.perf_counter()
    mlflow_c.statsmodels.autolog(registered_model_name="ols-demo")
    t1 = time.perf_counter()
    results = sm.OLS(y, X).fit()
    t2 = time.perf_counter()
    print(f"autolog() on in {(t1 - t0) * 1e3:.1f} ms; OLS fit under autolog returned in "
          f"{(t2 - t1) * 1e3:.2f} ms: params {np.round(results.params.values, 3).tolist()}")

    # mlflow_c calls wait for the autolog writer, so the run is complete here
    run = mlflow_c.last_active_run()
    t3 = time.perf_counter()
    print(f"run {run.info.run_id} ({run.data.tags['mlflow.autologging']} autolog) "
          f"{run.info.status}, complete {(t3 - t1) * 1e3:.1f} ms after the fit started")
    print(f"  params  {run.data.params}")
    print(f"  metrics rsquared={run.data.metrics['rsquared']:.4f} aic={run.data.metrics['aic']:.2f}"
          f" ({len(run.data.metrics)} metrics)")
    arts = [f.path for f in mlflow_c.MlflowClient().list_artifacts(run.info.run_id)]
    print(f"  artifacts {arts}")
    model_info = mlflow_c.last_logged_model()
    print(f"  logged model {model_info.model_id} (name {model_info.name!r})")

    new = X.head(5)
    expected = results.predict(new)
    uris = (f"runs:/{run.info.run_id}/model", f"models:/{model_info.model_id}",
            "models:/ols-demo/1")
    for uri in uris:
        t0 = time.perf_counter()
        model = mlflow_c.pyfunc.load_model(uri)
        t1 = time.perf_counter()
        pred = model.predict(new)
        assert np.allclose(pred, expected), f"prediction through {uri} differs"
        print(f"pyfunc.load_model({uri!r}) in {(t1 - t0) * 1e3:.2f} ms: predictions equal "
              "results.predict: OK")
    raw = mlflow_c.statsmodels.load_model(uris[0])
    print(f"native load_model -> {type(raw).__name__}")
    mlflow_c.statsmodels.autolog(disable=True)
    print(f"store files in {workdir}: {sorted(os.listdir(workdir))}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        os.makedirs(sys.argv[1], exist_ok=True)
        main(os.path.abspath(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(tmp)
