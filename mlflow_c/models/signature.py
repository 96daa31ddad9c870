"""``mlflow_c.models.signature``: ``ModelSignature`` and ``infer_signature``."""
from mlflow_c._core import ModelSignature

__all__ = ["ModelSignature"]
