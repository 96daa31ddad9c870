"""``mlflow_c.client``: MLflow's ``mlflow.client`` spelling of the tracking client."""
from mlflow_c._core import MlflowClient

__all__ = ["MlflowClient"]
