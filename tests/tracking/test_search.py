"""search_runs (filters over metrics/params/tags/attributes, order_by, max_results, pages),
the fluent search_runs DataFrame, and search_experiments."""

from __future__ import annotations

import pandas as pd

from trackconf import raises_mlflow, run_view

# name, start_time, params, metrics, tags, final status (start times fixed: orders are exact)
RUNS = [
    ("r1", 1000, {"model": "ols", "alpha": "0.1"}, {"rmse": 0.5, "r2": 0.9},
     {"team": "a", "stage": "dev"}, "FINISHED"),
    ("r2", 2000, {"model": "wls", "alpha": "0.2"}, {"rmse": 0.3, "r2": 0.95}, {"team": "b"},
     "FINISHED"),
    ("r3", 3000, {"model": "ols", "alpha": "0.3"}, {"rmse": 0.7}, {"team": "a"}, "FAILED"),
    ("r4", 4000, {"model": "glm"}, {}, {"stage": "prod"}, "KILLED"),
]


def make_searchable(rt):
    """The writer's experiment "search" with RUNS; returns (experiment id, name -> run id).
    (Called from the test body, not a fixture: a missing mlflow_c must fail the test.)"""
    client = rt.w.client
    exp_id = client.create_experiment("search")
    ids = {}
    for name, start, params, metrics, tags, status in RUNS:
        run = client.create_run(exp_id, start_time=start, run_name=name)
        rid = run.info.run_id
        ids[name] = rid
        client.log_batch(
            rid, metrics=[rt.w.Metric(k, v, start + 1, 0) for k, v in metrics.items()],
            params=[rt.w.Param(k, v) for k, v in params.items()],
            tags=[rt.w.RunTag(k, v) for k, v in tags.items()])
        client.set_terminated(rid, status, end_time=start + 500)
    return exp_id, ids


FILTERS = {
    "": ["r4", "r3", "r2", "r1"],
    "metrics.rmse < 0.6": ["r2", "r1"],
    "metrics.rmse = 0.3": ["r2"],
    "metrics.r2 > 0": ["r2", "r1"],
    "params.model = 'ols'": ["r3", "r1"],
    "params.alpha != '0.1'": ["r3", "r2"],
    "params.model LIKE 'o%'": ["r3", "r1"],
    "params.model ILIKE 'O%'": ["r3", "r1"],
    "tags.team = 'a'": ["r3", "r1"],
    "tags.team != 'a'": ["r2"],
    "tags.`mlflow.runName` = 'r1'": ["r1"],
    "tags.team = 'a' and metrics.rmse > 0.6": ["r3"],
    "attributes.status = 'FAILED'": ["r3"],
    "status = 'KILLED'": ["r4"],
    "attributes.status != 'FINISHED'": ["r4", "r3"],
    "attributes.run_name = 'r2'": ["r2"],
    "run_name LIKE 'r%'": ["r4", "r3", "r2", "r1"],
    "attributes.start_time > 2500": ["r4", "r3"],
    "attributes.end_time < 2600": ["r2", "r1"],
}


def test_search_runs_filters(rt):
    # one store for every filter (writing the runs is the slow part): mismatches are collected
    exp_id, ids = make_searchable(rt)
    names = {v: k for k, v in ids.items()}
    wrong = {}
    for filter_string, expected in FILTERS.items():
        found = rt.r.client.search_runs([exp_id], filter_string)
        got = [names[r.info.run_id] for r in found]
        if got != expected:
            wrong[filter_string] = (got, expected)
        mine = rt.w.client.search_runs([exp_id], filter_string)
        assert [run_view(r) for r in found] == [run_view(r) for r in mine], filter_string
    assert wrong == {}


def test_search_runs_by_run_id(rt):
    exp_id, ids = make_searchable(rt)
    names = {v: k for k, v in ids.items()}
    found = rt.r.client.search_runs(
        [exp_id], f"attributes.run_id IN ('{ids['r1']}', '{ids['r2']}')")
    assert [names[r.info.run_id] for r in found] == ["r2", "r1"]


ORDERS = [
    (["metrics.rmse ASC"], ["r2", "r1", "r3", "r4"]),  # runs without the metric come last
    (["metrics.rmse DESC"], ["r3", "r1", "r2", "r4"]),
    (["params.alpha DESC"], ["r3", "r2", "r1", "r4"]),
    (["attributes.run_name DESC"], ["r4", "r3", "r2", "r1"]),
    (["tags.team ASC", "metrics.rmse DESC"], ["r3", "r1", "r2", "r4"]),
    (["start_time ASC"], ["r1", "r2", "r3", "r4"]),
    (["attributes.end_time DESC"], ["r4", "r3", "r2", "r1"]),
    (["status"], ["r3", "r2", "r1", "r4"]),  # ties: start_time DESC
    (["tags.stage"], ["r1", "r4", "r3", "r2"]),
]


def test_search_runs_order_by(rt):
    exp_id, ids = make_searchable(rt)
    names = {v: k for k, v in ids.items()}
    wrong = {}
    for order_by, expected in ORDERS:
        found = rt.r.client.search_runs([exp_id], order_by=order_by)
        got = [names[r.info.run_id] for r in found]
        if got != expected:
            wrong[",".join(order_by)] = (got, expected)
    assert wrong == {}


def test_search_runs_max_results_and_pages(rt):
    exp_id, ids = make_searchable(rt)
    names = {v: k for k, v in ids.items()}
    client = rt.r.client
    first = client.search_runs([exp_id], max_results=3)
    assert [names[r.info.run_id] for r in first] == ["r4", "r3", "r2"]
    assert first.token is not None
    rest = client.search_runs([exp_id], max_results=3, page_token=first.token)
    assert [names[r.info.run_id] for r in rest] == ["r1"]
    assert rest.token is None
    top = client.search_runs([exp_id], order_by=["metrics.rmse ASC"], max_results=1)
    assert [names[r.info.run_id] for r in top] == ["r2"]


