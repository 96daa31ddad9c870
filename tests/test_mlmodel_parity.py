"""mlflow_c writes the same model directory as MLflow 3.17.2 for the same arguments.

MLmodel is compared key by key (after yaml.safe_load) and as raw text once the values that must
differ between two saves (utc_time_created, model_uuid, mlflow_version, model_size_bytes) are
normalised. The environment files are compared byte for byte.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import mlflow
import mlflow.models
import mlflow.statsmodels
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec

import mlflow_c.models
import mlflow_c.statsmodels
import zoo
from rootconf import FAST_REQS

VOLATILE = ("utc_time_created", "model_uuid", "mlflow_version", "model_size_bytes")
ENV_FILES = ("conda.yaml", "python_env.yaml", "requirements.txt", "constraints.txt")
_VOLATILE_LINE = re.compile(r"^(utc_time_created|model_uuid|mlflow_version|model_size_bytes): .*$",
                            re.MULTILINE)


def _save_both(results, tmp_path, mlflow_kwargs=None, mlc_kwargs=None, results_for_mlc=None):
    ml_dir = tmp_path / "by_mlflow"
    mc_dir = tmp_path / "by_mlflow_c"
    mlflow.statsmodels.save_model(results, str(ml_dir), **(mlflow_kwargs or {}))
    mlflow_c.statsmodels.save_model(results if results_for_mlc is None else results_for_mlc,
                                    str(mc_dir), **(mlc_kwargs or mlflow_kwargs or {}))
    return ml_dir, mc_dir


def _read_mlmodel(path):
    text = (path / "MLmodel").read_text()
    return text, yaml.safe_load(text)


def assert_mlmodel_parity(ml_dir, mc_dir):
    ml_text, ml = _read_mlmodel(ml_dir)
    mc_text, mc = _read_mlmodel(mc_dir)

    for key in VOLATILE:
        assert key in mc, f"mlflow_c's MLmodel lacks {key}"
    assert isinstance(mc["mlflow_version"], str) and mc["mlflow_version"]
    assert re.fullmatch(r"[0-9a-f]{32}", mc["model_uuid"]), mc["model_uuid"]
    assert mc["model_uuid"] != ml["model_uuid"]
    created = datetime.strptime(mc["utc_time_created"], "%Y-%m-%d %H:%M:%S.%f")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    assert abs(now - created) < timedelta(minutes=5), "utc_time_created is not the UTC now"
    assert isinstance(mc["model_size_bytes"], int)
    assert abs(mc["model_size_bytes"] - ml["model_size_bytes"]) <= 0.05 * ml["model_size_bytes"]

    ml_rest = {k: v for k, v in ml.items() if k not in VOLATILE}
    mc_rest = {k: v for k, v in mc.items() if k not in VOLATILE}
    assert list(mc_rest) == list(ml_rest), "top-level keys differ"
    for key in ml_rest:
        assert mc_rest[key] == ml_rest[key], f"MLmodel[{key!r}] differs"

    def normalise(text):
        return _VOLATILE_LINE.sub(lambda m: f"{m.group(1)}: <volatile>", text)

    assert normalise(mc_text) == normalise(ml_text)


def _listing(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


def assert_env_files_identical(ml_dir, mc_dir):
    for name in ENV_FILES:
        ml_file, mc_file = ml_dir / name, mc_dir / name
        assert ml_file.exists() == mc_file.exists(), f"{name}: presence differs"
        if ml_file.exists():
            assert mc_file.read_bytes() == ml_file.read_bytes(), f"{name} differs"


def assert_same_listing(ml_dir, mc_dir):
    assert _listing(mc_dir) == _listing(ml_dir)


# ------------------------------------------------------------------ MLmodel


def _long_column_signature():
    return ModelSignature(
        inputs=Schema([ColSpec("double", "const"), ColSpec("double", "first_regressor"),
                       ColSpec("double", "second_regressor", required=False),
                       ColSpec("long", "a_count"), ColSpec("string", "label")]),
        outputs=Schema([ColSpec("double", "prediction")]),
        params=ParamSchema([ParamSpec("alpha", "double", 0.5),
                            ParamSpec("method", "string", "pinv"),
                            ParamSpec("flags", "boolean", [True, False], shape=(-1,))]),
    )


def _tensor_signature():
    return ModelSignature(inputs=Schema([TensorSpec(np.dtype("float64"), (-1, 3))]),
                          outputs=Schema([TensorSpec(np.dtype("float64"), (-1,))]))


def test_plain_save_mlmodel_parity(ols_results, tmp_path):
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, {"pip_requirements": FAST_REQS})
    assert_mlmodel_parity(ml_dir, mc_dir)
    assert_env_files_identical(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)
    _, mc = _read_mlmodel(mc_dir)
    assert mc["flavors"]["python_function"]["loader_module"] == "mlflow.statsmodels"
    assert "code" not in mc["flavors"]["python_function"]
    assert mc["flavors"]["statsmodels"]["code"] is None


@pytest.mark.parametrize("name", ["arima", "gee", "mnlogit", "holt_winters", "rolling_ols"])
def test_mlmodel_parity_across_model_kinds(zoo_results, name, tmp_path):
    ml_dir, mc_dir = _save_both(zoo_results(name), tmp_path, {"pip_requirements": FAST_REQS})
    assert_mlmodel_parity(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)


def test_code_paths_and_metadata_mlmodel_parity(ols_results, tmp_path):
    src = tmp_path / "src"
    (src / "pkg" / "sub").mkdir(parents=True)
    (src / "helpers.py").write_text("def f():\n    return 1\n")
    (src / "pkg" / "__init__.py").write_text("")
    (src / "pkg" / "sub" / "data.txt").write_text("payload")
    metadata = {"owner": "stats team", "version": 3, "tags": ["a", "b"],
                "nested": {"k": 1.5, "flag": True, "none": None}}
    kwargs = {"pip_requirements": FAST_REQS, "metadata": metadata,
              "code_paths": [str(src / "helpers.py"), str(src / "pkg")]}
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, kwargs)
    assert_mlmodel_parity(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)
    for rel in ("code/helpers.py", "code/pkg/__init__.py", "code/pkg/sub/data.txt"):
        assert (mc_dir / rel).read_bytes() == (ml_dir / rel).read_bytes()
    _, mc = _read_mlmodel(mc_dir)
    assert mc["flavors"]["python_function"]["code"] == "code"
    assert mc["flavors"]["statsmodels"]["code"] == "code"
    assert mc["metadata"] == metadata


_EDGE_ARGUMENTS = {
    "empty-metadata": {"metadata": {}},
    "empty-code-paths": {"code_paths": []},
    "empty-extra-files": {"extra_files": []},
    "explicit-defaults": {"remove_data": False, "signature": None, "input_example": None,
                          "mlflow_model": None, "conda_env": None},
    "empty-pip-list": {"pip_requirements": []},
    "empty-requirements-file": {"pip_requirements": "<empty file>"},
}


@pytest.mark.parametrize("case", list(_EDGE_ARGUMENTS))
def test_edge_arguments_parity(ols_results, tmp_path, case):
    kwargs = {"pip_requirements": FAST_REQS, **_EDGE_ARGUMENTS[case]}
    if kwargs["pip_requirements"] == "<empty file>":
        kwargs["pip_requirements"] = _write(tmp_path / "empty.txt", "")
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, kwargs)
    assert_mlmodel_parity(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)
    assert_env_files_identical(ml_dir, mc_dir)


def test_tricky_metadata_mlmodel_parity(ols_results, tmp_path):
    metadata = {
        "multi_line": "line one\nline two\n",
        "unicode": "caf\u00e9 \u4e2d\u6587 \U0001f600",
        "yaml_words": ["yes", "no", "null", "~", "true", "1.0", "0x10", "2024-01-01"],
        "punctuation": "a: b # c, [d] {e} 'f' \"g\" & * ! | > %",
        "numbers": {"small": 1e-05, "big": 2 ** 70, "negative": -3, "inf": float("inf")},
        "empty": {"string": "", "list": [], "dict": {}},
        "nested": [{"k": [1, {"deep": None}]}, [True, False]],
        " leading space": "trailing space ",
        "long": "word " * 40,
    }
    kwargs = {"pip_requirements": FAST_REQS, "metadata": metadata}
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, kwargs)
    assert_mlmodel_parity(ml_dir, mc_dir)
    _, mc = _read_mlmodel(mc_dir)
    assert mc["metadata"] == metadata


def test_extra_files_mlmodel_parity(ols_results, tmp_path):
    extra = tmp_path / "notes.txt"
    extra.write_text("extra file contents\n")
    kwargs = {"pip_requirements": FAST_REQS, "extra_files": [str(extra)]}
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, kwargs)
    assert_mlmodel_parity(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)
    assert (mc_dir / "extra_files" / "notes.txt").read_text() == "extra file contents\n"


@pytest.mark.parametrize("make_signature", [_tensor_signature, _long_column_signature],
                         ids=["tensor", "columns-with-params"])
def test_signature_object_mlmodel_parity(ols_results, tmp_path, make_signature):
    kwargs = {"pip_requirements": FAST_REQS, "signature": make_signature()}
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, kwargs)
    assert_mlmodel_parity(ml_dir, mc_dir)
    _, mc = _read_mlmodel(mc_dir)
    assert mc["is_signature_from_type_hint"] is False
    assert mc["type_hint_from_example"] is False


def test_signature_dict_mlmodel_parity(ols_results, tmp_path):
    signature = _long_column_signature()
    ml_dir, mc_dir = _save_both(
        ols_results, tmp_path,
        mlflow_kwargs={"pip_requirements": FAST_REQS, "signature": signature},
        mlc_kwargs={"pip_requirements": FAST_REQS, "signature": signature.to_dict()})
    assert_mlmodel_parity(ml_dir, mc_dir)


def test_signature_dict_without_params_key_mlmodel_parity(ols_results, tmp_path):
    signature = _tensor_signature()
    as_dict = signature.to_dict()
    as_dict["params"] = None
    ml_dir, mc_dir = _save_both(
        ols_results, tmp_path,
        mlflow_kwargs={"pip_requirements": FAST_REQS, "signature": signature},
        mlc_kwargs={"pip_requirements": FAST_REQS, "signature": as_dict})
    assert_mlmodel_parity(ml_dir, mc_dir)


@pytest.mark.parametrize("kind", ["ndarray", "dataframe"])
def test_input_example_files_parity(ols_results, ols_new_X, tmp_path, kind):
    if kind == "ndarray":
        example = ols_new_X[:3]
    else:
        example = pd.DataFrame(ols_new_X[:3], columns=["const", "x1", "x2"])
    signature = mlflow.models.infer_signature(example, ols_results.predict(ols_new_X[:3]))
    kwargs = {"pip_requirements": FAST_REQS, "signature": signature, "input_example": example}
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, kwargs)
    assert_mlmodel_parity(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)
    for name in ("input_example.json", "serving_input_example.json"):
        assert (mc_dir / name).read_bytes() == (ml_dir / name).read_bytes(), name


_MORE_EXAMPLES = {
    "mixed-frame": lambda: pd.DataFrame({"a": [1, 2, 3], "b": [1.5, 0.25, 2.0],
                                         "c": ["x", "y", "z"], "d": [True, False, True]}),
    "range-columns-frame": lambda: pd.DataFrame(np.arange(6.0).reshape(2, 3)),
    "frame-with-index": lambda: pd.DataFrame({"a": [1.0, 2.0]}, index=[10, 20]),
    "int-array": lambda: np.arange(6).reshape(2, 3),
    "array-with-nan-inf": lambda: np.array([[1.0, np.nan], [np.inf, -2.0]]),
    "vector": lambda: np.array([1.0, 2.0, 3.0]),
    "float32-array": lambda: np.ones((2, 2), dtype=np.float32),
}


@pytest.mark.parametrize("case", list(_MORE_EXAMPLES))
def test_more_input_example_files_parity(ols_results, tmp_path, case):
    example = _MORE_EXAMPLES[case]()
    kwargs = {"pip_requirements": FAST_REQS, "input_example": example,
              "signature": mlflow.models.infer_signature(example)}
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, kwargs)
    assert_mlmodel_parity(ml_dir, mc_dir)
    for name in ("input_example.json", "serving_input_example.json"):
        assert (mc_dir / name).read_bytes() == (ml_dir / name).read_bytes(), name


def test_mlflow_model_argument_fields_are_kept(ols_results, tmp_path):
    fixed = {"utc_time_created": "2024-05-06 07:08:09.101112",
             "model_uuid": "00112233445566778899aabbccddeeff",
             "metadata": {"from": "mlflow_model"}}
    ml_dir, mc_dir = _save_both(
        ols_results, tmp_path,
        mlflow_kwargs={"pip_requirements": FAST_REQS, "mlflow_model": mlflow.models.Model(**fixed)},
        mlc_kwargs={"pip_requirements": FAST_REQS,
                    "mlflow_model": mlflow_c.models.Model(**fixed)})
    _, ml = _read_mlmodel(ml_dir)
    _, mc = _read_mlmodel(mc_dir)
    assert mc["utc_time_created"] == ml["utc_time_created"] == fixed["utc_time_created"]
    assert mc["model_uuid"] == ml["model_uuid"] == fixed["model_uuid"]
    assert mc["metadata"] == {"from": "mlflow_model"}
    ml_text = (ml_dir / "MLmodel").read_text()
    mc_text = (mc_dir / "MLmodel").read_text()
    size = re.compile(r"^model_size_bytes: .*$", re.MULTILINE)
    version = re.compile(r"^mlflow_version: .*$", re.MULTILINE)
    assert version.sub("", size.sub("", mc_text)) == version.sub("", size.sub("", ml_text))


def test_remove_data_mlmodel_parity_and_sizes(tmp_path):
    entry = zoo.BY_NAME["ols"]
    ml_dir, mc_dir = _save_both(entry.fit(), tmp_path,
                                {"pip_requirements": FAST_REQS, "remove_data": True},
                                results_for_mlc=entry.fit())
    assert_mlmodel_parity(ml_dir, mc_dir)
    ml_size = (ml_dir / "model.statsmodels").stat().st_size
    mc_size = (mc_dir / "model.statsmodels").stat().st_size
    assert abs(mc_size - ml_size) <= 0.05 * ml_size


def test_mlmodel_parity_is_not_vacuous(ols_results, tmp_path):
    """The comparison helper notices a real difference (metadata on one side only)."""
    ml_dir, mc_dir = _save_both(
        ols_results, tmp_path,
        mlflow_kwargs={"pip_requirements": FAST_REQS},
        mlc_kwargs={"pip_requirements": FAST_REQS, "metadata": {"only": "mlflow_c"}})
    with pytest.raises(AssertionError):
        assert_mlmodel_parity(ml_dir, mc_dir)


# ------------------------------------------------------------------ environment files


def _write(path, text):
    path.write_text(text)
    return str(path)


def _pip_cases(tmp_path):
    """(id, pip_requirements) for equal-argument comparisons; files are created under tmp_path."""
    reqs = _write(tmp_path / "reqs.txt",
                  "# a comment line\n\nstatsmodels\nnumpy>=1.20  # inline comment\n")
    cons = _write(tmp_path / "cons.txt", "numpy<3\n# only constraints here\nscipy!=0.1\n")
    inner_dir = tmp_path / "nested"
    inner_dir.mkdir()
    _write(inner_dir / "inner.txt", "pandas\n")
    outer = _write(inner_dir / "outer.txt", "-r inner.txt\nscipy\n")
    return {
        "single": ["statsmodels"],
        "pinned-and-unpinned": ["statsmodels==0.15.0", "numpy>=1.0", "pandas"],
        "file-path": reqs,
        "dash-r": [f"-r {reqs}", "pandas"],
        "dash-c": ["statsmodels", f"-c {cons}"],
        "dash-r-nested-relative": [f"-r {outer}"],
        "blank-and-comments": ["", "  ", "# nothing", "statsmodels"],
        "mlflow-already-pinned": ["mlflow==3.17.2", "statsmodels"],
        "mlflow-skinny": ["mlflow-skinny", "statsmodels"],
        "mlflow-mixed-case": ["MLflow>=2", "statsmodels"],
        "mlflow-git-url": ["git+https://github.com/mlflow/mlflow.git@master", "statsmodels"],
        "mlflow-direct-ref": ["mlflow @ git+https://github.com/mlflow/mlflow@branch"],
        "dedup-pin-wins": ["statsmodels", "statsmodels==0.15.0"],
        "dedup-extras-merge": ["pkga[x]", "pkga[y]>=1"],
        "dedup-identical": ["numpy", "numpy"],
        "tuple-iterable": ("statsmodels", "scipy"),
    }


_PIP_CASE_IDS = [
    "single", "pinned-and-unpinned", "file-path", "dash-r", "dash-c", "dash-r-nested-relative",
    "blank-and-comments", "mlflow-already-pinned", "mlflow-skinny", "mlflow-mixed-case",
    "mlflow-git-url", "mlflow-direct-ref", "dedup-pin-wins", "dedup-extras-merge",
    "dedup-identical", "tuple-iterable",
]


@pytest.mark.parametrize("case_id", _PIP_CASE_IDS)
def test_pip_requirements_env_files_identical(ols_results, tmp_path, case_id):
    pip_requirements = _pip_cases(tmp_path)[case_id]
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, {"pip_requirements": pip_requirements})
    assert_env_files_identical(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)


def _conda_cases(tmp_path):
    cons = _write(tmp_path / "cons.txt", "numpy<3")
    base = {"name": "custom-env", "channels": ["defaults", "conda-forge"]}
    return {
        "dict": {**base, "dependencies": ["python=3.9", {"pip": ["statsmodels"]}]},
        "dict-no-pip-section": {**base, "dependencies": ["python=3.10", "numpy=1.26"]},
        "dict-with-mlflow": {**base, "dependencies": ["python=3.11", "pip",
                                                       {"pip": ["mlflow", "statsmodels"]}]},
        "dict-with-constraints": {**base, "dependencies": [
            "python=3.11", {"pip": ["statsmodels", f"-c {cons}"]}]},
        "dict-duplicates-kept": {**base, "dependencies": [
            {"pip": ["statsmodels", "statsmodels==0.15.0", "numpy", "numpy"]}]},
        "default-env-plus-pytest": _default_env_plus_pytest(),
    }


def _default_env_plus_pytest():
    env = mlflow.statsmodels.get_default_conda_env()
    env["dependencies"].append("pytest")
    return env


_CONDA_CASE_IDS = ["dict", "dict-no-pip-section", "dict-with-mlflow", "dict-with-constraints",
                   "dict-duplicates-kept", "default-env-plus-pytest"]


@pytest.mark.parametrize("case_id", _CONDA_CASE_IDS)
@pytest.mark.parametrize("as_file", [False, True], ids=["as-dict", "as-yaml-file"])
def test_conda_env_env_files_identical(ols_results, tmp_path, case_id, as_file):
    conda_env = _conda_cases(tmp_path)[case_id]
    if as_file:
        conda_env = _write(tmp_path / "env.yaml", yaml.safe_dump(conda_env))
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, {"conda_env": conda_env})
    assert_env_files_identical(ml_dir, mc_dir)
    assert_same_listing(ml_dir, mc_dir)


def test_conda_env_dict_is_not_mutated(ols_results, tmp_path):
    env = {"name": "e", "channels": ["defaults"], "dependencies": ["python=3.9",
                                                                   {"pip": ["statsmodels"]}]}
    snapshot = yaml.safe_dump(env)
    mlflow_c.statsmodels.save_model(ols_results, str(tmp_path / "m"), conda_env=env)
    assert yaml.safe_dump(env) == snapshot


@pytest.fixture(scope="module")
def default_pair(ols_results, tmp_path_factory):
    """Both libraries with no requirement argument (MLflow runs its inference subprocess)."""
    return _save_both(ols_results, tmp_path_factory.mktemp("defaults"))


def test_default_requirements_env_files_identical(default_pair):
    ml_dir, mc_dir = default_pair
    assert_env_files_identical(ml_dir, mc_dir)
    assert_mlmodel_parity(ml_dir, mc_dir)


@pytest.mark.parametrize("name", ["arima", "gee"])
def test_default_requirements_of_other_models_env_files_identical(zoo_results, tmp_path, name):
    ml_dir, mc_dir = _save_both(zoo_results(name), tmp_path)
    assert_env_files_identical(ml_dir, mc_dir)


def test_extra_pip_requirements_env_files_identical(ols_results, tmp_path):
    extras = ["pandas", "requests>=2", "statsmodels"]
    ml_dir, mc_dir = _save_both(ols_results, tmp_path, {"extra_pip_requirements": extras})
    assert_env_files_identical(ml_dir, mc_dir)
    requirements = (mc_dir / "requirements.txt").read_text().split("\n")
    assert requirements[0] == "mlflow==3.17.2"
    assert requirements[-1] == "requests>=2"

