"""Model directories are interchangeable between mlflow_c and real MLflow 3.17, in all directions.

For every zoo model: save with mlflow_c and load with MLflow (native and pyfunc), save with MLflow
and load with mlflow_c (native and pyfunc), and save and load with mlflow_c alone. Predictions
must equal the original results' within 1e-9. A directory in MLflow 2.x's format must load too.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys

import mlflow
import mlflow.pyfunc
import mlflow.statsmodels
import numpy as np
import pandas as pd
import pytest
import yaml

import mlflow_c.models
import mlflow_c.pyfunc
import mlflow_c.statsmodels
import zoo
from rootconf import FAST_REQS


def _check_native(case, loaded):
    zoo.assert_same_params(loaded, case.results)
    if case.entry.predicts:
        zoo.assert_same_prediction(case.entry.expected(loaded), case.expected())


def _check_pyfunc(case, pyfunc_model):
    raw = pyfunc_model.get_raw_model()
    zoo.assert_same_params(raw, case.results)
    if case.entry.predicts:
        zoo.assert_same_prediction(pyfunc_model.predict(case.inference_input()), case.expected())


def _save_with_mlflow_c(case, path, **kwargs):
    kwargs.setdefault("pip_requirements", FAST_REQS)
    mlflow_c.statsmodels.save_model(case.results, str(path), **kwargs)
    assert os.path.isfile(os.path.join(path, "MLmodel"))


def _save_with_mlflow(case, path, **kwargs):
    kwargs.setdefault("pip_requirements", FAST_REQS)
    mlflow.statsmodels.save_model(case.results, str(path), **kwargs)


# ------------------------------------------------------------ mlflow_c writes, MLflow reads


def test_mlflow_c_save_then_mlflow_native_load(zoo_case, model_path):
    _save_with_mlflow_c(zoo_case, model_path)
    loaded = mlflow.statsmodels.load_model(str(model_path))
    assert loaded is not zoo_case.results
    _check_native(zoo_case, loaded)


def test_mlflow_c_save_then_mlflow_pyfunc_load(zoo_case, model_path):
    _save_with_mlflow_c(zoo_case, model_path)
    pyfunc_model = mlflow.pyfunc.load_model(str(model_path))
    assert pyfunc_model.loader_module == "mlflow.statsmodels"
    _check_pyfunc(zoo_case, pyfunc_model)


def test_mlflow_c_save_with_default_requirements_loads_in_mlflow(ols_results, ols_new_X,
                                                                 model_path):
    mlflow_c.statsmodels.save_model(ols_results, str(model_path))
    pyfunc_model = mlflow.pyfunc.load_model(str(model_path))
    zoo.assert_same_prediction(pyfunc_model.predict(ols_new_X), ols_results.predict(ols_new_X))


# ------------------------------------------------------------ MLflow writes, mlflow_c reads


def test_mlflow_save_then_mlflow_c_native_load(zoo_case, model_path):
    _save_with_mlflow(zoo_case, model_path)
    loaded = mlflow_c.statsmodels.load_model(str(model_path))
    assert loaded is not zoo_case.results
    _check_native(zoo_case, loaded)


def test_mlflow_save_then_mlflow_c_pyfunc_load(zoo_case, model_path):
    _save_with_mlflow(zoo_case, model_path)
    pyfunc_model = mlflow_c.pyfunc.load_model(str(model_path))
    assert pyfunc_model.loader_module == "mlflow.statsmodels"
    _check_pyfunc(zoo_case, pyfunc_model)


def test_mlflow_save_with_everything_then_mlflow_c_load(ols_results, ols_new_X, tmp_path):
    code = tmp_path / "helper_code.py"
    code.write_text("VALUE = 1\n")
    signature = mlflow.models.infer_signature(ols_new_X, ols_results.predict(ols_new_X))
    path = tmp_path / "model"
    mlflow.statsmodels.save_model(
        ols_results, str(path), pip_requirements=FAST_REQS, code_paths=[str(code)],
        metadata={"team": "stats", "n": 3}, signature=signature, input_example=ols_new_X[:3],
    )
    loaded = mlflow_c.statsmodels.load_model(str(path))
    zoo.assert_same_prediction(loaded.predict(ols_new_X), ols_results.predict(ols_new_X))
    pyfunc_model = mlflow_c.pyfunc.load_model(str(path))
    zoo.assert_same_prediction(pyfunc_model.predict(ols_new_X), ols_results.predict(ols_new_X))
    assert pyfunc_model.metadata.metadata == {"team": "stats", "n": 3}
    assert pyfunc_model.metadata.to_dict() == mlflow.models.Model.load(str(path)).to_dict()


# ------------------------------------------------------------ mlflow_c alone


def test_mlflow_c_save_then_mlflow_c_load(zoo_case, model_path):
    _save_with_mlflow_c(zoo_case, model_path)
    _check_native(zoo_case, mlflow_c.statsmodels.load_model(str(model_path)))
    _check_pyfunc(zoo_case, mlflow_c.pyfunc.load_model(str(model_path)))


def test_mlflow_c_save_default_arguments_roundtrip(predicting_case, model_path):
    """No requirement arguments at all (mlflow_c computes the default list in-process)."""
    mlflow_c.statsmodels.save_model(predicting_case.results, str(model_path))
    _check_native(predicting_case, mlflow_c.statsmodels.load_model(str(model_path)))
    _check_pyfunc(predicting_case, mlflow_c.pyfunc.load_model(str(model_path)))


@pytest.mark.parametrize("as_uri", [False, True], ids=["path", "file-uri"])
def test_load_accepts_local_path_and_file_uri(ols_results, ols_new_X, model_path, as_uri):
    mlflow.statsmodels.save_model(ols_results, str(model_path), pip_requirements=FAST_REQS)
    uri = model_path.as_uri() if as_uri else str(model_path)
    assert uri.startswith("file:") == as_uri
    native = mlflow_c.statsmodels.load_model(uri)
    zoo.assert_same_prediction(native.predict(ols_new_X), ols_results.predict(ols_new_X))
    pyfunc_model = mlflow_c.pyfunc.load_model(uri)
    zoo.assert_same_prediction(pyfunc_model.predict(ols_new_X), ols_results.predict(ols_new_X))


@pytest.mark.parametrize("dirname", ["with space", "\u00fcn\u00efc\u00f8d\u00e9", "trailing-slash/"],
                         ids=["space", "unicode", "trailing-slash"])
def test_special_directory_names_as_path_and_file_uri(ols_results, ols_new_X, tmp_path, dirname):
    target = str(tmp_path / dirname) + ("/" if dirname.endswith("/") else "")
    mlflow_c.statsmodels.save_model(ols_results, target, pip_requirements=FAST_REQS)
    path = tmp_path / dirname.rstrip("/")
    uri = path.as_uri()  # percent-encoded, e.g. file:///tmp/.../with%20space
    expected = ols_results.predict(ols_new_X)
    # oracle: MLflow decodes the URI
    zoo.assert_same_prediction(mlflow.statsmodels.load_model(uri).predict(ols_new_X), expected)
    for ref in (str(path), uri):
        zoo.assert_same_prediction(mlflow_c.statsmodels.load_model(ref).predict(ols_new_X),
                                   expected)
        zoo.assert_same_prediction(mlflow_c.pyfunc.load_model(ref).predict(ols_new_X), expected)


def test_load_accepts_relative_path(ols_results, ols_new_X, tmp_path, monkeypatch):
    mlflow_c.statsmodels.save_model(ols_results, str(tmp_path / "rel"),
                                    pip_requirements=FAST_REQS)
    monkeypatch.chdir(tmp_path)
    native = mlflow_c.statsmodels.load_model("rel")
    zoo.assert_same_prediction(native.predict(ols_new_X), ols_results.predict(ols_new_X))
    pyfunc_model = mlflow_c.pyfunc.load_model("rel")
    zoo.assert_same_prediction(pyfunc_model.predict(ols_new_X), ols_results.predict(ols_new_X))


def test_save_accepts_pathlike_and_relative_path(ols_results, ols_new_X, tmp_path, monkeypatch):
    mlflow_c.statsmodels.save_model(ols_results, tmp_path / "as_pathlike",
                                    pip_requirements=FAST_REQS)
    monkeypatch.chdir(tmp_path)
    mlflow_c.statsmodels.save_model(ols_results, "as_relative", pip_requirements=FAST_REQS)
    for name in ("as_pathlike", "as_relative"):
        loaded = mlflow.statsmodels.load_model(str(tmp_path / name))
        zoo.assert_same_prediction(loaded.predict(ols_new_X), ols_results.predict(ols_new_X))


def test_pyfunc_dst_path_is_accepted_for_local_models(ols_results, ols_new_X, tmp_path):
    path = tmp_path / "model"
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS)
    dst = tmp_path / "dst"
    dst.mkdir()
    pyfunc_model = mlflow_c.pyfunc.load_model(str(path), dst_path=str(dst))
    zoo.assert_same_prediction(pyfunc_model.predict(ols_new_X), ols_results.predict(ols_new_X))
    native = mlflow_c.statsmodels.load_model(str(path), dst_path=str(dst))
    zoo.assert_same_prediction(native.predict(ols_new_X), ols_results.predict(ols_new_X))


# ------------------------------------------------------------ remove_data


def test_remove_data_roundtrip_still_predicts_regression(fresh_ols, ols_new_X, tmp_path):
    expected = fresh_ols.predict(ols_new_X)
    full = tmp_path / "full"
    small = tmp_path / "small"
    mlflow_c.statsmodels.save_model(fresh_ols, str(full), pip_requirements=FAST_REQS)
    mlflow_c.statsmodels.save_model(fresh_ols, str(small), remove_data=True,
                                    pip_requirements=FAST_REQS)
    assert (small / "model.statsmodels").stat().st_size < (full / "model.statsmodels").stat().st_size
    for loader in (mlflow.statsmodels.load_model, mlflow_c.statsmodels.load_model):
        loaded = loader(str(small))
        assert loaded.model.endog is None
        zoo.assert_same_prediction(loaded.predict(ols_new_X), expected)


# ------------------------------------------------------------ code paths on load


def test_code_paths_are_importable_after_load(ols_results, tmp_path, monkeypatch):
    module_name = "mlc_roundtrip_helper_mod"
    src = tmp_path / f"{module_name}.py"
    src.write_text("ANSWER = 42\n")
    path = tmp_path / "model"
    mlflow_c.statsmodels.save_model(ols_results, str(path), code_paths=[str(src)],
                                    pip_requirements=FAST_REQS)
    assert (path / "code" / f"{module_name}.py").read_text() == "ANSWER = 42\n"
    src.unlink()  # only the copy inside the model can be found now
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, module_name, raising=False)
    mlflow_c.statsmodels.load_model(str(path))
    module = importlib.import_module(module_name)
    assert module.ANSWER == 42
    assert os.path.dirname(os.path.abspath(module.__file__)) == str(path / "code")


def test_code_paths_are_importable_after_pyfunc_load(ols_results, tmp_path, monkeypatch):
    module_name = "mlc_roundtrip_helper_pyfunc_mod"
    pkg = tmp_path / "pkgsrc" / module_name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("KIND = 'package'\n")
    path = tmp_path / "model"
    mlflow.statsmodels.save_model(ols_results, str(path), code_paths=[str(pkg)],
                                  pip_requirements=FAST_REQS)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, module_name, raising=False)
    mlflow_c.pyfunc.load_model(str(path))
    module = importlib.import_module(module_name)
    assert module.KIND == "package"


# ------------------------------------------------------------ MLflow 2.x directories

_MLMODEL_2X = """\
flavors:
  python_function:
    data: model.statsmodels
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.statsmodels
    python_version: {pyver}
  statsmodels:
    code: null
    data: model.statsmodels
    statsmodels_version: 0.13.5+dfsg
