"""The exceptions mlflow_c raises (``mlflow.exceptions`` spelling).

Each ``Mlflow*Error`` is an :class:`MlflowException` that also inherits the builtin a caller of
MLflow would catch (``except OSError`` keeps working when MLflow raised a raw OSError).
"""
from mlflow_c._core import (
    MlflowAttributeError,
    MlflowException,
    MlflowFileNotFoundError,
    MlflowOSError,
    MlflowTypeError,
    MlflowValueError,
    YamlError,
)

__all__ = [
    "MlflowAttributeError",
    "MlflowException",
    "MlflowFileNotFoundError",
    "MlflowOSError",
    "MlflowTypeError",
    "MlflowValueError",
    "YamlError",
]
