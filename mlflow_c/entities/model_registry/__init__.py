"""``mlflow_c.entities.model_registry``: MLflow's model registry entities, implemented in C."""
from mlflow_c._core import ModelVersion, RegisteredModel

__all__ = ["ModelVersion", "RegisteredModel"]