mlflow_version: 2.5.1.dev0
model_uuid: f2389606c49c43b0ac3b7c9af3469a4b
saved_input_example_info:
  artifact_path: input_example.json
  format: tf-serving
  type: ndarray
signature:
  inputs: '[{{"type": "tensor", "tensor-spec": {{"dtype": "float64", "shape": [-1, 3]}}}}]'
  outputs: '[{{"type": "tensor", "tensor-spec": {{"dtype": "float64", "shape": [-1]}}}}]'
  params: null
utc_time_created: '2026-11-23 10:28:51.007856'
"""

_MLMODEL_2X_LOGGED = """\
artifact_path: model
flavors:
  python_function:
    data: model.statsmodels
    env: conda.yaml
    loader_module: mlflow.statsmodels
    python_version: {pyver}
  statsmodels:
    code: null
    data: model.statsmodels
    statsmodels_version: 0.13.5
mlflow_version: 2.5.1.dev0
model_uuid: 0123456789abcdef0123456789abcdef
run_id: c38e6df80bcf4221be08f446b6ac38f2
utc_time_created: '2023-08-01 12:00:00.000001'
"""

_CONDA_2X = """\
channels:
- conda-forge
dependencies:
- python=3.11.2
- pip<=23.0.1
- pip:
  - mlflow==2.5.0
  - statsmodels==0.13.5
