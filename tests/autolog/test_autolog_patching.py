"""Patching: which ``fit`` functions autolog wraps, what the wrapper looks like, exact restore on
``autolog(disable=True)``, subclasses created later, what is never logged, pickling and copying
under autolog."""

from __future__ import annotations

import copy
import inspect
import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.base.model import Model
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import RegressionModel
from statsmodels.regression.rolling import RollingOLS
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.statespace.mlemodel import MLEModel

import alcases
import altools
from altools import AUTOLOG_TAG, autolog, expected_params, is_wrapper

OLS_DEFAULT_PARAMS = {"method": "pinv", "cov_type": "nonrobust", "cov_kwds": "None",
                      "use_t": "None"}


def _originals() -> dict[type, object]:
    return {cls: cls.__dict__["fit"] for cls in altools.fit_owners()}


# --------------------------------------------------------------------------- wrap and restore


def test_every_fit_owner_wrapped_and_restored_by_identity(al):
    originals = _originals()
    init_subclass = Model.__dict__.get("__init_subclass__")
    assert RegressionModel in originals and GLM in originals
    assert not any(is_wrapper(f) for f in originals.values())

    al.enable()
    required = altools.required_owners()
    not_wrapped = [c.__qualname__ for c in required if not is_wrapper(c.__dict__["fit"])]
    assert not_wrapped == []
    for cls in required:
        wrapper = cls.__dict__["fit"]
        if cls in originals:
            assert wrapper.__wrapped__ is originals[cls], cls
    # the mixin outside the Model tree that gives GLMGam its fit
    from statsmodels.base._penalized import PenalizedMixin

    assert is_wrapper(PenalizedMixin.__dict__["fit"])
    # inheriting classes are not given a fit of their own
    for cls in (sm.OLS, sm.WLS, sm.GLS, sm.GLSAR, sm.tsa.SARIMAX):
        assert "fit" not in cls.__dict__, cls

    autolog(disable=True)
    changed = [c.__qualname__ for c, f in originals.items() if c.__dict__.get("fit") is not f]
    assert changed == []
    assert altools.wrapped_classes() == []
    assert Model.__dict__.get("__init_subclass__") is init_subclass


def test_disable_without_enable_is_a_noop(al):
    originals = _originals()
    autolog(disable=True)
    autolog(disable=True)
    assert all(c.__dict__["fit"] is f for c, f in originals.items())


def test_enable_twice_does_not_double_wrap(al):
    original = RegressionModel.__dict__["fit"]
    al.enable()
    al.enable(log_models=False)
    wrapper = RegressionModel.__dict__["fit"]
    assert is_wrapper(wrapper)
    assert inspect.isfunction(sm.OLS.fit.__wrapped__)
    assert sm.OLS.fit.__wrapped__ is original
    assert not hasattr(sm.OLS.fit.__wrapped__, "__wrapped__")
    results = sm.OLS(*alcases.reg_data()).fit()
    assert len(al.runs()) == 1
    assert results.params.shape == (3,)
    autolog(disable=True)
    assert RegressionModel.__dict__["fit"] is original


def test_enable_disable_enable_cycle(al):
    original = GLM.__dict__["fit"]
    for _ in range(3):
        al.enable(log_models=False)
        assert GLM.__dict__["fit"].__wrapped__ is original
        autolog(disable=True)
        assert GLM.__dict__["fit"] is original
    alcases.CASES["glm"].fit()
    assert al.runs() == []


@pytest.mark.parametrize("cls", [sm.OLS, GLM, sm.Logit, ARIMA, MLEModel, sm.tsa.SARIMAX,
                                 sm.MixedLM, sm.tsa.ExponentialSmoothing],
                         ids=lambda c: c.__name__)
def test_wrapper_metadata(al, cls):
    original = cls.fit
    assert inspect.isfunction(original)
    al.enable()
    wrapper = cls.fit
    assert is_wrapper(wrapper)
    assert wrapper.__wrapped__ is original
    assert wrapper.__name__ == original.__name__ == "fit"
    assert wrapper.__qualname__ == original.__qualname__
    assert wrapper.__doc__ == original.__doc__
    assert wrapper.__module__ == original.__module__
    assert inspect.signature(wrapper) == inspect.signature(original)


def test_bound_fit_behaves_like_a_method(al):
    model = sm.OLS(*alcases.reg_data())
    expected_sig = inspect.signature(model.fit)
    al.enable(log_models=False)
    bound = model.fit
    assert bound.__self__ is model
    assert inspect.signature(bound) == expected_sig
    results = bound()
    np.testing.assert_allclose(results.params, sm.OLS(*alcases.reg_data()).fit().params)


