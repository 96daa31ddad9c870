/* module.c: PyInit, the module definition, the exec slot and state traverse/clear/free.
 * Creates exception and heap types and interned strings; owns no MLflow logic. */
#define MLC_MODULE_C
#include "state.h"

#include "al_ols.h"
#include "autolog.h"
#include "enforce.h"
#include "entities.h"
#include "errors.h"
#include "infer.h"
#include "mlc.h"
#include "schema.h"
#include "tracking.h"
#include "yaml.h"

PyModuleDef mlc_module_def;

int
mlc_numpy_ready(mlc_state *st)
{
    if (st->numpy_ready) {
        return 0;
    }
    if (PyArray_ImportNumPyAPI() < 0) {
        return -1;
    }
    st->numpy_ready = 1;
    return 0;
}

PyObject *
mlc_lazy_attr(PyObject **slot, const char *module, const char *attr)
{
    if (*slot != NULL) {
        return Py_NewRef(*slot);
    }
    PyObject *mod = PyImport_ImportModule(module);
    if (mod == NULL) {
        return NULL;
    }
    PyObject *value = PyObject_GetAttrString(mod, attr);
    Py_DECREF(mod);
    if (value == NULL) {
        return NULL;
    }
    Py_XSETREF(*slot, Py_NewRef(value));
    return value;
}

static PyMethodDef mlc_methods[] = {
    {"yaml_load", (PyCFunction)(void (*)(void))mlc_yaml_load_py, METH_FASTCALL | METH_KEYWORDS,
     "yaml_load(data)\n--\n\nParse one YAML document (str or bytes) like yaml.safe_load."},
    {"yaml_dump", (PyCFunction)(void (*)(void))mlc_yaml_dump_py, METH_FASTCALL | METH_KEYWORDS,
     "yaml_dump(obj, sort_keys=True)\n--\n\n"
     "Serialise obj like yaml.safe_dump(obj, default_flow_style=False)."},
    MLC_MODEL_METHODS
    MLC_INFER_METHODS
    MLC_AUTOLOG_METHODS
    MLC_OLS_METHODS
    {"_enforce_schema", (PyCFunction)(void (*)(void))mlc_enforce_schema_py,
     METH_FASTCALL | METH_KEYWORDS,
     "_enforce_schema(data, schema)\n--\n\nMake data conform to a Schema (MLflow's rules)."},
    {"_enforce_params_schema", (PyCFunction)(void (*)(void))mlc_enforce_params_py,
     METH_FASTCALL | METH_KEYWORDS,
     "_enforce_params_schema(params, schema)\n--\n\nCheck params against a ParamSchema."},
    {"validate_schema", (PyCFunction)(void (*)(void))mlc_validate_schema_py,
     METH_FASTCALL | METH_KEYWORDS,
     "validate_schema(data, expected_schema)\n--\n\n"
     "Raise MlflowException when data does not match the schema."},
    {NULL, NULL, 0, NULL},
};

static int
mlc_exec(PyObject *m)
{
    mlc_state *st = mlc_state_from_module(m);
#define MLC_INTERN(field, literal)                                                          \
    if ((st->field = PyUnicode_InternFromString(literal)) == NULL) {                       \
        return -1;                                                                          \
    }
    MLC_INTERN(str_save, "save")
    MLC_INTERN(str_predict, "predict")
    MLC_INTERN(str_model, "model")
    MLC_INTERN(str_to_dict, "to_dict")
    MLC_INTERN(str_start, "start")
    MLC_INTERN(str_end, "end")
    MLC_INTERN(str_columns, "columns")
    MLC_INTERN(str_iloc, "iloc")
    MLC_INTERN(str_shape, "shape")
    MLC_INTERN(str_remove_data, "remove_data")
    MLC_INTERN(str_version, "__version__")
    MLC_INTERN(str_flavors, "flavors")
    MLC_INTERN(str_signature, "signature")
#undef MLC_INTERN
    if ((st->empty_tuple = PyTuple_New(0)) == NULL) {
        return -1;
    }
    if ((st->env_cache = PyDict_New()) == NULL) {
        return -1;
    }
    if (mlc_errors_init(m, st) < 0) {
        return -1;
    }
    if (mlc_schema_init(m, st) < 0) {
        return -1;
    }
    if (mlc_model_init(m, st) < 0) {
        return -1;
    }
    if (mlc_entities_init(m, st) < 0 || mlc_tracking_init(m, st) < 0 ||
        mlc_autolog_init(m, st) < 0) {
        return -1;
    }
    if (PyModule_AddStringConstant(m, "MLFLOW_VERSION", MLC_MLFLOW_VERSION) < 0) {
        return -1;
    }
    return 0;
}

static int
mlc_traverse(PyObject *m, visitproc visit, void *arg)
{
    mlc_state *st = mlc_state_from_module(m);
#define MLC_VISIT_FIELD(name) Py_VISIT(st->name);
    MLC_STATE_OBJECTS(MLC_VISIT_FIELD)
#undef MLC_VISIT_FIELD
    return 0;
}

static int
mlc_clear(PyObject *m)
{
    mlc_state *st = mlc_state_from_module(m);
#define MLC_CLEAR_FIELD(name) Py_CLEAR(st->name);
    MLC_STATE_OBJECTS(MLC_CLEAR_FIELD)
#undef MLC_CLEAR_FIELD
    return 0;
}

static void
mlc_free(void *m)
{
    mlc_clear((PyObject *)m);
}

static PyModuleDef_Slot mlc_slots[] = {
    {Py_mod_exec, mlc_exec},
#ifdef Py_mod_multiple_interpreters
    /* NumPy does not support subinterpreters, and we use NumPy. */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL},
};

PyModuleDef mlc_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mlflow_c._core",
    .m_doc = "The C core of mlflow_c: MLflow's statsmodels flavor, natively.",
    .m_size = sizeof(mlc_state),
    .m_methods = mlc_methods,
    .m_slots = mlc_slots,
    .m_traverse = mlc_traverse,
    .m_clear = mlc_clear,
    .m_free = mlc_free,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&mlc_module_def);
}
