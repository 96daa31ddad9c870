"""mlflow_c: MLflow's statsmodels flavor, pyfunc and tracking, written in C.

Replace ``mlflow`` by ``mlflow_c`` in code that uses ``mlflow.statsmodels``/``mlflow.pyfunc`` and
MLflow's fluent tracking API. Importing this package is cheap: NumPy, pandas and statsmodels are
imported only when needed.
"""
from mlflow_c._core import (
    MLFLOW_VERSION,
    MlflowClient,
    active_run,
    create_experiment,
    delete_tag,
    end_run,
    flush_async_logging,
    get_artifact_uri,
    get_experiment,
    get_experiment_by_name,
    get_registry_uri,
    get_run,
    get_tracking_uri,
    last_active_run,
    last_logged_model,
    log_artifact,
    log_artifacts,
    log_dict,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_text,
    register_model,
    set_experiment,
    set_registry_uri,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)
from mlflow_c._search import search_experiments, search_runs

__version__ = "0.1.0"

__all__ = [
    "MLFLOW_VERSION",
    "MlflowClient",
    "__version__",
    "active_run",
    "create_experiment",
    "delete_tag",
    "end_run",
    "flush_async_logging",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_registry_uri",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "last_logged_model",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "register_model",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_registry_uri",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]


def _end_run_at_exit():
    # What autolog still has queued is written first (end_run waits for it too); then the run
    # left open is ended FINISHED, as MLflow does when the interpreter exits.
    try:
        flush_async_logging()
        end_run()
    except Exception:
        pass


import atexit as _atexit  # noqa: E402

_atexit.register(_end_run_at_exit)
