"""Error behaviour of save_model, load_model, pyfunc.load_model and time-series pyfunc predict.

Each case checks the exact exception type and the key parts of the message. Failed saves must
leave nothing behind (mlflow_c writes beside the target and renames). No case may crash the
interpreter (checked once more in a subprocess at the end).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import mlflow
import mlflow.pyfunc
import mlflow.statsmodels
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from mlflow.exceptions import MlflowException as RealMlflowException

import mlflow_c.pyfunc
import mlflow_c.statsmodels
import zoo
from rootconf import FAST_REQS
from mlflow_c.exceptions import (
    MlflowAttributeError,
    MlflowException,
    MlflowFileNotFoundError,
    MlflowOSError,
    MlflowTypeError,
    MlflowValueError,
    YamlError,
)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ONLY_ONE_MSG = ("Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` "
                "can be specified")
CONDA_TYPE_MSG = ("Expected a string path to a conda env yaml file or a `dict` representing a "
                  "conda env, but got `{}`")
PIP_TYPE_PREFIX = ("`pip_requirements` must be either a string path to a pip requirements file "
                   "on the local filesystem or an iterable of pip requirement strings, but got `")
TS_FRAME_MSG = ("prediction dataframes for a TimeSeriesModel must have exactly one row and "
                "include columns called start and end")
PICKLE_DISALLOWED = "Deserializing model using pickle is disallowed"


def _raises_exactly(exc_type, func, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        func(*args, **kwargs)
    assert type(info.value) is exc_type, f"raised {type(info.value).__name__}: {info.value}"
    return info.value


def _snapshot(root):
    """{relative path: bytes or '<dir>'} for everything under root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = "<dir>"
        for f in filenames:
            full = os.path.join(dirpath, f)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, root)] = fh.read()
    return out


# ================================================================== save_model

ENV_COMBOS = {
    "conda+pip": {"conda_env": {"dependencies": []}, "pip_requirements": ["statsmodels"]},
    "conda+extra": {"conda_env": {"dependencies": []}, "extra_pip_requirements": ["pandas"]},
    "pip+extra": {"pip_requirements": ["statsmodels"], "extra_pip_requirements": ["pandas"]},
    "all-three": {"conda_env": {"dependencies": []}, "pip_requirements": ["statsmodels"],
                  "extra_pip_requirements": ["pandas"]},
}


@pytest.mark.parametrize("combo", list(ENV_COMBOS), ids=list(ENV_COMBOS))
def test_more_than_one_env_argument(ols_results, tmp_path, combo):
    path = tmp_path / "model"
    err = _raises_exactly(MlflowValueError, mlflow_c.statsmodels.save_model, ols_results,
                          str(path), **ENV_COMBOS[combo])
    assert str(err) == ONLY_ONE_MSG
    assert err.message == ONLY_ONE_MSG
    assert isinstance(err, ValueError)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
    # oracle: MLflow's text is the same
    with pytest.raises(ValueError, match="^Only one of `conda_env`"):
        mlflow.statsmodels.save_model(ols_results, str(tmp_path / "ml"), **ENV_COMBOS[combo])


def test_existing_non_empty_path_is_refused_and_left_untouched(ols_results, tmp_path):
    path = tmp_path / "model"
    (path / "sub").mkdir(parents=True)
    (path / "keep.txt").write_text("precious")
    (path / "sub" / "MLmodel").write_bytes(b"\x00not yaml")
    before = _snapshot(path)
    err = _raises_exactly(MlflowException, mlflow_c.statsmodels.save_model, ols_results,
                          str(path), pip_requirements=FAST_REQS)
    assert str(err) == f"Path '{path}' already exists and is not empty"
    assert err.error_code == "RESOURCE_ALREADY_EXISTS"
    assert _snapshot(path) == before
    assert sorted(os.listdir(tmp_path)) == ["model"]


def test_existing_non_empty_relative_path_message_is_absolute(ols_results, tmp_path,
                                                              monkeypatch):
    (tmp_path / "rel").mkdir()
    (tmp_path / "rel" / "x").write_text("x")
    monkeypatch.chdir(tmp_path)
    err = _raises_exactly(MlflowException, mlflow_c.statsmodels.save_model, ols_results, "rel",
                          pip_requirements=FAST_REQS)
    assert str(err) == f"Path '{tmp_path / 'rel'}' already exists and is not empty"


