"""``mlflow_c.search_runs``: MLflow's fluent search returning a pandas DataFrame (or a list).

The search itself runs in C (``MlflowClient.search_runs``); this module only lays the runs out as
MLflow's DataFrame: run_id, experiment_id, status, artifact_uri, start_time, end_time (UTC
datetimes), then ``metrics.*``, ``params.*`` and ``tags.*`` columns.
"""
from __future__ import annotations

from mlflow_c._core import MlflowClient, get_experiment_by_name


def _experiment_ids(experiment_ids, experiment_names, client):
    if experiment_ids is not None and experiment_names is not None:
        from mlflow_c.exceptions import MlflowException

        raise MlflowException(
            "Only experiment_ids or experiment_names can be used, but not both",
            error_code="INVALID_PARAMETER_VALUE",
        )
    if experiment_names:
        ids = []
        for name in experiment_names:
            exp = get_experiment_by_name(name)
            if exp is not None:
                ids.append(exp.experiment_id)
        return ids
    if experiment_ids is None:
        from mlflow_c._core import _active_experiment_id

        return [_active_experiment_id()]
    if isinstance(experiment_ids, (str, int)):
        return [str(experiment_ids)]
    return [str(i) for i in experiment_ids]


def search_runs(
    experiment_ids=None,
    filter_string="",
    run_view_type=1,
    max_results=100000,
    order_by=None,
    output_format="pandas",
    search_all_experiments=False,
    experiment_names=None,
):
    client = MlflowClient()
    if search_all_experiments and experiment_ids is None and experiment_names is None:
        ids = [e.experiment_id for e in client.search_experiments(view_type=run_view_type)]
    else:
        ids = _experiment_ids(experiment_ids, experiment_names, client)
    runs = []
    token = None
    while True:
        page = client.search_runs(ids, filter_string, run_view_type, max_results - len(runs),
                                  order_by, token)
        runs.extend(page)
        token = page.token
        if not token or len(runs) >= max_results:
            break
    if output_format == "list":
        return runs
    if output_format != "pandas":
        raise ValueError(
            f"Unsupported output format: {output_format}. Supported string values are "
            "'pandas' or 'list'"
        )
    import numpy as np
    import pandas as pd

    info = {"run_id": [], "experiment_id": [], "status": [], "artifact_uri": [],
            "start_time": [], "end_time": []}
    metrics, params, tags = {}, {}, {}
    for i, run in enumerate(runs):
        info["run_id"].append(run.info.run_id)
        info["experiment_id"].append(run.info.experiment_id)
        info["status"].append(run.info.status)
        info["artifact_uri"].append(run.info.artifact_uri)
        info["start_time"].append(pd.to_datetime(run.info.start_time, unit="ms", utc=True))
        info["end_time"].append(pd.to_datetime(run.info.end_time, unit="ms", utc=True))
        for store, values, fill in ((metrics, run.data.metrics, np.nan),
                                    (params, run.data.params, None),
                                    (tags, run.data.tags, None)):
            for key, value in values.items():
                store.setdefault(key, [fill] * i).append(value)
            for key, col in store.items():
                if len(col) < i + 1:
                    col.append(fill)
    data = dict(info)
    for prefix, store in (("metrics", metrics), ("params", params), ("tags", tags)):
        for key in sorted(store):
            data[f"{prefix}.{key}"] = store[key]
    return pd.DataFrame(data)


def search_experiments(view_type=1, max_results=None, filter_string=None, order_by=None):
    """MLflow's fluent ``search_experiments``: every matching experiment as a list."""
    client = MlflowClient()
    out = []
    token = None
    while True:
        page = client.search_experiments(view_type, max_results, filter_string, order_by, token)
        out.extend(page)
        token = page.token
        if not token or (max_results is not None and len(out) >= max_results):
            return out
