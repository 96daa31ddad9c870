/* yaml.h: MLmodel / conda.yaml / python_env.yaml text <-> Python objects, through libyaml.
 * Behaviour is PyYAML's safe_load and safe_dump(default_flow_style=False). yaml_load.c and
 * yaml_dump.c own all libyaml calls; nothing else includes yaml.h from libyaml. */
#ifndef MLFLOW_C_CSRC_YAML_H_
#define MLFLOW_C_CSRC_YAML_H_

#include "state.h"

/* What PyYAML's implicit resolver makes of a plain scalar. */
typedef enum {
    MLC_YAML_STR = 0,
    MLC_YAML_NULL,
    MLC_YAML_BOOL,
    MLC_YAML_INT,
    MLC_YAML_FLOAT,
    MLC_YAML_TIMESTAMP,
    MLC_YAML_MERGE, /* "<<" */
    MLC_YAML_VALUE, /* "=" */
} mlc_yaml_kind;

/* Classifies a plain scalar the way PyYAML's (safe) Resolver does. Pure C. */
MLC_INTERNAL mlc_yaml_kind mlc_yaml_resolve(const char *s, size_t len);

/* Returns a new reference: the object of the single YAML document in buf, built the way
 * yaml.safe_load builds it (an empty document gives None). On bad input raises
 * st->YamlError whose message names `where` (a path, or "<string>"), the line and column and
 * libyaml's problem text. buf must stay alive during the call. */
MLC_INTERNAL PyObject *mlc_yaml_load(mlc_state *st, const char *buf, size_t len, const char *where);

/* Returns a new reference to a str holding yaml.safe_dump(obj, default_flow_style=False,
 * sort_keys=sort_keys) -- byte-identical to PyYAML. Raises st->YamlError (naming the type
 * for an object safe_dump cannot represent). */
MLC_INTERNAL PyObject *mlc_yaml_dump(mlc_state *st, PyObject *obj, int sort_keys);

/* Python-visible: _core.yaml_load(data: str | bytes) and _core.yaml_dump(obj, sort_keys=True).
 * METH_FASTCALL | METH_KEYWORDS, self is the module. */
MLC_INTERNAL PyObject *mlc_yaml_load_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
                                        PyObject *kwnames);
MLC_INTERNAL PyObject *mlc_yaml_dump_py(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
                                        PyObject *kwnames);

#endif /* MLFLOW_C_CSRC_YAML_H_ */