def test_existing_file_with_hidden_name_counts_as_non_empty(ols_results, tmp_path):
    path = tmp_path / "model"
    path.mkdir()
    (path / ".hidden").write_text("h")
    _raises_exactly(MlflowException, mlflow_c.statsmodels.save_model, ols_results, str(path),
                    pip_requirements=FAST_REQS)
    assert os.listdir(path) == [".hidden"]


def test_existing_empty_directory_is_reused(ols_results, ols_new_X, tmp_path):
    path = tmp_path / "model"
    path.mkdir()
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS)
    assert {"MLmodel", "model.statsmodels", "conda.yaml", "python_env.yaml",
            "requirements.txt"} <= set(os.listdir(path))
    loaded = mlflow.statsmodels.load_model(str(path))
    zoo.assert_same_prediction(loaded.predict(ols_new_X), ols_results.predict(ols_new_X))


def test_missing_parent_directories_are_created_and_nothing_else_is_left(ols_results, tmp_path):
    path = tmp_path / "a" / "b" / "c" / "model"
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS)
    assert (path / "MLmodel").is_file()
    # the save wrote beside the target and renamed: no temporary sibling survives
    assert os.listdir(path.parent) == ["model"]
    assert os.listdir(tmp_path) == ["a"]


def test_missing_code_path(ols_results, tmp_path):
    path = tmp_path / "model"
    missing = tmp_path / "no_such_module.py"
    with pytest.raises(MlflowException) as info:
        mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                        code_paths=[str(missing)])
    assert str(missing) in str(info.value)
    assert "code path" in str(info.value)
    assert list(tmp_path.iterdir()) == [], "a failed save left files behind"
    # contrast: MLflow fails too, but leaves the half-written directory
    with pytest.raises(RealMlflowException):
        mlflow.statsmodels.save_model(ols_results, str(tmp_path / "ml"),
                                      pip_requirements=FAST_REQS, code_paths=[str(missing)])
    assert (tmp_path / "ml").exists()


def test_code_paths_must_be_a_list(ols_results, tmp_path):
    src = tmp_path / "helper.py"
    src.write_text("")
    with pytest.raises(TypeError) as info:
        mlflow_c.statsmodels.save_model(ols_results, str(tmp_path / "model"),
                                        pip_requirements=FAST_REQS, code_paths=str(src))
    assert isinstance(info.value, MlflowException)
    assert "code_paths" in str(info.value)
    assert not (tmp_path / "model").exists()


def _unfitted_ols():
    X, y, _ = zoo.regression_data()
    return sm.OLS(y, X)


@pytest.mark.parametrize(
    "make_obj, type_name",
    [(object, "object"), (_unfitted_ols, "OLS"), (lambda: {"params": [1.0]}, "dict")],
    ids=["object", "unfitted-OLS", "dict"],
)
def test_object_without_save_method(tmp_path, make_obj, type_name):
    path = tmp_path / "model"
    err = _raises_exactly(MlflowAttributeError, mlflow_c.statsmodels.save_model, make_obj(),
                          str(path), pip_requirements=FAST_REQS)
    assert isinstance(err, AttributeError)
    assert type_name in str(err)
    assert "save" in str(err)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == [], "a failed save left files behind"


def _results_with_lambda():
    res = zoo.BY_NAME["ols"].fit()
    res.bad = lambda: 1
    return res


def _formula_glmgam():
    from statsmodels.gam.api import BSplines, GLMGam

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"y": rng.uniform(1, 10, 60), "x": rng.uniform(size=60),
                       "c": rng.choice(["a", "b"], 60)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smoother = BSplines(df[["x"]], df=[5], degree=[3])
        return GLMGam.from_formula("y ~ c", data=df, smoother=smoother, alpha=[1.0]).fit()


@pytest.mark.parametrize("make_obj", [_results_with_lambda, _formula_glmgam],
                         ids=["lambda-attribute", "formula-GLMGam"])
