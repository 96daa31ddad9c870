"""``mlflow_c.pyfunc``: load MLflow Models as generic Python functions (``PyFuncModel``)."""
from mlflow_c._core import PyFuncModel
from mlflow_c._core import pyfunc_load_model as load_model

FLAVOR_NAME = "python_function"

__all__ = ["FLAVOR_NAME", "PyFuncModel", "load_model"]
