"""Bad input: MLflow's exception types, error codes and messages; the store is left unchanged.

The writer makes the bad call; the reader checks that nothing (or exactly what MLflow keeps)
reached the store. Store-dependent MLflow messages are written with ``rt.by_store``.
"""

from __future__ import annotations

import logging

import pytest

from trackconf import captured_logs, raises_mlflow

BAD_CHARS = ("Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), "
             "spaces ( ), colon(:) and slashes (/).")


def _bad_path(resolved: str) -> str:
    return ("Names may be treated as files in certain cases, and must not resolve to other names "
            f"when treated as such. This name would resolve to {resolved!r}")


def _invalid(value_json: str, path: str, why: str) -> str:
    return f"Invalid value {value_json} for parameter '{path}' supplied: {why}"


# name -> (json of the name in the message, reason)
BAD_NAMES = {
    "bad name!": ('"bad name!"', BAD_CHARS),
    "tab\there": ('"tab\\there"', BAD_CHARS),
    "..": ('".."', _bad_path("..")),
    "/abs": ('"/abs"', _bad_path("/abs")),
    "a//b": ('"a//b"', _bad_path("a/b")),
    "a/./b": ('"a/./b"', _bad_path("a/b")),
    "trailing/": ('"trailing/"', _bad_path("trailing")),
    "": ('""', _bad_path(".")),
}


@pytest.mark.parametrize("name", list(BAD_NAMES), ids=[repr(n) for n in BAD_NAMES])
def test_invalid_names(rt, name):
    w = rt.w.api
    shown, why = BAD_NAMES[name]
    code = "INVALID_PARAMETER_VALUE"
    with w.start_run() as run:
        # a single log_param appends MLflow's long help text; batches and the rest do not
        raises_mlflow(rt.w, w.log_param, name, 1, code=code,
                      message=_invalid(shown, "key", why) + rt.w.param_help)
        raises_mlflow(rt.w, w.log_params, {"ok": 1, name: 2}, code=code,
                      message=_invalid(shown, "params[1].key", why))
        raises_mlflow(rt.w, w.log_metric, name, 1.0, code=code,
                      message=_invalid(shown, "name", why))
        raises_mlflow(rt.w, w.log_metrics, {"ok": 1.0, name: 2.0}, code=code,
                      message=_invalid(shown, "metrics[1].name", why))
        raises_mlflow(rt.w, w.set_tag, name, "v", code=code, message=_invalid(shown, "key", why))
        raises_mlflow(rt.w, w.set_tags, {"ok": "v", name: "w"}, code=code,
                      message=_invalid(shown, "tags[1].key", why))
        rid = run.info.run_id
        client = rt.w.client
        raises_mlflow(rt.w, client.log_param, rid, name, 1, code=code,
                      message=_invalid(shown, "key", why) + rt.w.param_help)
        raises_mlflow(rt.w, client.log_metric, rid, name, 1.0, code=code,
                      message=_invalid(shown, "name", why))
        raises_mlflow(rt.w, client.set_tag, rid, name, "v", code=code,
                      message=_invalid(shown, "key", why))
    got = rt.same_run(run.info.run_id)
    assert got.data.params == {} and got.data.metrics == {}
    assert not {"ok"} & set(got.data.tags)


def test_missing_names(rt):
    w = rt.w.api
    code = "INVALID_PARAMETER_VALUE"
    with w.start_run() as run:
        raises_mlflow(rt.w, w.log_param, None, 1, code=code,
                      message=_invalid('""', "key", "A key name must be provided.") + rt.w.param_help)
        raises_mlflow(rt.w, w.log_metric, None, 1.0, code=code,
                      message=_invalid("null", "name", "Metric name cannot be None. A key name "
                                                       "must be provided."))
        raises_mlflow(rt.w, w.set_tag, None, "v", code=code,
                      message="Missing value for required parameter 'key'.")
    got = rt.same_run(run.info.run_id)
    assert got.data.params == {} and got.data.metrics == {}