def test_unpicklable_results(tmp_path, make_obj):
    obj = make_obj()
    path = tmp_path / "model"
    err = _raises_exactly(MlflowException, mlflow_c.statsmodels.save_model, obj, str(path),
                          pip_requirements=FAST_REQS)
    assert "pickl" in str(err).lower()
    assert not path.exists()
    assert list(tmp_path.iterdir()) == [], "a failed save left files behind"


@pytest.mark.parametrize("bad, type_name", [(5, "int"), ([("pip", "x")], "list"),
                                            (3.5, "float")])
def test_conda_env_of_wrong_type(ols_results, tmp_path, bad, type_name):
    path = tmp_path / "model"
    err = _raises_exactly(MlflowTypeError, mlflow_c.statsmodels.save_model, ols_results,
                          str(path), conda_env=bad)
    assert isinstance(err, TypeError)
    assert str(err) == CONDA_TYPE_MSG.format(type_name)
    assert not path.exists()


@pytest.mark.parametrize("argument", ["pip_requirements", "extra_pip_requirements"])
def test_pip_requirements_of_wrong_type(ols_results, tmp_path, argument):
    path = tmp_path / "model"
    err = _raises_exactly(MlflowTypeError, mlflow_c.statsmodels.save_model, ols_results,
                          str(path), **{argument: 5})
    assert isinstance(err, TypeError)
    assert str(err).startswith(PIP_TYPE_PREFIX + "int`")
    assert not path.exists()


def test_pip_requirements_list_of_non_strings(ols_results, tmp_path):
    path = tmp_path / "model"
    err = _raises_exactly(MlflowTypeError, mlflow_c.statsmodels.save_model, ols_results,
                          str(path), pip_requirements=["statsmodels", 3])
    assert str(err).startswith(PIP_TYPE_PREFIX)
    assert not path.exists()


def test_missing_requirements_file(ols_results, tmp_path):
    path = tmp_path / "model"
    missing = tmp_path / "no_such_requirements.txt"
    with pytest.raises(OSError) as info:
        mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=str(missing))
    assert str(missing) in str(info.value)
    assert not path.exists()


def test_remove_data_keeps_callers_results_intact(tmp_path, ols_new_X):
    entry = zoo.BY_NAME["ols"]
    ours, theirs = entry.fit(), entry.fit()
    endog = ours.model.endog.copy()
    fitted = np.asarray(ours.fittedvalues).copy()
    resid = np.asarray(ours.resid).copy()

    full = tmp_path / "full"
    small = tmp_path / "small"
    mlflow_c.statsmodels.save_model(ours, str(full), pip_requirements=FAST_REQS)
    mlflow_c.statsmodels.save_model(ours, str(small), remove_data=True,
                                    pip_requirements=FAST_REQS)
    assert (small / "model.statsmodels").stat().st_size < \
        0.8 * (full / "model.statsmodels").stat().st_size

    # mlflow_c: the caller's object is unchanged
    assert ours.model.endog is not None
    np.testing.assert_array_equal(ours.model.endog, endog)
    np.testing.assert_array_equal(np.asarray(ours.fittedvalues), fitted)
    np.testing.assert_array_equal(np.asarray(ours.resid), resid)
    zoo.assert_same_prediction(ours.predict(ols_new_X), theirs.predict(ols_new_X))

    # the saved copy did lose its data
    reloaded = mlflow_c.statsmodels.load_model(str(small))
    assert reloaded.model.endog is None

    # contrast: MLflow strips the caller's in-memory results
    mlflow.statsmodels.save_model(theirs, str(tmp_path / "by_mlflow"), remove_data=True,
                                  pip_requirements=FAST_REQS)
    assert theirs.model.endog is None


# ================================================================== load_model / pyfunc.load_model

LOADERS = {
    "native": mlflow_c.statsmodels.load_model,
    "pyfunc": mlflow_c.pyfunc.load_model,
}


