"""``mlflow_c.models.signature``: ``ModelSignature`` and ``infer_signature``."""
from mlflow_c._core import ModelSignature, infer_signature

__all__ = ["ModelSignature", "infer_signature"]