def test_key_length_limits(rt):
    w = rt.w.api
    long_key = "k" * 251
    code = "INVALID_PARAMETER_VALUE"
    with w.start_run() as run:
        raises_mlflow(rt.w, w.log_param, long_key, 1, code=code,
                      message="'Param key' exceeds the maximum length of 250 characters"
                              + rt.w.param_help)
        raises_mlflow(rt.w, w.log_params, {long_key: 1}, code=code,
                      message="'Param key' exceeds the maximum length of 250 characters")
        raises_mlflow(rt.w, w.log_metric, long_key, 1.0, code=code,
                      message="'Metric name' exceeds the maximum length of 250 characters")
        if rt.sqlite:
            raises_mlflow(rt.w, w.set_tag, long_key, "v", code=code,
                          message="'key' exceeds the maximum length of 250 characters")
        else:
            # QUIRK: the file store has no limit on tag keys
            w.set_tag(long_key, "v")
    got = rt.same_run(run.info.run_id)
    assert got.data.params == {} and got.data.metrics == {}
    assert (long_key in got.data.tags) == (not rt.sqlite)


def test_long_values_are_truncated_with_a_warning(rt):
    w = rt.w.api
    with w.start_run() as run:
        with captured_logs(logging.WARNING) as logs:
            w.log_param("p", "x" * 6001)
            w.log_params({"q": "y" * 7000})
            w.set_tag("t", "z" * 8001)
    param_warning = ("Param value '{}...' ({} characters) is truncated to 6000 characters to "
                     "meet the length limit.")
    expected = [param_warning.format("x" * 100, 6001), param_warning.format("y" * 100, 7000)]
    if rt.sqlite:
        # only the SQLite store limits tag values (to 8000)
        expected.append(f"value '{'z' * 100}...' (8001 characters) is truncated to 8000 "
                        "characters to meet the length limit.")
    assert logs.at(logging.WARNING) == expected
    got = rt.same_run(run.info.run_id)
    assert got.data.params == {"p": "x" * 6000, "q": "y" * 6000}
    assert got.data.tags["t"] == rt.by_store(sqlite="z" * 8000, file="z" * 8001)


def test_changed_param(rt):
    w = rt.w.api
    with w.start_run() as run:
        rid = run.info.run_id
        w.log_param("p", "v")
        single = (f"Changing param values is not allowed. Param with key='p' was already logged "
                  f"with value='v' for run ID='{rid}'. Attempted logging new value 'w'.")
        raises_mlflow(rt.w, w.log_param, "p", "w", message=single + rt.w.param_help,
                      code="INVALID_PARAMETER_VALUE")
        raises_mlflow(rt.w, rt.w.client.log_param, rid, "p", "w", message=single + rt.w.param_help,
                      code="INVALID_PARAMETER_VALUE")
        # batches: the SQLite store lists every change and rolls back the whole batch; MLflow's
        # file store reports the first change as an INTERNAL_ERROR, after writing earlier new
        # keys. mlflow_c's file store (deliberately) reports INVALID_PARAMETER_VALUE and writes
        # nothing of the batch.
        got = raises_mlflow(rt.w, w.log_params, {"a_new": 1, "p": "w", "z_new": 2})
        assert (got.code, got.message) == rt.by_store(
            sqlite=("INVALID_PARAMETER_VALUE",
                    "Changing param values is not allowed. Params were already logged="
                    f"'[{{'key': 'p', 'old_value': 'v', 'new_value': 'w'}}]' for run ID='{rid}'."),
            file=("INVALID_PARAMETER_VALUE" if rt.w.is_c else "INTERNAL_ERROR", single))
    params = rt.same_run(rid).data.params
    assert params["p"] == "v" and "z_new" not in params
    if rt.w.is_c or rt.sqlite:
        assert "a_new" not in params
    if rt.sqlite:
        assert params == {"p": "v"}


def test_duplicate_param_keys_in_one_batch(rt):
    with rt.w.api.start_run() as run:
        P = rt.w.Param
        raises_mlflow(rt.w, rt.w.client.log_batch, run.info.run_id,
                      params=[P("zz", "1"), P("zz", "2")], code="INVALID_PARAMETER_VALUE",
                      message="Duplicate parameter keys have been submitted: ['zz']. Please "
                              "ensure the request contains only one param value per param key.")
    assert rt.same_run(run.info.run_id).data.params == {}