@pytest.fixture(scope="module")
def good_model_bytes(tmp_path_factory):
    """MLmodel text and pickle bytes of a valid saved OLS model, to build broken copies from."""
    path = tmp_path_factory.mktemp("good") / "model"
    mlflow.statsmodels.save_model(zoo.BY_NAME["ols"].fit(), str(path), pip_requirements=FAST_REQS)
    return {name: (path / name).read_bytes() for name in os.listdir(path)}


@pytest.fixture
def broken_model(tmp_path, good_model_bytes):
    """Writes a copy of the good model with some files replaced (None deletes the file)."""

    def make(**replace):
        path = tmp_path / "broken"
        path.mkdir()
        files = dict(good_model_bytes)
        for key, value in replace.items():
            name = {"MLmodel": "MLmodel", "data": "model.statsmodels"}.get(key, key)
            files[name] = value
        for name, content in files.items():
            if content is not None:
                (path / name).write_bytes(content if isinstance(content, bytes)
                                          else content.encode())
        return path

    return make


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
def test_missing_model_path(tmp_path, loader):
    missing = tmp_path / "does" / "not" / "exist"
    err = _raises_exactly(MlflowFileNotFoundError, LOADERS[loader], str(missing))
    assert isinstance(err, FileNotFoundError)
    assert str(missing) in str(err)


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
def test_missing_model_file_uri(tmp_path, loader):
    missing = tmp_path / "absent"
    err = _raises_exactly(MlflowFileNotFoundError, LOADERS[loader], missing.as_uri())
    assert str(missing) in str(err)


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
def test_directory_without_mlmodel(broken_model, loader):
    path = broken_model(MLmodel=None)
    err = _raises_exactly(MlflowFileNotFoundError, LOADERS[loader], str(path))
    assert f'Could not find an "MLmodel" configuration file at "{path}"' in str(err)


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
@pytest.mark.parametrize("text", [
    "flavors: [unclosed, list: here\n",
    "flavors:\n  statsmodels: {data: model.statsmodels\n",
    "flavors:\n\tstatsmodels: {}\n",
    "a: b: c\n",
], ids=["flow-sequence", "flow-mapping", "tab-indent", "nested-colon"])
def test_invalid_yaml_mlmodel(broken_model, loader, text):
    path = broken_model(MLmodel=text)
    err = _raises_exactly(YamlError, LOADERS[loader], str(path))
    assert isinstance(err, ValueError)
    assert str(path / "MLmodel") in str(err)
    assert "line" in str(err)


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
@pytest.mark.parametrize("text", ["- flavors\n- statsmodels\n", "just a string\n", "42\n", ""],
                         ids=["list", "string", "int", "empty"])
def test_mlmodel_not_a_mapping(broken_model, loader, text):
    path = broken_model(MLmodel=text)
    err = _raises_exactly(MlflowValueError, LOADERS[loader], str(path))
    assert str(path / "MLmodel") in str(err)


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
@pytest.mark.parametrize("junk", [bytes(range(256)) * 3, b"\x80\x81\x82\xfe\xff" * 40,
                                  b"flavors:\n  statsmodels:\n    data: \xff\xfe\n"],
                         ids=["all-bytes", "high-bytes", "bad-utf8-value"])
def test_binary_junk_mlmodel(broken_model, loader, junk):
    path = broken_model(MLmodel=junk)
    err = _raises_exactly(YamlError, LOADERS[loader], str(path))
    assert str(path / "MLmodel") in str(err)


def test_mlmodel_without_statsmodels_flavor(broken_model):
    text = ("flavors:\n  python_function:\n    data: model.statsmodels\n"
            "    loader_module: mlflow.statsmodels\nmlflow_version: 3.17.2\n")
    path = broken_model(MLmodel=text)
    err = _raises_exactly(MlflowException, mlflow_c.statsmodels.load_model, str(path))
    assert str(err).startswith('Model does not have the "statsmodels" flavor')
    assert err.error_code == "RESOURCE_DOES_NOT_EXIST"
    # oracle
    with pytest.raises(RealMlflowException, match='^Model does not have the "statsmodels"'):
        mlflow.statsmodels.load_model(str(path))


