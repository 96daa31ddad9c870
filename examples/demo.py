"""mlflow_c demo: fit a statsmodels model, log it into the default local tracking store (a
SQLite database ./mlflow.db with artifacts under ./mlruns, as MLflow 3.7+ does), load it back
by its models:/ and runs:/ URIs and predict.

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
    results = sm.OLS(y, X).fit()
    print(f"fitted OLS: params {np.round(results.params.values, 3).tolist()}")

    print(f"tracking URI (default): {mlflow_c.get_tracking_uri()}")
    mlflow_c.set_experiment("mlflow_c-demo")
    t0 = time.perf_counter()
    with mlflow_c.start_run(run_name="ols-demo") as run:
        mlflow_c.log_params({"method": "pinv", "n_obs": int(results.nobs)})
        mlflow_c.log_metrics({"rsquared": float(results.rsquared), "aic": float(results.aic)})
        info = mlflow_c.statsmodels.log_model(results, name="model", input_example=X.head(3),
                                              registered_model_name="ols-demo")
    t1 = time.perf_counter()
    print(f"run {run.info.run_id} logged in {(t1 - t0) * 1e3:.1f} ms "
          f"(params, metrics, model {info.model_uri}, registered version "
          f"{info.registered_model_version})")

    got = mlflow_c.MlflowClient().get_run(run.info.run_id)
    print(f"run status {got.info.status}, metrics {got.data.metrics}")

    new = X.head(5)
    expected = results.predict(new)
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model", "models:/ols-demo/1"):
        t0 = time.perf_counter()
        model = mlflow_c.pyfunc.load_model(uri)
        t1 = time.perf_counter()
        pred = model.predict(new)
        assert np.allclose(pred, expected), f"prediction through {uri} differs"
        print(f"pyfunc.load_model({uri!r}) in {(t1 - t0) * 1e3:.2f} ms: predictions equal "
              "results.predict: OK")
    raw = mlflow_c.statsmodels.load_model(info.model_uri)
    print(f"native load_model -> {type(raw).__name__}")
    print(f"store files in {workdir}: {sorted(os.listdir(workdir))}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        os.makedirs(sys.argv[1], exist_ok=True)
        main(os.path.abspath(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(tmp)