def test_invalid_metric_values(rt):
    w = rt.w.api
    code = "INVALID_PARAMETER_VALUE"
    with w.start_run() as run:
        raises_mlflow(rt.w, w.log_metric, "m", "abc", timestamp=123, code=code,
                      message=_invalid('"abc"', "value", "(timestamp=123). Please specify value "
                                       "as a valid double (64-bit floating point)"))
        got = raises_mlflow(rt.w, w.log_metric, "m", "abc", code=code)
        assert got.message.startswith('Invalid value "abc" for parameter \'value\' supplied: '
                                      "(timestamp=")
        raises_mlflow(rt.w, w.log_metrics, {"ok": 1.0, "m": "abc"}, timestamp=7, code=code,
                      message=_invalid('"abc"', "metrics[1].value", "(timestamp=7). Please "
                                       "specify value as a valid double (64-bit floating point)"))
        raises_mlflow(rt.w, w.log_metric, "m", None, code=code,
                      message="Missing value for required parameter 'value'.")
        raises_mlflow(rt.w, w.log_metric, "m", 1.0, timestamp=-1, code=code,
                      message=_invalid("-1", "timestamp", "metric 'm' (value=1.0). Timestamp "
                                       "must be a nonnegative long (64-bit integer) "))
        raises_mlflow(rt.w, w.log_metric, "m", 1.0, step="a", code=code,
                      message=_invalid('"a"', "step", "metric 'm' (value=1.0). Step must be a "
                                       "valid long (64-bit integer)."))
        # values float() refuses are a TypeError, raised before any validation
        for bad in ([1], {"a": 1}, 1j):
            with pytest.raises(TypeError):
                w.log_metric("m", bad)
    got = rt.same_run(run.info.run_id)
    assert got.data.metrics == {}


def test_unknown_run_ids(rt):
    client = rt.w.client
    rid = "e" * 32
    missing = rt.by_store(sqlite=f"Run with id={rid} not found", file=f"Run '{rid}' not found")
    kw = dict(message=missing, code="RESOURCE_DOES_NOT_EXIST")
    raises_mlflow(rt.w, client.get_run, rid, **kw)
    raises_mlflow(rt.w, client.log_param, rid, "a", 1, **kw)
    raises_mlflow(rt.w, client.log_metric, rid, "a", 1.0, **kw)
    raises_mlflow(rt.w, client.set_tag, rid, "a", "b", **kw)
    raises_mlflow(rt.w, client.delete_tag, rid, "a", **kw)
    raises_mlflow(rt.w, client.log_batch, rid, params=[rt.w.Param("a", "b")], **kw)
    raises_mlflow(rt.w, client.set_terminated, rid, **kw)
    raises_mlflow(rt.w, client.update_run, rid, status="FINISHED", **kw)
    raises_mlflow(rt.w, client.delete_run, rid, **kw)
    raises_mlflow(rt.w, client.list_artifacts, rid, **kw)
    raises_mlflow(rt.w, client.log_text, rid, "x", "a.txt", **kw)
    if rt.sqlite:
        # QUIRK: the SQLite store answers a history query for an unknown run with []
        assert client.get_metric_history(rid, "m") == []
    else:
        raises_mlflow(rt.w, client.get_metric_history, rid, "m", **kw)
    raises_mlflow(rt.w, client.get_run, "bad id!", code="INVALID_PARAMETER_VALUE",
                  message="Invalid value \"bad id!\" for parameter 'run_id' supplied.")
    # the reader agrees
    raises_mlflow(rt.r, rt.r.client.get_run, rid, **kw)
    assert rt.r.client.search_runs(["0"]) == []


def test_unknown_experiments_and_models(rt):
    client = rt.w.client
    missing_exp = rt.by_store(sqlite="No Experiment with id=424242 exists",
                              file="Could not find experiment with ID 424242")
    kw = dict(message=missing_exp, code="RESOURCE_DOES_NOT_EXIST")
    raises_mlflow(rt.w, client.get_experiment, "424242", **kw)
    raises_mlflow(rt.w, client.delete_experiment, "424242", **kw)
    raises_mlflow(rt.w, client.create_run, "424242", **kw)
    raises_mlflow(rt.w, rt.w.api.start_run, experiment_id="424242", **kw)
    assert rt.w.api.active_run() is None
    raises_mlflow(rt.w, client.get_registered_model, "nope", code="RESOURCE_DOES_NOT_EXIST",
                  message="Registered Model with name=nope not found")
    raises_mlflow(rt.w, client.get_model_version, "nope", "1", code="RESOURCE_DOES_NOT_EXIST",
                  message=rt.by_store(sqlite="Model Version (name=nope, version=1) not found",
                                      file="Registered Model with name=nope not found"))
    mid = "m-" + "0" * 32
    raises_mlflow(rt.w, client.get_logged_model, mid, code="RESOURCE_DOES_NOT_EXIST",
                  message=rt.by_store(sqlite=f"Logged model with ID '{mid}' not found.",
                                      file=f"Model '{mid}' not found"))
    raises_mlflow(rt.r, rt.r.client.get_experiment, "424242", **kw)


