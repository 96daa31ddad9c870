"""``mlflow_c.models``: the MLflow Model format (``Model``, ``ModelInfo``)."""
from mlflow_c._core import Model, ModelInfo

__all__ = ["Model", "ModelInfo"]