def test_instance_call_and_class_call_each_log_one_run(al):
    model = sm.OLS(*alcases.reg_data())
    al.enable(log_models=False)
    r1 = model.fit()
    assert len(al.runs()) == 1
    r2 = sm.OLS.fit(model)
    r3 = RegressionModel.fit(model, "qr")
    runs = al.runs()
    assert len(runs) == 3
    assert [r.data.params for r in runs] == [OLS_DEFAULT_PARAMS, OLS_DEFAULT_PARAMS,
                                             dict(OLS_DEFAULT_PARAMS, method="qr")]
    assert all(r.info.status == "FINISHED" for r in runs)
    np.testing.assert_allclose(r1.params, r2.params)
    np.testing.assert_allclose(r1.params, r3.params)


def test_class_call_without_self_raises_type_error(al):
    al.enable(log_models=False)
    with pytest.raises(TypeError):
        sm.OLS.fit()


# --------------------------------------------------------------------------- later subclasses


def test_subclass_after_autolog_calling_super_gives_one_run(al):
    y, X = alcases.reg_data()
    al.enable(log_models=False)

    class MyOLS(sm.OLS):
        def fit(self, *args, **kwargs):
            return super().fit(*args, **kwargs)

    assert is_wrapper(MyOLS.__dict__["fit"])
    user_fit = MyOLS.__dict__["fit"].__wrapped__
    assert inspect.isfunction(user_fit)
    results = MyOLS(y, X).fit(method="qr")
    run = al.only_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
    # the called fit is MyOLS.fit(*args, **kwargs): only the explicit keyword is a param
    assert run.data.params == {"method": "qr"}
    altools.assert_same_metrics(run.data.metrics, altools.expected_metrics(results))
    assert len(run.data.metrics) == 18

    autolog(disable=True)
    assert MyOLS.__dict__["fit"] is user_fit


def test_subclass_after_autolog_without_super_gives_one_run(al):
    y, X = alcases.reg_data()
    al.enable(log_models=False)

    class Shortcut(sm.OLS):
        def fit(self, flavour="plain"):
            # no super(): fits another model (a nested patched fit, which must not log)
            return sm.OLS(self.endog, self.exog).fit(method="qr")

    results = Shortcut(y, X).fit()
    run = al.only_run()
    assert run.data.params == {"flavour": "plain"}
    altools.assert_same_metrics(run.data.metrics, altools.expected_metrics(results))


def test_subclass_inheriting_fit_after_autolog(al):
    y, X = alcases.reg_data()
    al.enable(log_models=False)

    class Inherits(sm.OLS):
        pass

    assert "fit" not in Inherits.__dict__
    Inherits(y, X).fit()
    assert al.only_run().data.params == OLS_DEFAULT_PARAMS


def test_user_init_subclass_still_works(al):
    seen = []
    al.enable(log_models=False)

    class Base(sm.OLS):
        def __init_subclass__(cls, flag=0, **kwargs):
            super().__init_subclass__(**kwargs)
            seen.append((cls.__name__, flag))

    class Child(Base, flag=7):
        def fit(self, method="pinv"):
            return super().fit(method=method)

    assert seen == [("Child", 7)]
    assert is_wrapper(Child.__dict__["fit"])
    Child(*alcases.reg_data()).fit()
    assert al.only_run().data.params == {"method": "pinv"}


def test_subclass_defined_after_disable_is_not_wrapped(al):
    al.enable()
    autolog(disable=True)

    class Late(sm.OLS):
        def fit(self, **kwargs):
            return super().fit(**kwargs)

    assert inspect.isfunction(Late.__dict__["fit"])
    Late(*alcases.reg_data()).fit()
    assert al.runs() == []


# --------------------------------------------------------------------------- never logged


def test_rolling_ols_is_not_logged(al):
    y, X = alcases.reg_data()
    mlc = altools.mlc()
    with mlc.start_run() as known:  # mlflow_c's last active run is process state
        pass
    al.enable()
    res = RollingOLS(y, X, window=20).fit()
    assert res.params.shape == (60, 3)
    assert [r.info.run_id for r in al.runs()] == [known.info.run_id]
    assert mlc.last_active_run().info.run_id == known.info.run_id


@pytest.mark.parametrize("kwargs", [{"alpha": 0.1}, {"alpha": 0.1, "L1_wt": 0.0}],
                         ids=["elastic_net", "ridge"])
def test_fit_regularized_is_not_logged(al, kwargs):
    y, X = alcases.reg_data()
    al.enable()
    assert not is_wrapper(inspect.getattr_static(sm.OLS, "fit_regularized"))
    sm.OLS(y, X).fit_regularized(**kwargs)
    assert al.runs() == []


def test_disabled_autolog_logs_nothing(al):
    al.enable()
    autolog(disable=True)
    alcases.CASES["ols"].fit()
    alcases.CASES["arima"].fit()
    assert al.runs() == []


# --------------------------------------------------------------------------- pickling and copying


