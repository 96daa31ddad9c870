"""Runs, experiments, params, metrics and tags: what the writer logs, the reader reads identically.

Every test runs for each writer > reader pair on a SQLite and on a file store (see conftest.py).
"""

from __future__ import annotations

import math
import re
import sys
import time

import numpy as np
import pytest

from trackconf import context_tags, experiment_view, info_view, run_view, user_tags

RUN_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_DOUBLE = 1.7976931348623157e308


def _now_ms() -> int:
    return int(time.time() * 1000)


def test_run_info_and_context_tags(rt):
    w = rt.w.api
    t0 = _now_ms()
    exp = w.set_experiment("exp")
    with w.start_run(run_name="r1", tags={"t1": "v1", "n": 3}, description="desc") as run:
        assert isinstance(run, rt.w.entities.Run)  # ActiveRun is a Run
        assert run.info.status == "RUNNING"
        assert run.info.end_time is None
    t1 = _now_ms()

    got = rt.same_run(run.info.run_id)
    info = got.info
    assert RUN_ID.match(info.run_id)
    assert info.run_id == run.info.run_id
    assert info.run_name == "r1"
    assert info.experiment_id == exp.experiment_id
    assert info.status == "FINISHED"
    assert info.lifecycle_stage == "active"
    assert info.start_time == run.info.start_time
    assert t0 <= info.start_time <= info.end_time <= t1
    assert info.user_id == context_tags()["mlflow.user"]
    assert info.artifact_uri == f"{exp.artifact_location}/{info.run_id}/artifacts"
    # ActiveRun's own info (what the writer returned) matches what is stored, except the end.
    mine = info_view(run.info)
    stored = info_view(info)
    for key in ("run_id", "run_name", "experiment_id", "user_id", "start_time", "artifact_uri",
                "lifecycle_stage"):
        assert mine[key] == stored[key], key
    assert user_tags(got.data.tags) == {
        "t1": "v1", "n": "3", "mlflow.note.content": "desc", "mlflow.runName": "r1",
        **context_tags()}
    assert got.data.params == {} and got.data.metrics == {}
    # The ActiveRun carries the tags it was created with. (QUIRK: MLflow's SQLite store hands
    # back the caller's objects there, 3 rather than "3"; the stored value is the string.)
    assert {k: str(v) for k, v in user_tags(run.data.tags).items()} == user_tags(got.data.tags)


def test_generated_run_name(rt):
    w = rt.w.api
    with w.start_run() as run:
        pass
    got = rt.same_run(run.info.run_id)
    name = got.info.run_name
    # MLflow's generated names: <predicate>-<noun>-<0..1000>, at most 20 characters (longer
    # draws are retried). The word lists themselves are not compared: they are MLflow's prose.
    predicate, noun, number = name.split("-")
    assert re.fullmatch("[a-z]+", predicate) and re.fullmatch("[a-z]+", noun), name
    assert str(int(number)) == number and 0 <= int(number) <= 1000
    assert len(name) <= 20
    assert got.data.tags["mlflow.runName"] == name == run.info.run_name
    assert got.info.experiment_id == "0"


def test_experiments_roundtrip(rt):
    w = rt.w.api
    client = rt.w.client
    default = rt.same_experiment("0")
    assert default.name == "Default"
    assert default.artifact_location == rt.experiment_location("0")
    assert default.lifecycle_stage == "active"

    # (experiment tag values must be strings: MLflow raises a TypeError from len() otherwise)
    exp_id = client.create_experiment("made", tags={"team": "a", "n": "1"})
    client.set_experiment_tag(exp_id, "extra", "x")
    other = w.set_experiment("set-created")
    assert rt.by_store(sqlite=[exp_id, other.experiment_id] == ["1", "2"],
                       file=all(re.fullmatch(r"[1-9]\d{17,}", e)
                                for e in (exp_id, other.experiment_id)))

    got = rt.same_experiment(exp_id)
    assert got.experiment_id == exp_id
    assert got.name == "made"
    assert got.tags == {"team": "a", "n": "1", "extra": "x"}
    assert got.artifact_location == rt.experiment_location(exp_id)
    assert got.last_update_time >= got.creation_time
    by_name = rt.r.client.get_experiment_by_name("made")
    assert experiment_view(by_name) == experiment_view(got)
    assert rt.r.client.get_experiment_by_name("no such experiment") is None
    assert experiment_view(rt.same_experiment(other.experiment_id)) == experiment_view(other)

    custom = client.create_experiment("located", artifact_location=str(rt.root / "elsewhere"))
    # an explicit artifact location is stored as given, in both stores
    assert rt.same_experiment(custom).artifact_location == str(rt.root / "elsewhere")