name: mlflow-env
"""

_PYTHON_ENV_2X = """\
python: 3.11.2
build_dependencies:
- pip==23.0.1
- setuptools==66.1.1
- wheel==0.38.4
dependencies:
- -r requirements.txt
"""


def _write_2x_dir(path, results, template, example=None):
    path.mkdir()
    results.save(str(path / "model.statsmodels"))
    (path / "MLmodel").write_text(template.format(pyver=platform.python_version()))
    (path / "conda.yaml").write_text(_CONDA_2X)
    (path / "python_env.yaml").write_text(_PYTHON_ENV_2X)
    (path / "requirements.txt").write_text("mlflow==2.5.0\nstatsmodels==0.13.5")
    if example is not None:
        (path / "input_example.json").write_text(json.dumps({"inputs": example.tolist()}))


def test_mlflow_2x_directory_loads(ols_results, ols_new_X, tmp_path):
    path = tmp_path / "m2x"
    _write_2x_dir(path, ols_results, _MLMODEL_2X, example=ols_new_X[:3])
    expected = ols_results.predict(ols_new_X)

    # the hand-written directory is valid for real MLflow 3.17 too
    zoo.assert_same_prediction(mlflow.pyfunc.load_model(str(path)).predict(ols_new_X), expected)

    native = mlflow_c.statsmodels.load_model(str(path))
    zoo.assert_same_prediction(native.predict(ols_new_X), expected)
    pyfunc_model = mlflow_c.pyfunc.load_model(str(path))
    zoo.assert_same_prediction(pyfunc_model.predict(ols_new_X), expected)

    meta = pyfunc_model.metadata
    assert meta.mlflow_version == "2.5.1.dev0"
    assert meta.model_uuid == "f2389606c49c43b0ac3b7c9af3469a4b"
    assert meta.utc_time_created == "2026-11-23 10:28:51.007856"
    assert meta.saved_input_example_info == {
        "artifact_path": "input_example.json", "format": "tf-serving", "type": "ndarray"}
    assert meta.flavors["statsmodels"]["statsmodels_version"] == "0.13.5+dfsg"
    assert meta.model_id is None
    assert meta.to_dict() == mlflow.models.Model.load(str(path)).to_dict()


def test_mlflow_2x_logged_directory_with_string_env_loads(arima_results, tmp_path):
    path = tmp_path / "m2x_logged"
    _write_2x_dir(path, arima_results, _MLMODEL_2X_LOGGED)
    entry = zoo.BY_NAME["arima"]
    expected = entry.expected(arima_results)
    zoo.assert_same_prediction(
        mlflow.pyfunc.load_model(str(path)).predict(entry.inference_input()), expected)

    zoo.assert_same_prediction(entry.expected(mlflow_c.statsmodels.load_model(str(path))),
                               expected)
    pyfunc_model = mlflow_c.pyfunc.load_model(str(path))
    zoo.assert_same_prediction(pyfunc_model.predict(entry.inference_input()), expected)
    meta = pyfunc_model.metadata
    assert meta.run_id == "c38e6df80bcf4221be08f446b6ac38f2"
    assert meta.artifact_path == "model"
    assert meta.flavors["python_function"]["env"] == "conda.yaml"
    assert meta.to_dict() == mlflow.models.Model.load(str(path)).to_dict()


def test_statsmodels_flavor_without_data_key_falls_back_to_default_file(ols_results, ols_new_X,
                                                                        tmp_path):
    path = tmp_path / "nodata"
    _write_2x_dir(path, ols_results, _MLMODEL_2X_LOGGED)
    conf = yaml.safe_load((path / "MLmodel").read_text())
    del conf["flavors"]["statsmodels"]["data"]
    (path / "MLmodel").write_text(yaml.safe_dump(conf, default_flow_style=False))
    # oracle: MLflow falls back to model.statsmodels
    zoo.assert_same_prediction(mlflow.statsmodels.load_model(str(path)).predict(ols_new_X),
                               ols_results.predict(ols_new_X))
    loaded = mlflow_c.statsmodels.load_model(str(path))
    zoo.assert_same_prediction(loaded.predict(ols_new_X), ols_results.predict(ols_new_X))


def test_custom_data_file_name_is_honoured(ols_results, ols_new_X, tmp_path):
    path = tmp_path / "custom"
    _write_2x_dir(path, ols_results, _MLMODEL_2X_LOGGED)
    os.rename(path / "model.statsmodels", path / "weights.pkl")
    conf = yaml.safe_load((path / "MLmodel").read_text())
    conf["flavors"]["statsmodels"]["data"] = "weights.pkl"
    conf["flavors"]["python_function"]["data"] = "weights.pkl"
    (path / "MLmodel").write_text(yaml.safe_dump(conf, default_flow_style=False))
    expected = ols_results.predict(ols_new_X)
    zoo.assert_same_prediction(mlflow.pyfunc.load_model(str(path)).predict(ols_new_X), expected)
    zoo.assert_same_prediction(mlflow_c.statsmodels.load_model(str(path)).predict(ols_new_X),
                               expected)
    zoo.assert_same_prediction(mlflow_c.pyfunc.load_model(str(path)).predict(ols_new_X), expected)


# ------------------------------------------------------------ signatures and input examples


def _dataframe_example(X):
    return pd.DataFrame(X, columns=["const", "x1", "x2"])


@pytest.mark.parametrize("kind", ["ndarray", "dataframe"])
def test_input_example_written_by_mlflow_c_reads_back_in_both(ols_results, ols_new_X, tmp_path,
                                                             kind):
    example = ols_new_X[:3] if kind == "ndarray" else _dataframe_example(ols_new_X[:3])
    signature = mlflow.models.infer_signature(example, ols_results.predict(ols_new_X[:3]))
    path = tmp_path / "model"
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                    signature=signature, input_example=example)
    assert (path / "input_example.json").is_file()
    assert (path / "serving_input_example.json").is_file()

    by_mlflow = mlflow.models.Model.load(str(path))
    assert by_mlflow.signature == signature
    by_mlc = mlflow_c.models.Model.load(str(path))
    assert by_mlc.saved_input_example_info == by_mlflow.saved_input_example_info
    for got in (by_mlflow.load_input_example(str(path)), by_mlc.load_input_example(str(path))):
        if kind == "ndarray":
            assert isinstance(got, np.ndarray)
            np.testing.assert_array_equal(got, example)
        else:
            assert isinstance(got, pd.DataFrame)
            pd.testing.assert_frame_equal(got, example)


@pytest.mark.parametrize("kind", ["ndarray", "dataframe"])
def test_input_example_written_by_mlflow_reads_back_in_mlflow_c(ols_results, ols_new_X, tmp_path,
                                                               kind):
    example = ols_new_X[:3] if kind == "ndarray" else _dataframe_example(ols_new_X[:3])
    signature = mlflow.models.infer_signature(example, ols_results.predict(ols_new_X[:3]))
    path = tmp_path / "model"
    mlflow.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                  signature=signature, input_example=example)
    got = mlflow_c.models.Model.load(str(path)).load_input_example(str(path))
    if kind == "ndarray":
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, example)
    else:
        pd.testing.assert_frame_equal(got, example)


def _example_cases():
    return {
        "mixed-frame": pd.DataFrame({"a": [1, 2, 3], "b": [1.5, 0.25, 2.0],
                                     "c": ["x", "y", "z"], "d": [True, False, True]}),
        "frame-with-nan": pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [0.5, 1.5, np.nan]}),
        "range-columns-frame": pd.DataFrame(np.arange(6.0).reshape(2, 3)),
        "frame-with-index": pd.DataFrame({"a": [1.0, 2.0]}, index=[10, 20]),
        "int-array": np.arange(6).reshape(2, 3),
        "array-with-nan-inf": np.array([[1.0, np.nan], [np.inf, -2.0]]),
        "vector": np.array([1.0, 2.0, 3.0]),
        "float32-array": np.ones((2, 2), dtype=np.float32),
    }


_EXAMPLE_IDS = list(_example_cases())


@pytest.mark.parametrize("case", _EXAMPLE_IDS)
def test_input_example_reads_back_like_mlflow(ols_results, tmp_path, case):
    example = _example_cases()[case]
    signature = mlflow.models.infer_signature(example)
    path = tmp_path / "model"
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                    signature=signature, input_example=example)
    theirs = mlflow.models.Model.load(str(path)).load_input_example(str(path))
    ours = mlflow_c.models.Model.load(str(path)).load_input_example(str(path))
    assert type(ours) is type(theirs)
    if isinstance(example, pd.DataFrame):
        pd.testing.assert_frame_equal(ours, theirs)
        pd.testing.assert_frame_equal(ours, example.reset_index(drop=True), check_dtype=False)
    else:
        assert ours.dtype == theirs.dtype == example.dtype
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(ours, example)


def test_signature_as_dict_is_read_back_equal_by_mlflow(ols_results, ols_new_X, tmp_path):
    reference = mlflow.models.infer_signature(_dataframe_example(ols_new_X),
                                              ols_results.predict(ols_new_X))
    as_dict = reference.to_dict()
    assert set(as_dict) == {"inputs", "outputs", "params"}
    path = tmp_path / "model"
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                    signature=as_dict)
    assert mlflow.models.Model.load(str(path)).signature == reference
    assert mlflow.pyfunc.load_model(str(path)).metadata.signature == reference
    stored = yaml.safe_load((path / "MLmodel").read_text())["signature"]
    assert stored == as_dict


def test_signature_object_is_read_back_equal_by_mlflow(ols_results, ols_new_X, tmp_path):
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

    signature = ModelSignature(
        inputs=Schema([ColSpec("double", "const"), ColSpec("double", "x1"),
                       ColSpec("double", "x2", required=False)]),
        outputs=Schema([ColSpec("double")]),
        params=ParamSchema([ParamSpec("alpha", "double", 0.5)]),
    )
    path = tmp_path / "model"
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                    signature=signature)
    back = mlflow.models.Model.load(str(path)).signature
    assert back == signature
    assert back.params == signature.params
