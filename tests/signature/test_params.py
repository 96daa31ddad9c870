"""Inference params at predict time (contract §5.4, §6.7), MLflow 3.x behaviour.

Checked through ``<pkg>.models.utils._enforce_params_schema(params, schema)`` (the value the model
receives: defaults filled, values converted) and through ``PyFuncModel.predict(data, params=...)``
(errors, warnings; the statsmodels wrapper ignores params). Messages that print Python sets are
compared as sets.
"""

from __future__ import annotations

import ast
import datetime
import re

import numpy as np
import pandas as pd
import pytest

from sigconf import FAST_REQS, Raises, built_with, capture, enforce_params, raises, run

NO_SCHEMA = ("`params` can only be specified at inference time if the model signature defines a "
             "params schema. This model does not define a params schema. ")
NON_STR_KEYS = ("Keys in parameters should be of type `str`, but received non-string keys."
                "Converting all keys to string...")
UNRECOGNIZED = re.compile(r"^Unrecognized params (\[.*\]) are ignored for inference\. Supported "
                          r"params are: (\{.*\})\. To enable them, please add corresponding schema "
                          r"in ModelSignature\.$")
INVALID = "Invalid parameters found: "

PARAMS = {"alpha": 0.5, "n": 1, "flag": True, "arr": [1, 2], "s": "x",
          "when": datetime.date(2020, 1, 1), "f": np.float32(1.5)}
DEFAULTS = {"alpha": 0.5, "n": 1, "flag": True, "arr": [1, 2], "s": "x",
            "when": datetime.date(2020, 1, 1), "f": 1.5}


def _schema(ns):
    with capture():
        return ns.infer_signature(pd.DataFrame({"x": [1.0]}), None, dict(PARAMS)).params


def _unrecognized(messages):
    """[(ignored keys, supported keys)] from the 'Unrecognized params' warnings."""
    out = []
    for m in messages:
        match = UNRECOGNIZED.match(m)
        if match:
            out.append((set(ast.literal_eval(match.group(1))), ast.literal_eval(match.group(2))))
    return out


def _invalid_set(message: str) -> set:
    assert message.startswith(INVALID), message
    return ast.literal_eval(message[len(INVALID):])


def _msg(name, spec, error):
    return f"Failed to validate type and shape for '{name}': {spec}, error: {error}"


# ------------------------------------------------------------------------------ enforcement


def test_params_schema_json(impl):
    assert _schema(impl).to_json() == (
        '[{"name": "alpha", "default": 0.5, "shape": null, "type": "double"}, {"name": "n", '
        '"default": 1, "shape": null, "type": "long"}, {"name": "flag", "default": true, "shape": '
        'null, "type": "boolean"}, {"name": "arr", "default": [1, 2], "shape": [-1], "type": '
        '"long"}, {"name": "s", "default": "x", "shape": null, "type": "string"}, {"name": '
        '"when", "default": "2020-01-01", "shape": null, "type": "datetime"}, {"name": "f", '
        '"default": 1.5, "shape": null, "type": "float"}]')


@pytest.mark.parametrize("given", [None, {}], ids=["none", "empty"])
def test_defaults_filled(impl, given):
    with capture() as cap:
        out = enforce_params(impl, given, _schema(impl))
    assert out == DEFAULTS
    assert cap.messages == []


def test_partial_params_filled_and_converted(impl):
    given = {"alpha": 1, "n": np.int32(3), "arr": np.array([3, 4]), "when": "2021-02-03",
             "f": 2}
    with capture() as cap:
        out = enforce_params(impl, given, _schema(impl))
    assert out == {**DEFAULTS, "alpha": 1.0, "n": 3, "arr": [3, 4],
                   "when": datetime.date(2021, 2, 3), "f": 2.0}
    assert type(out["alpha"]) is float and type(out["n"]) is int and type(out["f"]) is float
    assert isinstance(out["arr"], list) and all(type(v) is int for v in out["arr"])
    assert cap.messages == []
    assert given["arr"].tolist() == [3, 4]  # the caller's dict is not modified


def test_none_value_and_wide_ints(impl):
    out = enforce_params(impl, {"alpha": None, "n": 2 ** 70}, _schema(impl))
    assert out["alpha"] is None
    assert out["n"] == 2 ** 70


