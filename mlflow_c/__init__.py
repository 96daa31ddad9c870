"""mlflow_c: MLflow's statsmodels flavor, pyfunc and tracking, written in C.

Replace ``mlflow`` by ``mlflow_c`` in code that uses ``mlflow.statsmodels``/``mlflow.pyfunc``.
Importing this package is cheap: NumPy, pandas and statsmodels are imported only when needed.
"""
from mlflow_c._core import MLFLOW_VERSION

__version__ = "0.1.0"

__all__ = ["MLFLOW_VERSION", "__version__"]