def test_delete_experiment(rt):
    client = rt.w.client
    exp_id = client.create_experiment("gone")
    with rt.w.api.start_run(experiment_id=exp_id) as run:
        pass
    client.delete_experiment(exp_id)
    got = rt.same_experiment(exp_id)
    assert got.lifecycle_stage == "deleted"
    assert got.name == "gone"
    vt = rt.r.ViewType
    listed = rt.r.client.search_experiments(view_type=vt.DELETED_ONLY)
    assert [e.experiment_id for e in listed] == [exp_id]
    assert exp_id not in [e.experiment_id for e in rt.r.client.search_experiments()]
    # its runs stay readable, and count as deleted too
    got_run = rt.same_run(run.info.run_id)
    assert got_run.info.experiment_id == exp_id
    assert got_run.info.lifecycle_stage == "deleted"
    assert rt.r.client.search_runs([exp_id]) == []
    assert len(rt.r.client.search_runs([exp_id], run_view_type=vt.ALL)) == 1


def test_params_roundtrip(rt):
    w = rt.w.api
    with w.start_run() as run:
        assert w.log_param("alpha", 0.5) == 0.5
        assert w.log_param("alpha", 0.5) == 0.5  # the same value again: a no-op
        w.log_params({"b": [1, 2], "c": None, "d": "with space", "e/f": 7, "g:h": True,
                      "empty": ""})
        w.log_params({"b": [1, 2]})  # same value in a batch: a no-op too
        w.log_param("k" * 250, "longest key")
        w.log_param("v6000", "x" * 6000)
        w.log_param("unicode", "é€😀")
        w.log_params({"np_float": np.float64(0.5), "np_int": np.int64(3), "np_arr": np.arange(3)})
    got = rt.same_run(run.info.run_id)
    assert got.data.params == {
        "alpha": "0.5", "b": "[1, 2]", "c": "None", "d": "with space", "e/f": "7",
        "g:h": "True", "empty": "", "k" * 250: "longest key", "v6000": "x" * 6000,
        "unicode": "é€😀", "np_float": "0.5", "np_int": "3", "np_arr": "[0 1 2]"}


def test_metrics_latest_and_history(rt):
    w = rt.w.api
    with w.start_run() as run:
        w.log_metric("m", 1.5)
        w.log_metric("m", 2, step=3)
        w.log_metric("m", 0.25, step=1)
        w.log_metric("ts", 4.0, step=2, timestamp=1234567890123)
        w.log_metric("ts", 5.0, step=2, timestamp=1234567890000)  # same step, older: not latest
        w.log_metrics({"a/b": 1.0, "x": 3.25}, step=5)
        w.log_metrics({"x": -1e-05, "y": 2.8278210132430896e-239}, step=6,
                      timestamp=1600000000000)
        w.log_metric("int", 7)
    rid = run.info.run_id
    got = rt.same_run(rid)
    assert got.data.metrics == {"m": 2.0, "ts": 4.0, "a/b": 1.0, "x": -1e-05,
                                "y": 2.8278210132430896e-239, "int": 7.0}
    history = {key: rt.same_history(rid, key) for key in ("m", "ts", "a/b", "x", "y", "int")}
    hist_run_id = rt.by_store(sqlite=None, file=rid)  # the file store fills Metric.run_id

    def entries(key):
        return sorted((v, step) for (_, v, _, step, _, _, _, _) in history[key])

    assert entries("m") == [(0.25, 1), (1.5, 0), (2.0, 3)]
    assert sorted(history["ts"]) == sorted([
        ("ts", 4.0, 1234567890123, 2, None, hist_run_id, None, None),
        ("ts", 5.0, 1234567890000, 2, None, hist_run_id, None, None)])
    assert history["y"] == [("y", 2.8278210132430896e-239, 1600000000000, 6, None, hist_run_id,
                             None, None)]
    assert entries("x") == [(-1e-05, 6), (3.25, 5)]
    # one batch shares one timestamp
    (ab,) = history["a/b"]
    x5 = [h for h in history["x"] if h[3] == 5][0]
    assert ab[2] == x5[2]
    for key, hist in history.items():
        for entry in hist:
            assert entry[0] == key and entry[5] == hist_run_id
            assert isinstance(entry[2], int) and isinstance(entry[3], int)
            assert run.info.start_time <= entry[2] or entry[2] in (1234567890123,
                                                                   1234567890000,
                                                                   1600000000000)


