"""``mlflow_c.models``: the MLflow Model format and model signatures."""
from mlflow_c._core import Model, ModelInfo, ModelSignature, infer_signature, validate_schema

__all__ = ["Model", "ModelInfo", "ModelSignature", "infer_signature", "validate_schema"]