def test_unknown_keys_warned_and_dropped(impl):
    with capture() as cap:
        out = enforce_params(impl, {"zzz": 1, "yyy": 2, "alpha": 2.0}, _schema(impl))
    assert out == {**DEFAULTS, "alpha": 2.0}
    assert _unrecognized(cap.log_messages()) == [({"zzz", "yyy"}, set(PARAMS))]
    assert len(cap.log_messages()) == 1


def test_non_string_keys(impl):
    with capture() as cap:
        out = enforce_params(impl, {1: 2}, _schema(impl))
    assert out == DEFAULTS
    logs = cap.log_messages()
    assert logs[0] == NON_STR_KEYS
    assert _unrecognized(logs[1:]) == [({"1"}, set(PARAMS))]


@pytest.mark.parametrize("given, typename", [([1], "list"), ("a=1", "str"), (5, "int")])
def test_params_not_a_dict(impl, given, typename):
    raises(impl, Raises("MlflowException", f"Parameters must be a dictionary. Got type "
                                           f"'{typename}'.", "INVALID_PARAMETER_VALUE"),
           enforce_params, impl, given, _schema(impl))


INVALID_CASES = [
    ("str_for_double", {"alpha": "x"},
     {("alpha", _msg("alpha", "double (default: 0.5)", "Can not safely convert "
                     "`<class 'str'>` to `DataType.double` for value `x`"))}),
    ("two_invalid", {"alpha": "x", "n": 1.5},
     {("alpha", _msg("alpha", "double (default: 0.5)",
                     "Can not safely convert `<class 'str'>` to `DataType.double` for value `x`")),
      ("n", _msg("n", "long (default: 1)",
                 "Can not safely convert `<class 'float'>` to `DataType.long` for value `1.5`"))}),
    ("int_for_bool", {"flag": 1},
     {("flag", _msg("flag", "boolean (default: True)", "Can not safely convert "
                    "`<class 'int'>` to `DataType.boolean` for value `1`"))}),
    ("bool_for_long", {"n": True},
     {("n", _msg("n", "long (default: 1)",
                 "Can not safely convert `<class 'bool'>` to `DataType.long` for value `True`"))}),
    ("int_for_string", {"s": 1},
     {("s", _msg("s", "string (default: x)",
                 "Can not safely convert `<class 'int'>` to `DataType.string` for value `1`"))}),
    ("list_for_scalar", {"alpha": [1.0]},
     {("alpha", _msg("alpha", "double (default: 0.5)",
                     "Value must be a scalar for type `DataType.double`, got `[1.0]`"))}),
    ("float_in_long_array", {"arr": [1.0]},
     {("arr", _msg("arr", "long (default: [1, 2]) (shape: (-1,))", "Can not safely convert "
                   "`<class 'float'>` to `DataType.long` for value `1.0`"))}),
    ("scalar_for_array", {"arr": 5},
     {("arr", "Value must be a 1D array with shape (-1,) for param 'arr': long (default: [1, 2]) "
              "(shape: (-1,)), received int with ndim 0")}),
    ("nested_array", {"arr": [[1]]},
     {("arr", "Value must be a 1D array with shape (-1,) for param 'arr': long (default: [1, 2]) "
              "(shape: (-1,)), received list with ndim 2")}),
    ("bad_date", {"when": "garbage"},
     {("when", _msg("when", "datetime (default: 2020-01-01)",
                    "Failed to convert value `garbage` from type `<class 'str'>` to "
                    "`DataType.datetime`"))}),
    ("int_date", {"when": 5},
     {("when", _msg("when", "datetime (default: 2020-01-01)",
                    "Failed to convert value `5` from type `<class 'int'>` to "
                    "`DataType.datetime`"))}),
]


@pytest.mark.parametrize("case", INVALID_CASES, ids=[c[0] for c in INVALID_CASES])
def test_invalid_values(impl, case):
    _, given, expected = case
    exc = raises(impl, Raises("MlflowException", None, "INVALID_PARAMETER_VALUE"),
                 enforce_params, impl, given, _schema(impl))
    assert _invalid_set(str(exc)) == expected
    if len(expected) == 1:
        assert str(exc) == f"{INVALID}{expected!r}"