class PicklableLate(sm.OLS):
    """Re-created inside a test while autolog is on, published under this module name."""


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_wrapper_pickles_by_reference(al, protocol):
    al.enable()
    wrapper = sm.OLS.fit
    assert pickle.loads(pickle.dumps(wrapper, protocol=protocol)) is wrapper
    glm_wrapper = GLM.__dict__["fit"]
    assert pickle.loads(pickle.dumps(glm_wrapper, protocol=protocol)) is glm_wrapper
    assert copy.copy(wrapper) is wrapper
    assert copy.deepcopy(wrapper) is wrapper


def test_patched_classes_models_and_results_pickle_and_copy(al):
    y, X = alcases.reg_data()
    al.enable(log_models=False)
    assert pickle.loads(pickle.dumps(sm.OLS)) is sm.OLS
    assert pickle.loads(pickle.dumps(GLM)) is GLM
    model = sm.OLS(y, X)
    model2 = pickle.loads(pickle.dumps(model))
    model3 = copy.deepcopy(model)
    assert type(model2) is sm.OLS and type(model3) is sm.OLS
    results = model.fit()
    for clone in (pickle.loads(pickle.dumps(results)), copy.deepcopy(results),
                  copy.copy(results)):
        np.testing.assert_array_equal(clone.params, results.params)
        assert clone.rsquared == results.rsquared
    r2 = model2.fit()
    r3 = model3.fit()
    np.testing.assert_array_equal(r2.params, results.params)
    np.testing.assert_array_equal(r3.params, results.params)
    assert len(al.runs()) == 3

    # time series results (state space) too
    arima = alcases.CASES["arima"].fit()
    clone = pickle.loads(pickle.dumps(arima))
    np.testing.assert_array_equal(clone.params, arima.params)
    assert len(al.runs()) == 4


def test_subclass_created_under_autolog_pickles(al, monkeypatch):
    al.enable(log_models=False)

    class PicklableLate(sm.OLS):  # noqa: F811 - replaces the module-level class on purpose
        def fit(self, method="pinv"):
            return super().fit(method=method)

    PicklableLate.__qualname__ = "PicklableLate"
    PicklableLate.__module__ = __name__
    monkeypatch.setattr(sys.modules[__name__], "PicklableLate", PicklableLate)
    model = PicklableLate(*alcases.reg_data())
    back = pickle.loads(pickle.dumps(model))
    assert type(back) is PicklableLate
    results = back.fit()
    again = pickle.loads(pickle.dumps(results))
    np.testing.assert_array_equal(again.params, results.params)
    assert al.only_run().data.params == {"method": "pinv"}


def test_params_follow_signature_of_the_called_fit(al):
    """The oracle itself: the called fit of an OLS model is RegressionModel.fit."""
    assert expected_params(RegressionModel.fit) == OLS_DEFAULT_PARAMS
    al.enable(log_models=False)
    sm.OLS(*alcases.reg_data()).fit()
    assert al.only_run().data.params == OLS_DEFAULT_PARAMS


def test_module_imported_after_autolog_is_covered(tmp_path):
    """A statsmodels module first imported after autolog() (statsmodels.api does not load
    statsmodels.othermod.betareg): its model class is wrapped at creation, its fit logs one
    run, and disable puts the original back. Run in a fresh interpreter, where the module is
    surely not imported yet."""
    here = os.path.dirname(os.path.abspath(__file__))
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {here!r})
        import numpy as np
        import statsmodels.api as sm
        import mlflow_c, mlflow_c.statsmodels
        import alcases, altools
        out = {{"preloaded": "statsmodels.othermod.betareg" in sys.modules}}
        mlflow_c.set_tracking_uri("sqlite:///" + sys.argv[1])
        mlflow_c.statsmodels.autolog(log_models=False)
        from statsmodels.othermod.betareg import BetaModel
        wrapper = BetaModel.__dict__["fit"]
        out["type"] = type(wrapper).__name__
        original = wrapper.__wrapped__
        y, X = alcases.reg_data()
        rng = np.random.default_rng(0)
        yb = 1 / (1 + np.exp(-(X @ np.array([0.1, 0.5, -0.3]) + 0.3 * rng.normal(size=60))))
        res = BetaModel(yb, X).fit(disp=0)
        runs = mlflow_c.MlflowClient().search_runs(["0"])
        out["runs"] = len(runs)
        out["params"] = dict(runs[0].data.params)
        out["metrics"] = sorted(runs[0].data.metrics)
        out["expected_metrics"] = sorted(altools.expected_metrics(res))
        out["expected_params"] = altools.expected_params(original, (), {{"disp": 0}})
        mlflow_c.statsmodels.autolog(disable=True)
        out["restored"] = BetaModel.__dict__["fit"] is original
        print(json.dumps(out))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "late.db")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["preloaded"] is False
    assert out["type"] == "FitWrapper"
    assert out["runs"] == 1
    assert out["params"] == out["expected_params"]
    assert out["metrics"] == out["expected_metrics"] and out["metrics"]
    assert out["restored"] is True
