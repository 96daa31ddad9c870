"""``mlflow_c.types``: MLflow's signature types (``mlflow.types`` spelling), implemented in C.

``DataType``, ``ColSpec``, ``TensorSpec``, ``Schema``, ``ParamSpec``, ``ParamSchema`` and the 3.x
composite types ``Array``, ``Object``, ``Property``, ``Map``, ``AnyType``; ``mlflow_c.types.schema``
gives them under MLflow's module path too. ``ModelSignature`` lives in :mod:`mlflow_c.models`.
"""
from mlflow_c._core import (
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

__all__ = [
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "Map",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "TensorSpec",
]