def test_metric_special_values(rt):
    w = rt.w.api
    with w.start_run() as run:
        w.log_metric("inf", float("inf"))
        w.log_metric("ninf", float("-inf"))
        w.log_metric("nan", float("nan"))
        w.log_metric("np32", np.float32(1.5))
        w.log_metric("np64", np.float64(0.1))
        w.log_metric("npint", np.int64(3))
        w.log_metric("np0d", np.array(2.5))
        w.log_metric("bool", True)
        w.log_metric("numstr", "1.5")
        w.log_metrics({"npbatch": np.float32(0.5), "infbatch": np.inf})
    rid = run.info.run_id
    got = rt.same_run(rid)
    inf = rt.by_store(sqlite=MAX_DOUBLE, file=math.inf)  # SQLite stores +-DBL_MAX for inf
    metrics = dict(got.data.metrics)
    assert math.isnan(metrics.pop("nan"))
    assert metrics == {"inf": inf, "ninf": -inf, "np32": 1.5, "np64": 0.1, "npint": 3.0,
                       "np0d": 2.5, "bool": 1.0, "numstr": 1.5, "npbatch": 0.5,
                       "infbatch": inf}
    assert all(type(v) is float for v in got.data.metrics.values())
    (nan_entry,) = rt.same_history(rid, "nan")
    assert nan_entry[1] == "nan"
    (inf_entry,) = rt.same_history(rid, "inf")
    assert inf_entry[1] == inf


def test_tags_set_and_delete(rt):
    w = rt.w.api
    with w.start_run() as run:
        w.set_tag("k", "v")
        w.set_tag("k", "changed")  # tags may change, unlike params
        w.set_tags({"k2": 2, "k3": None, "a/b": "slash", "gone": "x"})
        w.delete_tag("gone")
        w.set_tag("t" * 250, "longest key")
        w.set_tag("v8000", "y" * 8000)
        w.set_tag("multiline", "line1\nline2\n")
    got = rt.same_run(run.info.run_id)
    tags = user_tags(got.data.tags)
    for key in context_tags():
        tags.pop(key)
    assert tags.pop("mlflow.runName") == got.info.run_name
    assert tags == {"k": "changed", "k2": "2", "k3": "None", "a/b": "slash",
                    "t" * 250: "longest key", "v8000": "y" * 8000,
                    "multiline": "line1\nline2\n"}