def test_deleted_run_refuses_logging(rt):
    w = rt.w.api
    with w.start_run() as run:
        w.log_param("kept", 1)
    rid = run.info.run_id
    client = rt.w.client
    client.delete_run(rid)
    state = rt.by_store(sqlite=f"The run {rid} must be in the 'active' state. Current state is "
                               "deleted.",
                        file=f"The run {rid} must be in 'active' lifecycle_stage.")
    code = "INVALID_PARAMETER_VALUE"
    raises_mlflow(rt.w, client.log_param, rid, "after", 1, message=state + rt.w.param_help, code=code)
    raises_mlflow(rt.w, client.log_metric, rid, "after", 1.0, message=state, code=code)
    raises_mlflow(rt.w, client.set_tag, rid, "after", "x", message=state, code=code)
    got = rt.same_run(rid)
    assert got.data.params == {"kept": "1"} and got.data.metrics == {}
    assert "after" not in got.data.tags


def test_finished_run_still_accepts_logging(rt):
    # MLflow only refuses deleted runs: a FINISHED run takes params, metrics and tags
    w = rt.w.api
    with w.start_run() as run:
        pass
    rt.w.client.log_param(run.info.run_id, "late", 1)
    rt.w.client.log_metric(run.info.run_id, "late", 2.0)
    got = rt.same_run(run.info.run_id)
    assert got.data.params == {"late": "1"} and got.data.metrics == {"late": 2.0}
    assert got.info.status == "FINISHED"


def test_delete_missing_tag(rt):
    w = rt.w.api
    with w.start_run() as run:
        raises_mlflow(rt.w, w.delete_tag, "nope", code="RESOURCE_DOES_NOT_EXIST",
                      message=f"No tag with name: nope in run with id {run.info.run_id}")
        got = raises_mlflow(rt.w, w.delete_tag, "bad!")
        # QUIRK: the file store validates the name first, the SQLite store just misses it
        assert (got.code, got.message) == rt.by_store(
            sqlite=("RESOURCE_DOES_NOT_EXIST",
                    f"No tag with name: bad! in run with id {run.info.run_id}"),
            file=("INVALID_PARAMETER_VALUE", _invalid('"bad!"', "key", BAD_CHARS)))
    assert rt.same_run(run.info.run_id).info.status == "FINISHED"


def test_duplicate_experiment_names(rt):
    client = rt.w.client
    client.create_experiment("dup")
    got = raises_mlflow(rt.w, client.create_experiment, "dup", code="RESOURCE_ALREADY_EXISTS")
    if rt.sqlite:
        # MLflow appends the SQLAlchemy error text; only its first sentence is checked
        assert got.message.startswith("Experiment(name=dup) already exists. Error: ")
    else:
        assert got.message == "Experiment 'dup' already exists."
    exp_id = client.create_experiment("deleted-dup")
    client.delete_experiment(exp_id)
    got = raises_mlflow(rt.w, client.create_experiment, "deleted-dup",
                        code="RESOURCE_ALREADY_EXISTS")
    if rt.sqlite:
        assert got.message.startswith("Experiment(name=deleted-dup) already exists. Error: ")
    else:
        assert got.message == (
            "Experiment 'deleted-dup' already exists in deleted state. You can restore the "
            "experiment, or permanently delete the experiment from the .trash folder (under "
            "tracking server's root folder) in order to use this experiment name again.")
    names = sorted(e.name for e in rt.r.client.search_experiments(view_type=rt.r.ViewType.ALL))
    assert names == ["Default", "deleted-dup", "dup"]