def test_search_runs_bad_queries(rt):
    exp_id, _ = make_searchable(rt)
    client = rt.r.client
    code = "INVALID_PARAMETER_VALUE"
    # MLflow prints the set of valid comparators: its order follows the string hash seed
    # (and the opening quote before "{" is never closed)
    got = raises_mlflow(rt.r, client.search_runs, [exp_id], "metrics.rmse <> 1", code=code)
    prefix, suffix = "Invalid comparator '<>' not one of '{", "}"
    assert got.message.startswith(prefix) and got.message.endswith(suffix), got.message
    shown = got.message[len(prefix):-len(suffix)].split(", ")
    assert sorted(shown) == sorted(["'<'", "'='", "'!='", "'>'", "'>='", "'<='"])
    cases = {
        "foo.bar = 1": "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', "
                       "'tag', 'attribute', 'dataset']",
        "params.model IN ('ols', 'glm')": "Expected a quoted string value for parameter (e.g. "
                                          "'my-value'). Got value ('ols', 'glm')",
    }
    for filter_string, message in cases.items():
        raises_mlflow(rt.r, client.search_runs, [exp_id], filter_string, message=message,
                      code=code)
    raises_mlflow(rt.r, client.search_runs, [exp_id], order_by=["metrics.rmse sideways"],
                  message="Invalid ordering key in order_by clause 'metrics.rmse sideways'.",
                  code=code)


def test_fluent_search_runs_dataframe(rt):
    exp_id, ids = make_searchable(rt)
    frames = {"reader": rt.r.api.search_runs([exp_id]),
              "writer": rt.w.api.search_runs([exp_id]),
              "mlflow": rt.oracle.api.search_runs([exp_id])}
    df = frames["reader"]
    assert isinstance(df, pd.DataFrame)
    fixed = ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]
    cols = list(df.columns)
    assert cols[:6] == fixed
    groups = [c.split(".", 1)[0] for c in cols[6:]]
    assert groups == sorted(groups, key=["metrics", "params", "tags"].index)
    assert set(cols[6:]) == {"metrics.rmse", "metrics.r2", "params.model", "params.alpha",
                             "tags.team", "tags.stage", "tags.mlflow.runName"}
    assert list(df["run_id"]) == [ids[n] for n in ("r4", "r3", "r2", "r1")]
    assert list(df["status"]) == ["KILLED", "FAILED", "FINISHED", "FINISHED"]
    assert list(df["params.model"]) == ["glm", "ols", "wls", "ols"]
    assert df["metrics.rmse"].tolist()[1:] == [0.7, 0.3, 0.5]
    assert pd.isna(df["metrics.rmse"].iloc[0])
    assert [None if pd.isna(v) else v for v in df["tags.team"]] == [None, "a", "b", "a"]
    assert list(df["start_time"]) == [pd.Timestamp(ms, unit="ms", tz="UTC")
                                      for ms in (4000, 3000, 2000, 1000)]
    assert list(df["end_time"]) == [pd.Timestamp(ms, unit="ms", tz="UTC")
                                    for ms in (4500, 3500, 2500, 1500)]
    for name, other in frames.items():
        pd.testing.assert_frame_equal(other[cols], df[cols], obj=name)
        assert set(other.columns) == set(cols), name
    runs = rt.r.api.search_runs([exp_id], output_format="list", filter_string="tags.team = 'a'")
    assert [r.info.run_id for r in runs] == [ids["r3"], ids["r1"]]
    by_name = rt.r.api.search_runs(experiment_names=["search"], max_results=2)
    assert list(by_name["run_id"]) == [ids["r4"], ids["r3"]]


def test_search_runs_over_several_experiments(rt):
    client = rt.w.client
    e1 = client.create_experiment("one")
    e2 = client.create_experiment("two")
    a = client.create_run(e1, start_time=10, run_name="a")
    b = client.create_run(e2, start_time=20, run_name="b")
    client.create_run("0", start_time=30, run_name="c")
    found = rt.r.client.search_runs([e1, e2])
    assert [r.info.run_id for r in found] == [b.info.run_id, a.info.run_id]


def test_search_experiments(rt):
    client = rt.w.client
    client.create_experiment("alpha", tags={"k": "v"})
    client.create_experiment("beta")
    gone = client.create_experiment("gamma")
    client.delete_experiment(gone)
    r = rt.r.client
    vt = rt.r.ViewType

    def names(**kwargs):
        return [e.name for e in r.search_experiments(**kwargs)]

    assert sorted(names()) == ["Default", "alpha", "beta"]
    assert names(order_by=["name DESC"]) == ["beta", "alpha", "Default"]
    assert names(order_by=["name ASC"], view_type=vt.ALL) == ["Default", "alpha", "beta", "gamma"]
    assert names(view_type=vt.DELETED_ONLY) == ["gamma"]
    assert names(filter_string="name LIKE 'b%'") == ["beta"]
    assert names(filter_string="tags.k = 'v'") == ["alpha"]
    assert names(order_by=["name ASC"], max_results=2) == ["Default", "alpha"]
    page = r.search_experiments(order_by=["name ASC"], max_results=2)
    assert page.token is not None
    rest = r.search_experiments(order_by=["name ASC"], max_results=2, page_token=page.token)
    assert [e.name for e in rest] == ["beta"]
    assert sorted(e.name for e in rt.w.api.search_experiments()) == ["Default", "alpha", "beta"]
