"""``mlflow_c.tracking``: the tracking client and URI functions under MLflow's module names."""
from mlflow_c._core import (
    MlflowClient,
    get_registry_uri,
    get_tracking_uri,
    set_registry_uri,
    set_tracking_uri,
)

__all__ = [
    "MlflowClient",
    "get_registry_uri",
    "get_tracking_uri",
    "set_registry_uri",
    "set_tracking_uri",
]
