"""Threads: the outermost flag is per thread (contract Q2 fixed), so concurrent fits each get their
own complete run with their own params and metrics."""

from __future__ import annotations

import threading

import numpy as np
import statsmodels.api as sm

import alcases
import altools
from altools import AUTOLOG_TAG, METRIC_NAMES, expected_metrics

N_THREADS = 8
N_FITS = 20
METHODS = ["pinv", "qr"]
COV_TYPES = ["nonrobust", "HC0", "HC1", "HC3"]


def _run_threads(target, n):
    errors: list[BaseException] = []

    def guarded(i):
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,), name=f"fitter-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "fitting threads hang"
    assert errors == [], errors


def test_8_threads_x_20_fits_each_get_their_own_run(al, mode):
    al.enable(log_models=False)
    barrier = threading.Barrier(N_THREADS)
    done: dict[tuple[int, int], dict] = {}
    lock = threading.Lock()

    def work(t):
        barrier.wait(timeout=60)
        method = METHODS[t % 2]
        cov = COV_TYPES[t % 4]
        for i in range(N_FITS):
            y, X = alcases.reg_data(seed=1000 + 100 * t + i, scale=0.5 + 0.25 * t)
            res = sm.OLS(y, X).fit(method, cov_type=cov)
            expected = {
                "params": {"method": method, "cov_type": cov, "cov_kwds": "None",
                           "use_t": "None"},
                "metrics": expected_metrics(res),
            }
            with lock:
                done[(t, i)] = expected

    _run_threads(work, N_THREADS)
    assert len(done) == N_THREADS * N_FITS
    runs = al.runs()
    assert len(runs) == N_THREADS * N_FITS
    by_ssr = {exp["metrics"]["ssr"]: key for key, exp in done.items()}
    assert len(by_ssr) == len(done)  # the data makes every fit distinct
    matched = set()
    for run in runs:
        assert run.info.status == "FINISHED"
        assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
        assert sorted(run.data.metrics) == METRIC_NAMES
        key = by_ssr.get(run.data.metrics["ssr"])
        assert key is not None, f"run {run.info.run_id} has metrics of no fit"
        assert key not in matched, f"two runs for fit {key}"
        matched.add(key)
        assert run.data.params == done[key]["params"], key
        altools.assert_same_metrics(run.data.metrics, done[key]["metrics"])
    assert len(matched) == N_THREADS * N_FITS
    assert altools.mlc().active_run() is None


def test_threads_with_models(al, mode):
    al.enable()
    done = {}
    lock = threading.Lock()

    def work(t):
        for i in range(4):
            y, X = alcases.reg_data(seed=5000 + 10 * t + i)
            res = sm.OLS(y, X).fit()
            with lock:
                done[expected_metrics(res)["ssr"]] = (res, X)

    _run_threads(work, 4)
    runs = al.runs()
    assert len(runs) == 16
    models = {m.source_run_id: m for m in al.logged_models()}
    assert sorted(models) == sorted(r.info.run_id for r in runs)
    pyfunc = altools.mlc().pyfunc
    for run in runs:
        res, X = done[run.data.metrics["ssr"]]
        model = models[run.info.run_id]
        assert {m.key: m.value for m in model.metrics} == run.data.metrics
        loaded = pyfunc.load_model(f"runs:/{run.info.run_id}/model")
        np.testing.assert_allclose(np.asarray(loaded.predict(X)), res.predict(X), rtol=1e-12)


def test_fit_in_another_thread_logs_while_a_fit_is_running(al, mode):
    """With MLflow's process-wide flag, a fit started while another thread is inside a fit is
    not logged. Here thread A blocks inside its fit while the main thread fits and logs."""
    entered = threading.Event()
    release = threading.Event()
    out = {}
    al.enable(log_models=False)

    class Slow(sm.OLS):
        def fit(self, method="pinv"):
            entered.set()
            assert release.wait(60)
            return super().fit(method=method)

    y_a, X_a = alcases.reg_data(seed=77)

    def fit_a(_):
        out["a"] = Slow(y_a, X_a).fit(method="qr")

    thread = threading.Thread(target=fit_a, args=(0,), name="slow-fitter")
    thread.start()
    try:
        assert entered.wait(60)
        res_b = sm.OLS(*alcases.reg_data(seed=78)).fit()
    finally:
        release.set()
        thread.join(timeout=120)
    assert not thread.is_alive()
    runs = al.runs()
    assert len(runs) == 2
    by_method = {r.data.params["method"]: r for r in runs}
    assert sorted(by_method) == ["pinv", "qr"]
    altools.assert_same_metrics(by_method["pinv"].data.metrics, expected_metrics(res_b))
    altools.assert_same_metrics(by_method["qr"].data.metrics, expected_metrics(out["a"]))
    assert by_method["qr"].data.params == {"method": "qr"}
