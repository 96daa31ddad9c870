"""``mlflow_c.models.utils``: schema enforcement under MLflow's names (``validate_schema`` is
public; ``_enforce_schema`` and ``_enforce_params_schema`` keep MLflow's private spellings for code
that calls them)."""
from mlflow_c._core import _enforce_params_schema, _enforce_schema, validate_schema

__all__ = ["_enforce_params_schema", "_enforce_schema", "validate_schema"]
