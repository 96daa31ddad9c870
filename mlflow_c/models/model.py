"""``mlflow_c.models.model``: ``Model`` and ``ModelInfo`` under MLflow's module path."""
from mlflow_c._core import Model, ModelInfo

__all__ = ["Model", "ModelInfo"]
