"""The Python API around the model format: Model, ModelInfo, the MlflowException family and
PyFuncModel, compared with MLflow 3.17's where both exist.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import platform
import pickle
import re
import string
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import mlflow
import mlflow.models
import mlflow.pyfunc
import mlflow.statsmodels
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlflow.exceptions import MlflowException as RealMlflowException
from mlflow.models.model import ModelInfo as RealModelInfo
from mlflow.protos.databricks_pb2 import ErrorCode

import mlflow_c.models
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
from mlflow_c.models import Model, ModelInfo

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RealModel = mlflow.models.Model
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?$")

FIXED = {"utc_time_created": "2025-01-02 03:04:05.678901",
         "model_uuid": "0123456789abcdef0123456789abcdef",
         "mlflow_version": "3.17.2"}


# ================================================================== import cost


def _imported_after(statement):
    code = (f"import sys\n{statement}\n"
            "print(' '.join(sorted(m for m in sys.modules)))")
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_import_statsmodels_flavor_is_lazy():
    modules = _imported_after("import mlflow_c.statsmodels")
    assert "mlflow_c.statsmodels" in modules
    assert "statsmodels" not in modules
    assert "pandas" not in modules


def test_mlflow_c_does_not_import_mlflow():
    modules = _imported_after("import mlflow_c.statsmodels, mlflow_c.pyfunc, mlflow_c.models, "
                              "mlflow_c.exceptions")
    assert not {m for m in modules if m == "mlflow" or m.startswith("mlflow.")}


# ================================================================== Model


def test_default_model_attributes():
    m = Model()
    assert m.artifact_path is None
    assert m.run_id is None
    assert m.flavors == {}
    assert m.signature is None
    assert m.saved_input_example_info is None
    assert m.metadata is None
    assert m.model_size_bytes is None
    assert m.model_id is None
    assert m.prompts is None
    assert isinstance(m.mlflow_version, str) and m.mlflow_version


def test_model_uuid_format_and_uniqueness():
    a, b = Model(), Model()
    for m in (a, b):
        assert re.fullmatch(r"[0-9a-f]{32}", m.model_uuid)
        assert uuid.UUID(hex=m.model_uuid).version == 4
    assert a.model_uuid != b.model_uuid


def test_model_uuid_explicit_none_and_callable():
    assert Model(model_uuid=None).model_uuid is None
    assert Model(model_uuid="abc").model_uuid == "abc"
    assert Model(model_uuid=lambda: "from-callable").model_uuid == "from-callable"


def test_utc_time_created_format():
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    m = Model()
    after = datetime.now(timezone.utc).replace(tzinfo=None)
    assert TIME_RE.match(m.utc_time_created), m.utc_time_created
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in m.utc_time_created else "%Y-%m-%d %H:%M:%S"
    created = datetime.strptime(m.utc_time_created, fmt)
    assert before - timedelta(seconds=1) <= created <= after + timedelta(seconds=1)


def test_utc_time_created_given_as_datetime_is_stringified():
    when = datetime(2020, 1, 2, 3, 4, 5, 6)
    assert Model(utc_time_created=when).utc_time_created == "2020-01-02 03:04:05.000006"
    assert RealModel(utc_time_created=when).utc_time_created == "2020-01-02 03:04:05.000006"


_TO_DICT_CASES = {
    "minimal": {},
    "logged": {"run_id": "c38e6df80bcf4221be08f446b6ac38f2", "artifact_path": "model"},
    "metadata": {"metadata": {"a": 1, "b": [1, 2], "c": {"d": None}}},
    "size-id-prompts": {"model_size_bytes": 1234, "model_id": "m-0123", "prompts": ["p1"]},
    "example-info": {"saved_input_example_info": {"artifact_path": "input_example.json",
                                                  "type": "ndarray",
                                                  "serving_input_path":
                                                      "serving_input_example.json"}},
    "flavors": {"flavors": {"statsmodels": {"code": None, "data": "model.statsmodels",
                                            "statsmodels_version": "0.15.0"}}},
    "unknown-kwarg": {"custom_field": "kept", "another": 7},
    "env-vars": {"env_vars": ["A", "B"]},
    "no-version": {"mlflow_version": None},
}


@pytest.mark.parametrize("case", list(_TO_DICT_CASES), ids=list(_TO_DICT_CASES))
def test_to_dict_matches_mlflow(case):
    kwargs = {**FIXED, **_TO_DICT_CASES[case]}
    ours = Model(**kwargs).to_dict()
    theirs = RealModel(**kwargs).to_dict()
    assert set(ours) == set(theirs)
    assert ours == theirs


@pytest.mark.parametrize("case", list(_TO_DICT_CASES), ids=list(_TO_DICT_CASES))
def test_to_yaml_matches_mlflow(case):
    kwargs = {**FIXED, **_TO_DICT_CASES[case]}
    ours = Model(**kwargs)
    assert ours.to_yaml() == RealModel(**kwargs).to_yaml()
    assert str(ours) == ours.to_yaml()


_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
            | st.text(alphabet=string.printable + "\u00e9\u00df\u4e2d\U0001f600\u00a0",
                      max_size=30)
            | st.text(max_size=12))
_METADATA = st.dictionaries(
    st.text(alphabet=string.ascii_letters + string.digits + "_- .:", min_size=1, max_size=12)
    | st.text(max_size=6),
    st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12),
    max_size=6)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(metadata=_METADATA)
def test_to_yaml_with_arbitrary_metadata_matches_mlflow(metadata, tmp_path):
    ours = Model(**FIXED, metadata=metadata)
    text = ours.to_yaml()
    assert text == RealModel(**FIXED, metadata=metadata).to_yaml()
    target = tmp_path / "MLmodel"
    ours.save(str(target))
    assert target.read_text() == text
    assert Model.load(str(target)).to_yaml() == text


def test_to_json_is_the_dict():
    m = Model(**FIXED, metadata={"x": [1, 2.5, "s", None, True]}, run_id="r")
    assert json.loads(m.to_json()) == m.to_dict()


def test_to_yaml_to_stream(tmp_path):
    m = Model(**FIXED, metadata={"k": "v"})
    with open(tmp_path / "out.yaml", "w") as f:
        m.to_yaml(f)
    assert (tmp_path / "out.yaml").read_text() == RealModel(**FIXED, metadata={"k": "v"}).to_yaml()


def test_add_flavor_returns_self_and_stores_params():
    m = Model(**FIXED)
    returned = m.add_flavor("statsmodels", data="model.statsmodels", code=None)
    assert returned is m
    assert m.add_flavor("other", x=1) is m
    assert m.flavors == {"statsmodels": {"data": "model.statsmodels", "code": None},
                         "other": {"x": 1}}
    real = RealModel(**FIXED).add_flavor("statsmodels", data="model.statsmodels", code=None)
    real.add_flavor("other", x=1)
    assert m.to_dict() == real.to_dict()


def test_attribute_assignment_shows_in_to_dict():
    m = Model(**FIXED)
    m.metadata = {"a": 1}
    m.saved_input_example_info = {"artifact_path": "input_example.json", "type": "dataframe",
                                  "pandas_orient": "split"}
    m.model_size_bytes = 99
    d = m.to_dict()
    assert d["metadata"] == {"a": 1}
    assert d["saved_input_example_info"]["pandas_orient"] == "split"
    assert d["model_size_bytes"] == 99


def test_signature_false_is_ignored():
    m = Model(**FIXED)
    m.signature = False
    assert m.signature is None
    assert "signature" not in m.to_dict()


def test_from_dict_is_lenient():
    d = {"flavors": {"x": {"y": 1}}, "some_future_key": {"nested": True}, "artifact_path": "p",
         "utc_time_created": "2024-01-01 00:00:00.000001"}
    m = Model.from_dict(d)
    assert m.some_future_key == {"nested": True}
    assert m.model_uuid is None
    assert m.mlflow_version is None
    assert m.artifact_path == "p"
    assert d == {"flavors": {"x": {"y": 1}}, "some_future_key": {"nested": True},
                 "artifact_path": "p", "utc_time_created": "2024-01-01 00:00:00.000001"}, \
        "from_dict mutated its argument"
    assert m.to_dict() == RealModel.from_dict(d).to_dict()
    assert "mlflow_version" not in m.to_dict()


def test_from_dict_with_signature_matches_mlflow():
    signature = mlflow.models.infer_signature(
        pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), pd.Series([0.5, 1.5]))
    d = {**FIXED, "flavors": {}, "signature": signature.to_dict(),
         "is_signature_from_type_hint": False, "type_hint_from_example": False}
    ours = Model.from_dict(d)
    theirs = RealModel.from_dict(d)
    assert ours.signature is not None
    assert ours.to_dict() == theirs.to_dict()
    assert ours.to_dict()["signature"] == signature.to_dict()
    assert ours.to_yaml() == theirs.to_yaml()


@pytest.fixture(scope="module")
def rich_model_dir(tmp_path_factory, ols_results, ols_new_X):
    """An MLflow-written directory with signature, example, metadata and code."""
    root = tmp_path_factory.mktemp("rich")
    code = root / "code_src.py"
    code.write_text("X = 1\n")
    path = root / "model"
    signature = mlflow.models.infer_signature(ols_new_X, ols_results.predict(ols_new_X))
    mlflow.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                  signature=signature, input_example=ols_new_X[:2],
                                  metadata={"purpose": "api"}, code_paths=[str(code)])
    return path


def test_from_dict_to_dict_roundtrips_a_real_mlmodel(rich_model_dir):
    d = yaml.safe_load((rich_model_dir / "MLmodel").read_text())
    assert RealModel.from_dict(d).to_dict() == d  # oracle
    assert Model.from_dict(d).to_dict() == d


def test_load_directory_and_file_agree(rich_model_dir):
    by_dir = Model.load(str(rich_model_dir))
    by_file = Model.load(str(rich_model_dir / "MLmodel"))
    by_pathlib = Model.load(rich_model_dir)
    by_slash = Model.load(str(rich_model_dir) + os.sep)
    assert by_dir == by_file == by_pathlib == by_slash
    expected = yaml.safe_load((rich_model_dir / "MLmodel").read_text())
    assert by_dir.to_dict() == expected
    assert by_dir.to_dict() == RealModel.load(str(rich_model_dir)).to_dict()
    assert by_dir.metadata == {"purpose": "api"}
    assert by_dir.flavors["python_function"]["code"] == "code"


def test_load_input_example_of_real_model(rich_model_dir, ols_new_X):
    import numpy as np

    got = Model.load(str(rich_model_dir)).load_input_example(str(rich_model_dir))
    np.testing.assert_array_equal(got, ols_new_X[:2])


def test_load_input_example_is_none_without_example(tmp_path, ols_results):
    mlflow.statsmodels.save_model(ols_results, str(tmp_path / "m"), pip_requirements=FAST_REQS)
    m = Model.load(str(tmp_path / "m"))
    assert m.saved_input_example_info is None
    assert m.load_input_example(str(tmp_path / "m")) is None
    assert m.get_input_schema() is None


def test_load_missing_path(tmp_path):
    with pytest.raises(MlflowException) as info:
        Model.load(str(tmp_path / "nowhere"))
    assert 'Could not find an "MLmodel" configuration file at' in str(info.value)
    assert str(tmp_path / "nowhere") in str(info.value)


def test_save_then_load(tmp_path):
    m = Model(**FIXED, run_id="r1", metadata={"k": [1, 2]})
    m.add_flavor("statsmodels", data="model.statsmodels", code=None)
    target = tmp_path / "MLmodel"
    m.save(str(target))
    assert target.read_text() == m.to_yaml()
    assert Model.load(str(target)) == m
    assert RealModel.load(str(target)).to_dict() == m.to_dict()


def test_model_equality():
    d = {**FIXED, "flavors": {"a": {"b": 1}}, "metadata": {"m": 1}}
    assert Model.from_dict(d) == Model.from_dict(d)
    assert Model.from_dict(d) != Model.from_dict({**d, "metadata": {"m": 2}})
    assert Model.from_dict(d) != Model.from_dict({**d, "model_uuid": "other"})
    assert (Model.from_dict(d) == "not a model") is False
    assert Model.from_dict(d) != object()


def test_mlflow_model_argument_is_filled_in_by_save(ols_results, tmp_path):
    given = Model()
    uuid_before = given.model_uuid
    mlflow_c.statsmodels.save_model(ols_results, str(tmp_path / "m"), pip_requirements=FAST_REQS,
                                    mlflow_model=given, metadata={"x": 1})
    assert sorted(given.flavors) == ["python_function", "statsmodels"]
    assert given.metadata == {"x": 1}
    assert given.model_size_bytes == (tmp_path / "m" / "model.statsmodels").stat().st_size
    assert given.model_uuid == uuid_before
    assert Model.load(str(tmp_path / "m")) == given


def test_model_load_accepts_file_uri(rich_model_dir):
    assert Model.load(rich_model_dir.as_uri()) == Model.load(str(rich_model_dir))


# ================================================================== ModelInfo

_INFO_KWARGS = {
    "artifact_path": "model",
    "flavors": {"statsmodels": {"data": "model.statsmodels"}},
    "model_uri": "runs:/abc/model",
    "model_uuid": "0123456789abcdef0123456789abcdef",
    "run_id": "abc",
    "saved_input_example_info": None,
    "signature": None,
    "utc_time_created": "2025-01-02 03:04:05.678901",
    "mlflow_version": "3.17.2",
    "metadata": {"k": "v"},
}
_INFO_PROPERTIES = ["artifact_path", "flavors", "model_uri", "model_uuid", "run_id",
                    "saved_input_example_info", "signature", "utc_time_created",
                    "mlflow_version", "metadata", "registered_model_version", "model_id"]


def test_model_info_properties_match_mlflow():
    ours = ModelInfo(**_INFO_KWARGS)
    theirs = RealModelInfo(**_INFO_KWARGS)
    for name in _INFO_PROPERTIES:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.registered_model_version is None
    assert ours.model_id is None


def test_model_info_registered_model_version_is_settable():
    info = ModelInfo(**_INFO_KWARGS, registered_model_version=3)
    assert info.registered_model_version == 3
    info.registered_model_version = 4
    assert info.registered_model_version == 4


# ================================================================== exceptions

SUBCLASSES = [
    (MlflowValueError, ValueError),
    (MlflowTypeError, TypeError),
    (MlflowAttributeError, AttributeError),
    (MlflowFileNotFoundError, FileNotFoundError),
    (MlflowOSError, OSError),
    (YamlError, ValueError),
]
ALL_CLASSES = [MlflowException] + [cls for cls, _ in SUBCLASSES]


def test_exception_defaults():
    e = MlflowException("something broke")
    assert str(e) == "something broke"
    assert e.message == "something broke"
    assert e.error_code == "INTERNAL_ERROR"
    assert e.json_kwargs == {}
    assert e.get_http_status_code() == 500
    assert isinstance(e, Exception)
    assert not isinstance(e, (ValueError, OSError, TypeError))


def test_exception_message_is_stringified():
    assert MlflowException(42).message == "42"
    assert str(MlflowException(ValueError("inner"))) == "inner"


@pytest.mark.parametrize("name, status", [
    ("INTERNAL_ERROR", 500),
    ("INVALID_PARAMETER_VALUE", 400),
    ("PERMISSION_DENIED", 403),
    ("RESOURCE_ALREADY_EXISTS", 400),
    ("RESOURCE_DOES_NOT_EXIST", 404),
    ("BAD_REQUEST", 400),
    ("ENDPOINT_NOT_FOUND", 404),
    ("INVALID_STATE", 500),
])
def test_numeric_error_codes_match_mlflow(name, status):
    """MLflow passes protobuf ErrorCode numbers; they map to the same names and statuses."""
    code = ErrorCode.Value(name)
    ours = MlflowException("m", error_code=code)
    theirs = RealMlflowException("m", error_code=code)
    assert ours.error_code == theirs.error_code == name
    assert ours.get_http_status_code() == theirs.get_http_status_code() == status


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=[c.__name__ for c in ALL_CLASSES])
def test_constructor_forms_match_mlflow(cls):
    code = ErrorCode.Value("INVALID_PARAMETER_VALUE")
    positional = cls("m", code)
    assert positional.error_code == RealMlflowException("m", code).error_code
    assert positional.args == RealMlflowException("m", code).args == ("m",)
    assert repr(positional) == f"{cls.__name__}('m')"
    by_keyword = cls(message="kw", error_code=code)
    assert by_keyword.message == "kw"
    assert by_keyword.error_code == "INVALID_PARAMETER_VALUE"
    built = cls.invalid_parameter_value("bad", field="x")
    assert type(built) is cls
    assert built.json_kwargs == {"field": "x"}


def test_string_error_code_is_kept():
    e = MlflowException("m", error_code="RESOURCE_DOES_NOT_EXIST")
    assert e.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert e.get_http_status_code() == 404


def test_invalid_parameter_value():
    e = MlflowException.invalid_parameter_value("bad value")
    assert type(e) is MlflowException
    assert e.message == "bad value"
    assert e.error_code == "INVALID_PARAMETER_VALUE"
    assert e.get_http_status_code() == 400
    sub = MlflowValueError.invalid_parameter_value("bad")
    assert type(sub) is MlflowValueError
    assert sub.error_code == "INVALID_PARAMETER_VALUE"


def test_json_kwargs_and_serialize_as_json():
    code = ErrorCode.Value("INVALID_PARAMETER_VALUE")
    e = MlflowException("msg", error_code=code, run_id="r1", extra=3)
    assert e.json_kwargs == {"run_id": "r1", "extra": 3}
    ours = json.loads(e.serialize_as_json())
    theirs = json.loads(RealMlflowException("msg", error_code=code, run_id="r1",
                                            extra=3).serialize_as_json())
    for key in ("error_code", "message", "run_id", "extra"):
        assert ours[key] == theirs[key], key
    assert ours["error_code"] == "INVALID_PARAMETER_VALUE"
    assert ours["message"] == "msg"


@pytest.mark.parametrize("cls, builtin", SUBCLASSES, ids=[c.__name__ for c, _ in SUBCLASSES])
def test_exception_hierarchy(cls, builtin):
    assert issubclass(cls, MlflowException)
    assert issubclass(cls, builtin)
    e = cls("failure text")
    assert isinstance(e, MlflowException) and isinstance(e, builtin)
    assert str(e) == "failure text"
    assert e.message == "failure text"
    assert e.error_code == "INTERNAL_ERROR"
    with pytest.raises(MlflowException):
        raise e
    with pytest.raises(builtin):
        raise cls("again")


def test_yaml_error_is_a_value_error_subclass():
    assert issubclass(YamlError, MlflowValueError)
    assert not issubclass(MlflowValueError, YamlError)
    assert not issubclass(MlflowOSError, MlflowFileNotFoundError)
    assert issubclass(MlflowFileNotFoundError, OSError)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=[c.__name__ for c in ALL_CLASSES])
def test_exception_pickle_roundtrip(cls):
    e = cls("cannot do it", error_code=ErrorCode.Value("RESOURCE_DOES_NOT_EXIST"), detail="more")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls
    assert str(back) == "cannot do it"
    assert back.message == "cannot do it"
    assert back.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert back.json_kwargs == {"detail": "more"}


def test_raised_exception_pickle_roundtrip(tmp_path):
    with pytest.raises(MlflowFileNotFoundError) as info:
        mlflow_c.statsmodels.load_model(str(tmp_path / "absent"))
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is MlflowFileNotFoundError
    assert str(back) == str(info.value)
    assert back.error_code == info.value.error_code


# ================================================================== PyFuncModel


@pytest.fixture(scope="module")
def ols_dir(tmp_path_factory, ols_results):
    path = tmp_path_factory.mktemp("pyfunc") / "ols"
    mlflow_c.statsmodels.save_model(ols_results, str(path), pip_requirements=FAST_REQS,
                                    metadata={"metadata_key": "metadata_value"})
    return path


def test_pyfunc_model_api(ols_dir, ols_results, ols_new_X):
    pm = mlflow_c.pyfunc.load_model(str(ols_dir))
    assert isinstance(pm, mlflow_c.pyfunc.PyFuncModel)
    assert isinstance(pm.metadata, Model)
    assert pm.metadata == Model.load(str(ols_dir))
    assert pm.metadata.metadata["metadata_key"] == "metadata_value"
    assert pm.loader_module == "mlflow.statsmodels"
    raw = pm.get_raw_model()
    assert type(raw) is type(ols_results)
    zoo.assert_same_params(raw, ols_results)
    assert pm._model_impl is not None
    expected = ols_results.predict(ols_new_X)
    zoo.assert_same_prediction(pm.predict(ols_new_X), expected)
    zoo.assert_same_prediction(pm.predict(ols_new_X, params=None), expected)
    zoo.assert_same_prediction(pm.predict(ols_new_X, params={}), expected)


def test_pyfunc_params_without_schema_are_ignored_with_a_warning(ols_dir, ols_results,
                                                                 ols_new_X, caplog):
    pm = mlflow_c.pyfunc.load_model(str(ols_dir))
    with caplog.at_level(logging.WARNING):
        got = pm.predict(ols_new_X, params={"a": 1})
    zoo.assert_same_prediction(got, ols_results.predict(ols_new_X))
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Ignoring provided params: ['a']" in m for m in messages), messages


@pytest.mark.parametrize("model_config", [None, {"temperature": 0.5}])
def test_pyfunc_model_config_property_matches_mlflow(ols_dir, model_config):
    ours = mlflow_c.pyfunc.load_model(str(ols_dir), model_config=model_config)
    theirs = mlflow.pyfunc.load_model(str(ols_dir), model_config=model_config)
    assert ours.model_config == theirs.model_config


def test_pyfunc_load_warns_about_mismatches_and_python_version(ols_results, tmp_path, caplog):
    path = tmp_path / "m"
    mlflow_c.statsmodels.save_model(
        ols_results, str(path),
        pip_requirements=["statsmodels", "numpy==1.0.0", "surely-not-installed-pkg==1.0"])
    text = (path / "MLmodel").read_text()
    current = platform.python_version()
    (path / "MLmodel").write_text(text.replace(f"python_version: {current}",
                                               "python_version: 3.8.10"))
    assert "python_version: 3.8.10" in (path / "MLmodel").read_text()
    with caplog.at_level(logging.WARNING):
        mlflow_c.pyfunc.load_model(str(path))
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    numpy_version = importlib.metadata.version("numpy")
    assert (
        "Detected one or more mismatches between the model's dependencies and the current "
        "Python environment:\n"
        f" - numpy (current: {numpy_version}, required: numpy==1.0.0)\n"
        " - surely-not-installed-pkg (current: uninstalled, required: "
        "surely-not-installed-pkg==1.0)\n"
        "To fix the mismatches, call `mlflow.pyfunc.get_model_dependencies(model_uri)` to fetch "
        "the model's environment and install dependencies using the resulting environment file."
    ) in messages, messages
    assert (
        "The version of Python that the model was saved in, `Python 3.8.10`, differs from the "
        f"version of Python that is currently running, `Python {current}`, and may be "
        "incompatible"
    ) in messages, messages

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        mlflow_c.pyfunc.load_model(str(path), suppress_warnings=True)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_pyfunc_load_of_a_matching_model_is_quiet(ols_dir, caplog):
    with caplog.at_level(logging.WARNING):
        mlflow_c.pyfunc.load_model(str(ols_dir))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_pyfunc_unwrap_python_model_raises(ols_dir):
    pm = mlflow_c.pyfunc.load_model(str(ols_dir))
    with pytest.raises(MlflowException) as info:
        pm.unwrap_python_model()
    assert str(info.value) == "Unable to retrieve base model object from pyfunc."
    with pytest.raises(RealMlflowException, match="Unable to retrieve base model object"):
        mlflow.pyfunc.load_model(str(ols_dir)).unwrap_python_model()


def test_pyfunc_keyword_arguments(ols_dir, ols_results, ols_new_X):
    pm = mlflow_c.pyfunc.load_model(model_uri=str(ols_dir), suppress_warnings=True,
                                    dst_path=None, model_config=None)
    zoo.assert_same_prediction(pm.predict(ols_new_X), ols_results.predict(ols_new_X))


def test_pyfunc_repr_matches_mlflow(ols_dir):
    ours = repr(mlflow_c.pyfunc.load_model(str(ols_dir)))
    assert ours == repr(mlflow.pyfunc.load_model(str(ols_dir)))
    assert ours == "mlflow.pyfunc.loaded_model:\n  flavor: mlflow.statsmodels\n"


def test_pyfunc_equality_compares_metadata(ols_dir, tmp_path, ols_results):
    a = mlflow_c.pyfunc.load_model(str(ols_dir))
    b = mlflow_c.pyfunc.load_model(str(ols_dir))
    assert a == b
    other = tmp_path / "other"
    mlflow_c.statsmodels.save_model(ols_results, str(other), pip_requirements=FAST_REQS)
    assert a != mlflow_c.pyfunc.load_model(str(other))


def test_pyfunc_loads_native_statsmodels_results_type(zoo_results, tmp_path):
    res = zoo_results("arima")
    mlflow_c.statsmodels.save_model(res, str(tmp_path / "a"), pip_requirements=FAST_REQS)
    raw = mlflow_c.pyfunc.load_model(str(tmp_path / "a")).get_raw_model()
    assert type(raw) is type(res)


def test_time_series_row_is_taken_by_position(zoo_results, tmp_path):
    entry = zoo.BY_NAME["arima"]
    res = zoo_results("arima")
    path = tmp_path / "arima"
    mlflow_c.statsmodels.save_model(res, str(path), pip_requirements=FAST_REQS)
    frame = entry.inference_input()
    frame.index = [5]
    ours = mlflow_c.pyfunc.load_model(str(path)).predict(frame)
    zoo.assert_same_prediction(ours, entry.expected(res))
    # contrast: MLflow looks the row up by label 0
    with pytest.raises(KeyError):
        mlflow.pyfunc.load_model(str(path)).predict(frame)


def test_time_series_integer_positions_and_string_dates(zoo_results, tmp_path):
    res = zoo_results("recursive_ls")
    path = tmp_path / "rls"
    mlflow_c.statsmodels.save_model(res, str(path), pip_requirements=FAST_REQS)
    pm = mlflow_c.pyfunc.load_model(str(path))
    by_pos = pm.predict(pd.DataFrame({"start": [9], "end": [12]}))
    zoo.assert_same_prediction(by_pos, res.predict(start=9, end=12))
    assert len(zoo.as_float_array(by_pos)) == 4
    by_date = pm.predict(pd.DataFrame({"start": ["1960-01-01"], "end": ["1963-01-01"]}))
    zoo.assert_same_prediction(by_date, by_pos)


def test_regression_predict_with_list_input(ols_dir, ols_results, ols_new_X):
    pm = mlflow_c.pyfunc.load_model(str(ols_dir))
    rows = ols_new_X[:2].tolist()
    zoo.assert_same_prediction(pm.predict(rows), ols_results.predict(rows))


class _CustomImpl:
    def predict(self, data, params=None):
        return ("predicted", data, params)


@pytest.mark.parametrize("impl", ["mlflow_c", "mlflow"])
def test_pyfunc_model_constructor_rules(impl):
    """PyFuncModel built by hand: the same checks and messages as MLflow's."""
    PyFunc, ModelCls = ((mlflow_c.pyfunc.PyFuncModel, Model) if impl == "mlflow_c"
                        else (mlflow.pyfunc.PyFuncModel, RealModel))
    Exc = MlflowException if impl == "mlflow_c" else RealMlflowException
    meta = ModelCls(**FIXED).add_flavor("python_function", loader_module="my.loader")

    with pytest.raises(Exc, match=r"^Model implementation is missing required predict method\.$"):
        PyFunc(meta, object())
    with pytest.raises(Exc, match=r"^Model is missing metadata\.$"):
        PyFunc(None, _CustomImpl())
    with pytest.raises(Exc, match=r"^Model implementation is missing required score method\.$"):
        PyFunc(meta, _CustomImpl(), "score")

    pm = PyFunc(meta, _CustomImpl())
    assert pm.loader_module == "my.loader"
    assert pm.metadata is meta
    assert pm.predict([1, 2]) == ("predicted", [1, 2], None)
    with pytest.raises(NotImplementedError,
                       match="`get_raw_model` is not implemented by the underlying model"):
        pm.get_raw_model()