def test_nested_runs(rt):
    w = rt.w.api
    with w.start_run(run_name="parent") as parent:
        with w.start_run(run_name="child", nested=True) as child:
            assert w.active_run().info.run_id == child.info.run_id
            with w.start_run(run_name="grandchild", nested=True) as grand:
                pass
        assert w.active_run().info.run_id == parent.info.run_id
    with w.start_run(run_name="adopted", parent_run_id=parent.info.run_id) as adopted:
        pass
    assert w.active_run() is None
    p = rt.same_run(parent.info.run_id)
    c = rt.same_run(child.info.run_id)
    g = rt.same_run(grand.info.run_id)
    a = rt.same_run(adopted.info.run_id)
    assert "mlflow.parentRunId" not in p.data.tags
    assert c.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert g.data.tags["mlflow.parentRunId"] == child.info.run_id
    assert a.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert [r.info.status for r in (p, c, g, a)] == ["FINISHED"] * 4
    children = rt.r.client.search_runs(
        [p.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert sorted(r.info.run_name for r in children) == ["adopted", "child"]


def test_client_create_run_log_batch_terminate(rt):
    client = rt.w.client
    ent = rt.w
    exp_id = client.create_experiment("client-made")
    run = client.create_run(exp_id, start_time=1700000000000, tags={"src": "client"},
                            run_name="cr")
    rid = run.info.run_id
    assert run.info.status == "RUNNING" and run.info.start_time == 1700000000000
    client.log_batch(
        rid,
        metrics=[ent.Metric("loss", 0.5, 1700000000001, 0),
                 ent.Metric("loss", 0.25, 1700000000002, 1),
                 ent.Metric("acc", 0.9, 1700000000003, 1)],
        params=[ent.Param("lr", "0.01"), ent.Param("layers", "3")],
        tags=[ent.RunTag("phase", "train")])
    client.log_param(rid, "opt", "sgd")
    client.log_metric(rid, "acc", 0.95, timestamp=1700000000004, step=2)
    client.set_tag(rid, "phase", "eval")
    client.set_terminated(rid, status="KILLED", end_time=1700000000999)
    got = rt.same_run(rid)
    assert got.info.status == "KILLED"
    assert (got.info.start_time, got.info.end_time) == (1700000000000, 1700000000999)
    assert got.info.run_name == "cr"
    # MlflowClient.create_run takes user_id from an mlflow.user tag, else "unknown"
    assert got.info.user_id == "unknown"
    assert got.data.params == {"lr": "0.01", "layers": "3", "opt": "sgd"}
    assert got.data.metrics == {"loss": 0.25, "acc": 0.95}
    # MlflowClient.create_run adds no context tags, only the run name
    assert got.data.tags == {"src": "client", "phase": "eval", "mlflow.runName": "cr"}
    hist_run_id = rt.by_store(sqlite=None, file=rid)
    assert rt.same_history(rid, "loss") == [
        ("loss", 0.25, 1700000000002, 1, None, hist_run_id, None, None),
        ("loss", 0.5, 1700000000001, 0, None, hist_run_id, None, None)]
    client.update_run(rid, status="FINISHED", name="renamed")
    got = rt.same_run(rid)
    assert got.info.status == "FINISHED" and got.info.run_name == "renamed"
    assert got.data.tags["mlflow.runName"] == "renamed"
    assert run_view(got)["end_time"] == 1700000000999


def test_delete_and_restore_run(rt):
    w = rt.w.api
    client = rt.w.client
    with w.start_run() as keep:
        pass
    with w.start_run() as gone:
        pass
    client.delete_run(gone.info.run_id)
    got = rt.same_run(gone.info.run_id)
    assert got.info.lifecycle_stage == "deleted"
    vt = rt.r.ViewType
    exp = [keep.info.experiment_id]

    def ids(view):
        return sorted(r.info.run_id for r in rt.r.client.search_runs(exp, run_view_type=view))

    assert ids(vt.ACTIVE_ONLY) == [keep.info.run_id]
    assert ids(vt.DELETED_ONLY) == [gone.info.run_id]
    assert ids(vt.ALL) == sorted([keep.info.run_id, gone.info.run_id])
    client.restore_run(gone.info.run_id)
    assert rt.same_run(gone.info.run_id).info.lifecycle_stage == "active"
    assert ids(vt.ACTIVE_ONLY) == sorted([keep.info.run_id, gone.info.run_id])


def test_batches_over_the_request_limits_are_split(rt):
    # MLflow's limits per request are 100 params, 100 tags, 1000 metrics: bigger batches from
    # the client APIs are sent in several requests, so everything arrives.
    w = rt.w.api
    params = {f"p{i}": i for i in range(150)}
    metrics = {f"m{i}": float(i) for i in range(1200)}
    tags = {f"t{i}": str(i) for i in range(120)}
    with w.start_run() as run:
        w.log_params(params)
        w.log_metrics(metrics, step=4)
        w.set_tags(tags)
    got = rt.same_run(run.info.run_id)
    assert got.data.params == {k: str(v) for k, v in params.items()}
    assert got.data.metrics == metrics
    assert {k: v for k, v in got.data.tags.items() if k in tags} == tags
    batch = [rt.w.Metric("bm", float(i), 1700000000000 + i, i) for i in range(1100)]
    rt.w.client.log_batch(run.info.run_id, metrics=batch)
    assert len(rt.same_history(run.info.run_id, "bm")) == 1100


@pytest.mark.parametrize("size", [7, 8, 9, 20, 21, 64, 65, 66, 130, 131, 1000])
def test_metric_batches_of_every_size(rt, size):
    # mlflow_c writes big batches in fixed-size multi-row statements (the last one filled up by
    # repeating its final row) and small ones row by row; every size around those boundaries
    # must store exactly the rows MLflow's semantics give: each distinct row once in SQLite
    # (every row in the file store), and per key the latest by (step, timestamp, value).
    keys = [f"k{i}" for i in range(max(1, size // 3))]
    rows = []
    for i in range(size):
        key = keys[(i * 7) % len(keys)]
        step = (i * 5) % 4
        ts = 1700000000000 + (i * 11) % 6
        rows.append((key, float((i * 13) % 9) / 4, ts, step))
    rows[-1] = rows[0]                       # an identical row in the same batch
    rows[size // 2] = (rows[size // 2][0], math.inf, rows[size // 2][2], 3)
    with rt.w.api.start_run() as run:
        rt.w.client.log_batch(run.info.run_id,
                              metrics=[rt.w.Metric(k, v, t, s) for k, v, t, s in rows])
    got = rt.same_run(run.info.run_id)
    if rt.sqlite:  # MLflow's SQLite store keeps +inf as the largest float
        rows = [(k, min(v, sys.float_info.max), t, s) for k, v, t, s in rows]
    latest = {}
    for k, v, t, s in rows:
        if k not in latest or (s, t, v) > latest[k]:
            latest[k] = (s, t, v)
    assert got.data.metrics == {k: v for k, (s, t, v) in latest.items()}
    for key in keys:
        hist = rt.same_history(run.info.run_id, key)
        mine = [r for r in rows if r[0] == key]
        want = sorted(set(mine)) if rt.sqlite else sorted(mine)
        assert sorted((h[0], h[1], h[2], h[3]) for h in hist) == want, key
