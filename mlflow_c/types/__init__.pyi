# Type stubs for mlflow_c.types: the classes are defined in mlflow_c._core (csrc/schema.c).
from mlflow_c._core import (
    AnyType as AnyType,
    Array as Array,
    ColSpec as ColSpec,
    DataType as DataType,
    Map as Map,
    Object as Object,
    ParamSchema as ParamSchema,
    ParamSpec as ParamSpec,
    Property as Property,
    Schema as Schema,
    TensorSpec as TensorSpec,
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