def test_mlmodel_without_flavors_key(broken_model):
    path = broken_model(MLmodel="mlflow_version: 3.17.2\nmodel_uuid: abc\n")
    err = _raises_exactly(MlflowException, mlflow_c.statsmodels.load_model, str(path))
    assert str(err).startswith('Model does not have the "statsmodels" flavor')
    err = _raises_exactly(MlflowException, mlflow_c.pyfunc.load_model, str(path))
    assert str(err).startswith('Model does not have the "python_function" flavor')


def test_mlmodel_without_python_function_flavor(broken_model, ols_new_X, ols_results):
    text = ("flavors:\n  statsmodels:\n    code: null\n    data: model.statsmodels\n"
            "    statsmodels_version: 0.15.0\nmlflow_version: 3.17.2\n")
    path = broken_model(MLmodel=text)
    err = _raises_exactly(MlflowException, mlflow_c.pyfunc.load_model, str(path))
    assert str(err).startswith('Model does not have the "python_function" flavor')
    assert err.error_code == "RESOURCE_DOES_NOT_EXIST"
    # the native flavor still loads
    loaded = mlflow_c.statsmodels.load_model(str(path))
    zoo.assert_same_prediction(loaded.predict(ols_new_X), ols_results.predict(ols_new_X))


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
def test_data_file_missing(broken_model, loader):
    path = broken_model(data=None)
    err = _raises_exactly(MlflowFileNotFoundError, LOADERS[loader], str(path))
    assert isinstance(err, FileNotFoundError)
    assert str(path / "model.statsmodels") in str(err)


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
def test_data_path_is_a_directory(broken_model, loader):
    path = broken_model(data=None)
    (path / "model.statsmodels").mkdir()
    err = _raises_exactly(MlflowOSError, LOADERS[loader], str(path))
    assert isinstance(err, OSError)
    assert str(path / "model.statsmodels") in str(err)


@pytest.fixture(scope="module")
def corrupt_pickles(good_model_bytes):
    data = good_model_bytes["model.statsmodels"]
    return {
        "empty": (b"", EOFError),
        "truncated": (data[: len(data) // 2], pickle.UnpicklingError),
        "not-a-pickle": (b"not a pickle at all\n", pickle.UnpicklingError),
    }


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
@pytest.mark.parametrize("kind", ["empty", "truncated", "not-a-pickle"])
def test_corrupt_data_file(broken_model, corrupt_pickles, loader, kind):
    content, cause_type = corrupt_pickles[kind]
    path = broken_model(data=content)
    err = _raises_exactly(MlflowValueError, LOADERS[loader], str(path))
    assert isinstance(err, ValueError)
    assert str(path / "model.statsmodels") in str(err)
    assert "unpickle" in str(err)
    assert isinstance(err.__cause__, cause_type), repr(err.__cause__)


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
@pytest.mark.parametrize("value", ["false", "False", "0"])
def test_pickle_deserialization_disallowed(broken_model, monkeypatch, loader, value):
    path = broken_model()
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", value)
    err = _raises_exactly(MlflowException, LOADERS[loader], str(path))
    assert PICKLE_DISALLOWED in str(err)
    assert "MLFLOW_ALLOW_PICKLE_DESERIALIZATION" in str(err)
    # oracle: MLflow refuses too
    with pytest.raises(RealMlflowException, match=PICKLE_DISALLOWED):
        mlflow.statsmodels.load_model(str(path))


@pytest.mark.parametrize("loader", list(LOADERS), ids=list(LOADERS))
@pytest.mark.parametrize("value", ["true", "TRUE", "1", None])
def test_pickle_deserialization_allowed(broken_model, monkeypatch, loader, value, ols_new_X,
                                        ols_results):
    path = broken_model()
    if value is None:
        monkeypatch.delenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", raising=False)
    else:
        monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", value)
    loaded = LOADERS[loader](str(path))
    zoo.assert_same_prediction(loaded.predict(ols_new_X), ols_results.predict(ols_new_X))


def test_pickle_guard_is_read_at_load_time(broken_model, monkeypatch):
    path = broken_model()
    mlflow_c.statsmodels.load_model(str(path))
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "false")
    _raises_exactly(MlflowException, mlflow_c.statsmodels.load_model, str(path))
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    mlflow_c.statsmodels.load_model(str(path))


# ================================================================== time-series pyfunc predict


@pytest.fixture(scope="module")
def arima_pyfunc(tmp_path_factory):
    from rootconf import fitted_results

    path = tmp_path_factory.mktemp("ts") / "arima"
    mlflow_c.statsmodels.save_model(fitted_results("arima"), str(path),
                                    pip_requirements=FAST_REQS)
    return mlflow_c.pyfunc.load_model(str(path)), mlflow.pyfunc.load_model(str(path))


@pytest.mark.parametrize("data", [
    np.array([["2005-06-30", "2011-03-31"]]),
    {"start": ["2005-06-30"], "end": ["2011-03-31"]},
    [["2005-06-30", "2011-03-31"]],
    "2005-06-30",
    None,
], ids=["ndarray", "dict", "list", "str", "None"])
def test_time_series_predict_rejects_non_dataframe(arima_pyfunc, data):
    mc, _ = arima_pyfunc
    err = _raises_exactly(MlflowTypeError, mc.predict, data)
    assert isinstance(err, TypeError)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"start": ["2005-06-30", "2006-06-30"], "end": ["2011-03-31", "2011-03-31"]}),
    pd.DataFrame({"start": ["2005-06-30"]}),
    pd.DataFrame({"begin": ["2005-06-30"], "end": ["2011-03-31"]}),
    pd.DataFrame({"start": pd.Series([], dtype=object), "end": pd.Series([], dtype=object)}),
], ids=["two-rows", "no-end", "wrong-name", "zero-rows"])
def test_time_series_predict_rejects_bad_frames(arima_pyfunc, frame):
    mc, ml = arima_pyfunc
    err = _raises_exactly(MlflowException, mc.predict, frame)
    assert str(err) == TS_FRAME_MSG
    # oracle: MLflow's text is the same (wrapped or not)
    with pytest.raises(RealMlflowException, match=TS_FRAME_MSG):
        ml.predict(frame)