def test_no_params_schema(impl):
    with capture() as cap:
        assert enforce_params(impl, None, None) is None
        assert enforce_params(impl, {}, None) == {}
    assert cap.messages == []
    with capture() as cap:
        assert enforce_params(impl, {"a": 1, "b": 2}, None) == {}
    assert cap.log_messages() == [NO_SCHEMA + "Ignoring provided params: ['a', 'b']"]
    with capture() as cap:
        assert enforce_params(impl, [1], None) == {}
    assert cap.log_messages() == [NO_SCHEMA + "Ignoring invalid params (not a dictionary)."]


def test_validate_param_spec(impl):
    spec = impl.ParamSpec("alpha", "double", 0.5)
    assert impl.ParamSpec.validate_param_spec(2, spec) == 2.0
    raises(impl, Raises("MlflowException",
                        _msg("alpha", "double (default: 0.5)",
                             "Can not safely convert `<class 'str'>` to `DataType.double` for "
                             "value `x`"),
                        "INVALID_PARAMETER_VALUE"),
           impl.ParamSpec.validate_param_spec, "x", spec)


# ------------------------------------------------------------------------------ through predict


@pytest.fixture(scope="session")
def param_models(impl, ols_df, tmp_path_factory):
    res, X = ols_df
    root = tmp_path_factory.mktemp(f"params_{impl.name}")

    def build():
        with capture():
            with_params = impl.infer_signature(X, res.predict(X), dict(PARAMS))
            without = impl.infer_signature(X, res.predict(X))
            impl.save_model(res, str(root / "p"), signature=with_params,
                            pip_requirements=FAST_REQS)
            impl.save_model(res, str(root / "n"), signature=without, pip_requirements=FAST_REQS)
            return impl.pyfunc_load(str(root / "p")), impl.pyfunc_load(str(root / "n"))

    return built_with(impl, build)


def test_predict_with_valid_params(impl, param_models, ols_df):
    res, X = ols_df
    model, _ = param_models
    with capture() as cap:
        out = model.predict(X.iloc[:3], params={"alpha": 1, "arr": [5]})
    np.testing.assert_allclose(np.asarray(out), res.predict(X.iloc[:3]).to_numpy(), atol=1e-12)
    assert cap.messages == []
    assert model.metadata.get_params_schema() == _schema(impl)


def test_predict_with_unknown_params(impl, param_models, ols_df):
    res, X = ols_df
    model, _ = param_models
    with capture() as cap:
        out = model.predict(X.iloc[:3], params={"zzz": 1})
    np.testing.assert_allclose(np.asarray(out), res.predict(X.iloc[:3]).to_numpy(), atol=1e-12)
    assert _unrecognized(cap.log_messages()) == [({"zzz"}, set(PARAMS))]


def test_predict_with_invalid_params(impl, param_models, ols_df):
    _, X = ols_df
    model, _ = param_models
    outcome = run(model.predict, X.iloc[:3], params={"alpha": "x", "n": 1.5})
    assert isinstance(outcome.exc, impl.MlflowException)
    assert outcome.exc.error_code == "INVALID_PARAMETER_VALUE"
    assert _invalid_set(str(outcome.exc)) == INVALID_CASES[1][2]  # not wrapped
    outcome = run(model.predict, X.iloc[:3], params=[1])
    assert str(outcome.exc) == "Parameters must be a dictionary. Got type 'list'."


def test_predict_data_error_comes_before_params_error(impl, param_models, ols_df):
    _, X = ols_df
    model, _ = param_models
    outcome = run(model.predict, X.iloc[:2][["x1"]], params={"alpha": "x"})
    assert str(outcome.exc).endswith("Error: Model is missing inputs ['const', 'x2'].")


def test_predict_params_without_schema(impl, param_models, ols_df):
    res, X = ols_df
    _, model = param_models
    with capture() as cap:
        out = model.predict(X.iloc[:3], params={"alpha": 0.1})
    np.testing.assert_allclose(np.asarray(out), res.predict(X.iloc[:3]).to_numpy(), atol=1e-12)
    assert cap.log_messages() == [NO_SCHEMA + "Ignoring provided params: ['alpha']"]
    with capture() as cap:
        model.predict(X.iloc[:3], params="nonsense")
    assert cap.log_messages() == [NO_SCHEMA + "Ignoring invalid params (not a dictionary)."]
    with capture() as cap:
        model.predict(X.iloc[:3], params={})
    assert cap.messages == []
