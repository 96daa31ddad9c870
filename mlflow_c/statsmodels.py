"""``mlflow_c.statsmodels``: MLflow's statsmodels flavor, implemented in C (``mlflow_c._core``).

Models are written with ``loader_module: mlflow.statsmodels`` so real MLflow loads them, and
models MLflow wrote load here.
"""
from mlflow_c._core import (
    autolog,
    get_default_conda_env,
    get_default_pip_requirements,
    load_model,
    log_model,
    save_model,
)

FLAVOR_NAME = "statsmodels"
STATSMODELS_DATA_SUBPATH = "model.statsmodels"

# Models autolog logs (without remove_data) from this size up get MLflow's large-model warning.
_model_size_threshold_for_emitting_warning = 100 * 1024 * 1024

__all__ = [
    "FLAVOR_NAME",
    "STATSMODELS_DATA_SUBPATH",
    "autolog",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]
