"""log_model (MLflow 3 logged models), the registry, and loading by runs:/ and models:/ URIs.

The writer logs a statsmodels OLS results object with ``<impl>.statsmodels.log_model``; the
reader sees the logged model, the run's outputs and the registered versions, and loads the model
(natively and as pyfunc) with predictions equal to the original results'.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import time

import numpy as np
import pytest

from trackconf import (
    captured_logs,
    context_tags,
    file_info_view,
    logged_model_view,
    model_version_view,
    raises_mlflow,
    registered_model_view,
    user_tags,
)

MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")
MODEL_FILES = ["MLmodel", "conda.yaml", "model.statsmodels", "python_env.yaml",
               "requirements.txt"]


def _same_predictions(loaded, ols, *, pyfunc: bool) -> None:
    results, new_X, expected = ols
    if pyfunc:
        got = np.asarray(loaded.predict(new_X))
    else:
        np.testing.assert_array_equal(np.asarray(loaded.params), np.asarray(results.params))
        got = np.asarray(loaded.predict(new_X))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_log_model_in_a_run(rt, ols):
    w = rt.w.api
    exp = w.set_experiment("models")
    with w.start_run() as run:
        w.log_param("alpha", 1)
        w.log_metric("acc", 0.5)
        w.log_metric("acc", 0.7, step=1)
        info = rt.w.log_model(ols[0], name="model", params={"p": 2}, tags={"t": "x"})
        assert w.active_run().info.run_id == run.info.run_id
    rid = run.info.run_id
    mid = info.model_id
    assert MODEL_ID.match(mid)
    assert info.model_uri == f"models:/{mid}"
    assert info.model_uuid == mid
    assert info.run_id == rid
    assert info.name == "model"
    location = f"{exp.artifact_location}/models/{mid}/artifacts"
    assert info.artifact_path == location
    assert info.params == {"p": "2", "alpha": "1"}  # the run's params join the model's
    assert user_tags(info.tags) == {"t": "x", **context_tags()}
    assert info.registered_model_version is None
    assert set(info.flavors) == {"python_function", "statsmodels"}
    assert info.flavors["python_function"]["loader_module"] == "mlflow.statsmodels"
    assert info.signature is None and info.saved_input_example_info is None
    # QUIRK: ModelInfo.metrics comes from the PENDING snapshot: None (SQLite) or [] (file)
    assert info.metrics == rt.by_store(sqlite=None, file=[])

    model = rt.same_logged_model(mid)
    assert model.model_id == mid and model.name == "model"
    assert model.experiment_id == exp.experiment_id
    assert model.source_run_id == rid
    assert model.artifact_location == location
    assert model.model_uri == f"models:/{mid}"
    assert logged_model_view(model)["status"] == "READY"
    assert model.creation_timestamp == info.creation_timestamp
    assert model.last_updated_timestamp >= model.creation_timestamp
    assert model.params == {"p": "2", "alpha": "1"}
    assert user_tags(model.tags) == {"t": "x", **context_tags()}
    # the run's metrics at the model's step (0) are copied to the model
    (metric,) = model.metrics
    assert (metric.key, metric.value, metric.step, metric.model_id, metric.run_id) == \
        ("acc", 0.5, 0, mid, rid)

    got = rt.same_run(rid)
    assert got.outputs.model_outputs[0].model_id == mid
    assert [(o.model_id, o.step) for o in got.outputs.model_outputs] == [(mid, 0)]
    assert got.data.metrics == {"acc": 0.7}
    history = rt.same_history(rid, "acc")
    # QUIRK Q31: MLflow's copy of the metric to the model logs it to the run again; its file
    # store keeps both lines, the SQLite store's primary key folds them into one. mlflow_c
    # (deliberately) never duplicates the run's line.
    duplicated = [(0.5, 0), (0.5, 0), (0.7, 1)] if not rt.w.is_c else [(0.5, 0), (0.7, 1)]
    assert sorted((v, step) for _, v, _, step, *_ in history) == rt.by_store(
        sqlite=[(0.5, 0), (0.7, 1)], file=duplicated)

    found = rt.r.client.search_logged_models(experiment_ids=[exp.experiment_id])
    assert [m.model_id for m in found] == [mid]
    on_disk = rt.local_path(location)
    assert sorted(p.name for p in on_disk.iterdir()) == MODEL_FILES
    # the run lists the model under its name (3.x: from the logged model, not the run's files)
    assert [p for p, _, _ in file_info_view(rt.r.client.list_artifacts(rid, "model"))] == \
        [f"model/{name}" for name in MODEL_FILES]
    assert rt.r.client.list_artifacts(rid) == []


def test_load_model_by_every_uri(rt, ols):
    w = rt.w.api
    with w.start_run() as run:
        info = rt.w.log_model(ols[0], name="model", registered_model_name="reg")
    assert info.registered_model_version == 1
    rt.w.client.set_registered_model_alias("reg", "champ", "1")
    uris = [f"runs:/{run.info.run_id}/model", info.model_uri, "models:/reg/1",
            "models:/reg@champ", "models:/reg/latest"]
    for side in (rt.r, rt.w):
        side.api  # noqa: B018 - binds the side's fluent tracking/registry URI to the store
        for uri in uris:
            _same_predictions(side.statsmodels.load_model(uri), ols, pyfunc=False)
            _same_predictions(side.pyfunc.load_model(uri), ols, pyfunc=True)


def test_registered_versions(rt, ols):
    w = rt.w.api
    exp = w.set_experiment("registry")
    err = io.StringIO()
    infos, runs = [], []
    with contextlib.redirect_stderr(err):
        for i in range(2):
            with w.start_run() as run:
                w.log_param("i", i)
                infos.append(rt.w.log_model(ols[0], name="model", registered_model_name="reg",
                                            tags={"t": f"v{i}"}))
                runs.append(run.info.run_id)
        infos.append(rt.w.log_model(ols[0], name="model", registered_model_name="reg"))
    assert [i.registered_model_version for i in infos] == [1, 2, 3]
    assert err.getvalue().splitlines() == [
        "Successfully registered model 'reg'.",
        "Created version '1' of model 'reg'.",
        "Registered model 'reg' already exists. Creating a new version of this model...",
        "Created version '2' of model 'reg'.",
        "Registered model 'reg' already exists. Creating a new version of this model...",
        "Created version '3' of model 'reg'."]

    mine = registered_model_view(rt.w.client.get_registered_model("reg"))
    reg = rt.r.client.get_registered_model("reg")
    assert isinstance(reg, rt.r.model_registry.RegisteredModel)
    assert registered_model_view(reg) == mine
    assert reg.name == "reg" and reg.aliases == {} and reg.tags == {}
    assert [str(v.version) for v in reg.latest_versions] == ["3"]

    for n, info in enumerate(infos, start=1):
        version = rt.r.client.get_model_version("reg", str(n))
        assert isinstance(version, rt.r.model_registry.ModelVersion)
        assert model_version_view(version) == model_version_view(
            rt.w.client.get_model_version("reg", str(n)))
        assert int(version.version) == n
        assert version.source == f"models:/{info.model_id}"
        assert version.run_id == (runs[n - 1] if n <= 2 else None)
        assert version.status == "READY"
        assert version.current_stage == "None"
        # the version takes the logged model's user tags (not the mlflow.* ones)
        assert version.tags == ({"t": f"v{n - 1}"} if n <= 2 else {})
        # QUIRK: only the file registry fills model_id, params and metrics of a version
        assert version.model_id == rt.by_store(sqlite=None, file=info.model_id)
        assert version.params == rt.by_store(sqlite=None,
                                             file=({"i": str(n - 1)} if n <= 2 else {}))
        model = rt.same_logged_model(info.model_id)
        assert model.tags["mlflow.modelVersions"] == f'[{{"name": "reg", "version": {n}}}]'
        assert model.experiment_id == exp.experiment_id
    assert [m.name for m in rt.r.client.search_registered_models()] == ["reg"]
    latest = rt.r.client.get_latest_versions("reg")
    assert [int(v.version) for v in latest] == [3]

    rt.w.client.set_registered_model_alias("reg", "prod", "2")
    by_alias = rt.r.client.get_model_version_by_alias("reg", "prod")
    assert int(by_alias.version) == 2 and by_alias.aliases == ["prod"]
    # QUIRK: the SQLite registry gives the aliased version as an int, the file registry a str
    assert rt.r.client.get_registered_model("reg").aliases == {"prod": rt.by_store(sqlite=2,
                                                                                   file="2")}


def test_client_registry_calls(rt, ols):
    client = rt.w.client
    client.create_registered_model("manual", tags={"k": "v"}, description="by hand")
    with rt.w.api.start_run() as run:
        info = rt.w.log_model(ols[0], name="model")
    mv = client.create_model_version("manual", info.model_uri, run_id=run.info.run_id,
                                     tags={"vt": "1"}, description="first")
    assert int(mv.version) == 1
    reg = rt.r.client.get_registered_model("manual")
    assert registered_model_view(reg) == registered_model_view(
        client.get_registered_model("manual"))
    assert reg.tags == {"k": "v"} and reg.description == "by hand"
    version = rt.r.client.get_model_version("manual", "1")
    assert version.tags == {"vt": "1"} and version.description == "first"
    assert version.source == info.model_uri and version.run_id == run.info.run_id


def test_register_model_fluent(rt, ols):
    w = rt.w.api
    with w.start_run() as run:
        info = rt.w.log_model(ols[0], name="model")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        mv = w.register_model(info.model_uri, "via-register")
    assert err.getvalue().splitlines() == ["Successfully registered model 'via-register'.",
                                           "Created version '1' of model 'via-register'."]
    assert int(mv.version) == 1 and mv.name == "via-register"
    got = rt.r.client.get_model_version("via-register", "1")
    assert model_version_view(got) == model_version_view(mv)
    assert got.source == info.model_uri and got.run_id == run.info.run_id


def test_log_model_without_an_active_run(rt, ols):
    w = rt.w.api
    exp = w.set_experiment("no-run")
    info = rt.w.log_model(ols[0], name="loose", params={"only": "mine"},
                          registered_model_name="loose-reg")
    assert w.active_run() is None  # MLflow 3 logs the model without starting a run
    assert info.run_id is None
    assert info.params == {"only": "mine"}
    assert info.registered_model_version == 1
    model = rt.same_logged_model(info.model_id)
    assert model.source_run_id is None
    assert model.experiment_id == exp.experiment_id
    assert model.metrics == rt.by_store(sqlite=None, file=[])  # no run, no metrics
    assert rt.r.client.search_runs([exp.experiment_id]) == []
    version = rt.r.client.get_model_version("loose-reg", "1")
    assert version.run_id is None and version.source == info.model_uri
    rt.r.api  # noqa: B018
    _same_predictions(rt.r.statsmodels.load_model(info.model_uri), ols, pyfunc=False)
    _same_predictions(rt.r.pyfunc.load_model("models:/loose-reg/1"), ols, pyfunc=True)


def test_artifact_path_is_the_deprecated_spelling(rt, ols):
    w = rt.w.api
    with w.start_run() as run:
        with captured_logs(logging.WARNING) as logs:
            info = rt.w.log_model(ols[0], "legacy")  # artifact_path, positionally
        assert logs.at(logging.WARNING) == [
            "`artifact_path` is deprecated. Please use `name` instead."]
        raises_mlflow(rt.w, rt.w.log_model, ols[0], "legacy", name="other",
                      code="INVALID_PARAMETER_VALUE",
                      message="Both `artifact_path` (deprecated) and `name` parameters were "
                              "specified. Please only specify `name`.")
    assert info.name == "legacy"
    model = rt.same_logged_model(info.model_id)
    assert model.name == "legacy" and model.source_run_id == run.info.run_id
    found = rt.r.client.search_logged_models(experiment_ids=[model.experiment_id])
    assert [m.model_id for m in found] == [info.model_id]  # the refused call logged nothing
    rt.r.api  # noqa: B018
    _same_predictions(rt.r.statsmodels.load_model(f"runs:/{run.info.run_id}/legacy"), ols,
                      pyfunc=False)


def test_last_logged_model_and_search(rt, ols):
    w = rt.w.api
    exp = w.set_experiment("several")
    with w.start_run():
        first = rt.w.log_model(ols[0], name="first", model_type="ols")
        time.sleep(0.005)  # distinct creation timestamps: the order below is by them
        second = rt.w.log_model(ols[0], name="second")
    last = w.last_logged_model()
    assert last.model_id == second.model_id
    assert logged_model_view(last) == logged_model_view(
        rt.r.client.get_logged_model(second.model_id))
    client = rt.r.client
    newest_first = client.search_logged_models(experiment_ids=[exp.experiment_id])
    assert [m.model_id for m in newest_first] == [second.model_id, first.model_id]
    oldest_first = client.search_logged_models(
        experiment_ids=[exp.experiment_id],
        order_by=[{"field_name": "creation_timestamp", "ascending": True}])
    assert [m.model_id for m in oldest_first] == [first.model_id, second.model_id]
    named = client.search_logged_models(experiment_ids=[exp.experiment_id],
                                        filter_string="name = 'first'")
    assert [m.model_id for m in named] == [first.model_id]
    assert named[0].model_type == "ols"
    assert [m.model_id for m in client.search_logged_models(
        experiment_ids=[exp.experiment_id], max_results=1)] == [second.model_id]


@pytest.mark.parametrize("how", ["models-uri", "name"])
def test_bad_model_uris(rt, ols, how):
    w = rt.w.api
    with w.start_run():
        rt.w.log_model(ols[0], name="model", registered_model_name="reg")
    r = rt.r
    r.api  # noqa: B018
    if how == "name":
        raises_mlflow(r, r.statsmodels.load_model, "models:/nosuch/1",
                      code="RESOURCE_DOES_NOT_EXIST",
                      message="Registered Model with name=nosuch not found")
        raises_mlflow(r, r.statsmodels.load_model, "models:/reg/7",
                      code="RESOURCE_DOES_NOT_EXIST",
                      message="Model Version (name=reg, version=7) not found")
    else:
        mid = "m-" + "0" * 32
        raises_mlflow(r, r.pyfunc.load_model, f"models:/{mid}", code="RESOURCE_DOES_NOT_EXIST",
                      message=rt.by_store(sqlite=f"Logged model with ID '{mid}' not found.",
                                          file=f"Model '{mid}' not found"))


def test_user_params_win_over_run_params(rt, ols):
    # QUIRK Q32: MLflow overwrites log_model's params with the run's params of the same name;
    # mlflow_c keeps what the caller passed (deliberate difference).
    w = rt.w.api
    with w.start_run():
        w.log_param("alpha", "run")
        info = rt.w.log_model(ols[0], name="model", params={"alpha": "user", "beta": 1})
    expected = {"alpha": "user" if rt.w.is_c else "run", "beta": "1"}
    assert info.params == expected
    assert rt.same_logged_model(info.model_id).params == expected
