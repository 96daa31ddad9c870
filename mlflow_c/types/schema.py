"""``mlflow_c.types.schema``: the signature types under MLflow's module path."""
from mlflow_c.types import (  # noqa: F401
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
)
from mlflow_c.types import __all__  # noqa: F401
