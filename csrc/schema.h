/* schema.h: MLflow's signature types as C heap types -- DataType, ColSpec, TensorSpec, Schema,
 * ParamSpec, ParamSchema, ModelSignature and the 3.x composite types Array, Object, Property,
 * Map, AnyType -- their struct layouts (read directly by the enforcement engine) and the
 * cross-file API. schema.c owns construction, validation, JSON, repr, equality and pickling;
 * it does no enforcement and no inference. */
#ifndef MLFLOW_C_CSRC_SCHEMA_H_
#define MLFLOW_C_CSRC_SCHEMA_H_

#include "state.h"

/* DataType values, equal to MLflow's enum values. */
typedef enum {
    MLC_DT_NONE = 0, /* not a DataType (a composite type) */
    MLC_DT_BOOLEAN = 1,
    MLC_DT_INTEGER = 2,
    MLC_DT_LONG = 3,
    MLC_DT_FLOAT = 4,
    MLC_DT_DOUBLE = 5,
    MLC_DT_STRING = 6,
    MLC_DT_BINARY = 7,
    MLC_DT_DATETIME = 8,
} mlc_dtype;

/* Kind of the `type` of a ColSpec / Property / Array item / Map value. */
typedef enum {
    MLC_KIND_DATATYPE = 0,
    MLC_KIND_ARRAY,
    MLC_KIND_OBJECT,
    MLC_KIND_MAP,
    MLC_KIND_ANY,
    MLC_KIND_SPARKML_VECTOR,
} mlc_kind;

/* ColSpec(type, name=None, required=True) */
typedef struct {
    PyObject_HEAD
    PyObject *type;  /* a DataType member, or an Array/Object/Map/AnyType instance */
    PyObject *name;  /* str (or int for 2.x files), or None */
    int required;
    mlc_kind kind;   /* derived from type */
    mlc_dtype dtype; /* when kind == MLC_KIND_DATATYPE */
} ColSpecObject;

/* TensorSpec(type: np.dtype, shape: tuple, name=None) */
typedef struct {
    PyObject_HEAD
    PyObject *type;  /* numpy.dtype */
    PyObject *shape; /* tuple of int, -1 for a variable dimension */
    PyObject *name;  /* str or None */
    int required;    /* always 1 (TensorSpec has no optional form) */
} TensorSpecObject;

/* Schema(inputs: list[ColSpec] | list[TensorSpec]) */
typedef struct {
    PyObject_HEAD
    PyObject *inputs; /* list, never empty */
    int is_tensor;    /* the specs are TensorSpecs */
    int has_names;    /* the specs are named */
} SchemaObject;

/* ParamSpec(name, dtype, default, shape=None) */
typedef struct {
    PyObject_HEAD
    PyObject *name;
    PyObject *dtype;   /* DataType member or Object instance */
    PyObject *default_value;
    PyObject *shape;   /* None or (-1,) */
} ParamSpecObject;

/* ParamSchema(params: list[ParamSpec]) */
typedef struct {
    PyObject_HEAD
    PyObject *params; /* list */
} ParamSchemaObject;

/* ModelSignature(inputs=None, outputs=None, params=None) */
typedef struct {
    PyObject_HEAD
    PyObject *inputs;  /* Schema or None */
    PyObject *outputs; /* Schema or None */
    PyObject *params;  /* ParamSchema or None */
    int is_signature_from_type_hint;
    int is_type_hint_from_example;
} ModelSignatureObject;

/* Array(dtype) / Map(value_type) */
typedef struct {
    PyObject_HEAD
    PyObject *dtype; /* DataType member or composite instance */
} ArrayObject;

/* Object(properties) */
typedef struct {
    PyObject_HEAD
    PyObject *properties; /* list of Property, sorted by name */
} ObjectObject;

/* Property(name, dtype, required=True) */
typedef struct {
    PyObject_HEAD
    PyObject *name;
    PyObject *dtype;
    int required;
} PropertyObject;

/* Creates the types in st (st->DataType ... st->ModelSignatureType) and adds them to m. */
MLC_INTERNAL int mlc_schema_init(PyObject *m, mlc_state *st);

/* Returns the mlc_dtype of a DataType member, or MLC_DT_NONE when o is not one. */
MLC_INTERNAL mlc_dtype mlc_datatype_value(mlc_state *st, PyObject *o);

/* Returns a borrowed reference to the DataType member with value v (1..8). */
MLC_INTERNAL PyObject *mlc_datatype_member(mlc_state *st, mlc_dtype v);

/* Returns a new reference: ModelSignature.from_dict(d) for an MLmodel `signature` mapping
 * (JSON strings or None under inputs/outputs/params; reads MLflow 2.x and 3.x forms, e.g.
 * ColSpec "optional": true and ParamSpec "dtype"). Raises MlflowException naming the part. */
MLC_INTERNAL PyObject *mlc_signature_from_dict(mlc_state *st, PyObject *d);

/* 1 when o is an mlflow_c Schema / ModelSignature, else 0. */
MLC_INLINE int
mlc_is_schema(mlc_state *st, PyObject *o)
{
    return PyObject_TypeCheck(o, (PyTypeObject *)st->SchemaType);
}
MLC_INLINE int
mlc_is_signature(mlc_state *st, PyObject *o)
{
    return PyObject_TypeCheck(o, (PyTypeObject *)st->ModelSignatureType);
}

#endif /* MLFLOW_C_CSRC_SCHEMA_H_ */
