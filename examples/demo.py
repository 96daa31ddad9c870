"""mlflow_c demo: fit a statsmodels model, save it in the MLflow Model format, load it back
through mlflow_c.pyfunc and predict. Run from anywhere; it works in a temporary directory."""
import os
import tempfile
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

import mlflow_c.pyfunc
import mlflow_c.statsmodels
from mlflow_c.models import Model


def main():
    rng = np.random.default_rng(42)
    X = pd.DataFrame({"const": 1.0, "x1": rng.normal(size=200), "x2": rng.normal(size=200)})
    y = X @ np.array([1.0, 2.0, -0.5]) + rng.normal(scale=0.1, size=200)
    results = sm.OLS(y, X).fit()
    print(f"fitted OLS: params {np.round(results.params.values, 3).tolist()}")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ols_model")
        t0 = time.perf_counter()
        mlflow_c.statsmodels.save_model(results, path, input_example=X.head(3))
        t1 = time.perf_counter()
        print(f"saved to {path} in {(t1 - t0) * 1e3:.2f} ms: {sorted(os.listdir(path))}")
        meta = Model.load(path)
        print(f"MLmodel: flavors {sorted(meta.flavors)}, loader "
              f"{meta.flavors['python_function']['loader_module']}, mlflow_version "
              f"{meta.mlflow_version}")
        with open(os.path.join(path, "requirements.txt")) as f:
            print("requirements.txt:", f.read().split("\n"))

        t0 = time.perf_counter()
        model = mlflow_c.pyfunc.load_model(path)
        t1 = time.perf_counter()
        print(f"pyfunc.load_model in {(t1 - t0) * 1e3:.2f} ms -> {type(model).__name__}")
        new = X.head(5)
        pred = model.predict(new)
        expected = results.predict(new)
        print("predictions:", np.round(np.asarray(pred), 4).tolist())
        assert np.allclose(pred, expected), "pyfunc prediction differs from results.predict"
        print("pyfunc predictions equal results.predict: OK")
        raw = mlflow_c.statsmodels.load_model(path)
        print(f"native load_model -> {type(raw).__name__}")


if __name__ == "__main__":
    main()