# ================================================================== no crash


def test_error_cases_do_not_crash_the_interpreter(tmp_path, good_model_bytes):
    """Every corrupt-input case in one fresh interpreter that must exit normally."""
    good = tmp_path / "good"
    good.mkdir()
    for name, content in good_model_bytes.items():
        (good / name).write_bytes(content)
    script = textwrap.dedent(r"""
        import os, random, shutil, sys
        import mlflow_c.statsmodels as s, mlflow_c.pyfunc as p
        from mlflow_c.exceptions import MlflowException
        good = sys.argv[1]
        work = sys.argv[2]
        data = open(os.path.join(good, "model.statsmodels"), "rb").read()
        cases = {
            "MLmodel": [b"", b"- a\n", b"x", b"a: [\n", bytes(range(256)) * 4, b"\xff" * 10000,
                        b"flavors: 5\n", b"flavors:\n  statsmodels: 7\n",
                        b"flavors:\n  statsmodels:\n    data: 12\n",
                        b"flavors:\n  python_function: [1, 2]\n", b"{" * 5000, b"[" * 5000,
                        b"&a [*a]\n", b"a: &x 1\nb: *y\n"],
            "model.statsmodels": [b"", data[:10], data[: len(data) // 3], b"\x80\x05junk",
                                  random.Random(0).randbytes(4096)],
        }
        count = 0
        for target, payloads in cases.items():
            for payload in payloads:
                d = os.path.join(work, f"case{count}")
                shutil.copytree(good, d)
                with open(os.path.join(d, target), "wb") as f:
                    f.write(payload)
                for load in (s.load_model, p.load_model):
                    try:
                        load(d)
                    except MlflowException:
                        pass
                    except Exception as e:
                        print("NON-MLFLOW", target, payload[:20], type(e).__name__, e)
                count += 1
        for bad in (None, 5, b"\xff", "", "\x00"):
            for load in (s.load_model, p.load_model):
                try:
                    load(bad)
                except Exception:
                    pass
        print("done", count)
    """)
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", script, str(good), str(work)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "done 19" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    # and every failure was reported as an MlflowException (subclass)
    assert "NON-MLFLOW" not in proc.stdout, proc.stdout[-3000:]
