/* state.h: the module state struct and the three ways to reach it.
 * Holds exception types, heap types, interned strings and cached callables; nothing else.
 * Every PyObject field is listed once in MLC_STATE_OBJECTS so traverse/clear cannot miss one. */
#ifndef MLFLOW_C_CSRC_STATE_H_
#define MLFLOW_C_CSRC_STATE_H_

#include "common.h"

/* X(name): one strong reference each, NULL until set. Fields marked "lazy" are filled on
 * first use (they import pandas, statsmodels, pickle, json ...); the rest are set in exec. */
#define MLC_STATE_OBJECTS(X)                                                             \
    /* exceptions (exec) */                                                              \
    X(MlflowException)                                                                   \
    X(MlflowValueError)          /* (MlflowException, ValueError) */                    \
    X(MlflowTypeError)           /* (MlflowException, TypeError) */                     \
    X(MlflowAttributeError)      /* (MlflowException, AttributeError) */                \
    X(MlflowFileNotFoundError)   /* (MlflowException, FileNotFoundError) */             \
    X(MlflowOSError)             /* (MlflowException, OSError) */                        \
    X(YamlError)                 /* (MlflowValueError): bad YAML text */                 \
    /* heap types (exec) */                                                              \
    X(ModelType)                                                                         \
    X(ModelInfoType)                                                                     \
    X(PyFuncModelType)                                                                   \
    X(SmWrapperType)                                                                     \
    /* signature types (schema.c, exec) */                                               \
    X(DataType)                  /* the DataType enum class */                          \
    X(dt_members)                /* tuple: (None, boolean, integer, ..., datetime) */    \
    X(ColSpecType)                                                                       \
    X(TensorSpecType)                                                                    \
    X(SchemaType)                                                                        \
    X(ParamSpecType)                                                                     \
    X(ParamSchemaType)                                                                   \
    X(ModelSignatureType)                                                                \
    X(ArrayType)                                                                         \
    X(ObjectType)                                                                        \
    X(PropertyType)                                                                      \
    X(MapType)                                                                           \
    X(AnyTypeType)                                                                       \
    /* tracking entity types (entities.c, exec) */                                         \
    X(ExperimentType)                                                                    \
    X(RunType)                                                                           \
    X(ActiveRunType)             /* Run subclass with __enter__/__exit__ */              \
    X(RunInfoType)                                                                       \
    X(RunDataType)                                                                       \
    X(RunInputsType)                                                                     \
    X(RunOutputsType)                                                                    \
    X(LoggedModelOutputType)                                                             \
    X(LoggedModelInputType)                                                              \
    X(MetricType)                                                                        \
    X(ParamType)                                                                         \
    X(RunTagType)                                                                        \
    X(LoggedModelType)                                                                   \
    X(LoggedModelStatus)         /* the LoggedModelStatus enum class */                 \
    X(RegisteredModelType)                                                               \
    X(ModelVersionType)                                                                  \
    X(FileInfoType)                                                                      \
    X(PagedListType)             /* list subclass with .token */                        \
    /* tracking state (tracking.c) */                                                     \
    X(MlflowClientType)                                                                  \
    X(tracking_local)            /* threading.local(): per-thread run stack (lazy) */    \
    X(tracking_uri)              /* str set by set_tracking_uri, or NULL */              \
    X(registry_uri)              /* str set by set_registry_uri, or NULL */              \
    X(active_experiment_id)      /* str set by set_experiment, or NULL */                \
    X(git_tags)                  /* dict: git context tags of sys.argv[0] (lazy) */     \
    /* autolog (autolog.c) */                                                             \
    X(FitWrapperType)            /* heap type of the wrappers put in place of fit (exec) */ \
    X(al_patches)                /* list of (class, original fit) patched now (exec) */  \
    X(al_model_cls)              /* statsmodels.base.model.Model while patched */        \
    X(al_hook)                   /* the classmethod set as Model.__init_subclass__ */    \
    X(al_registered_name)        /* autolog(registered_model_name=...) or NULL */        \
    X(al_extra_tags)             /* dict: tags for runs autolog creates (exec) */        \
    X(al_ResultsWrapper)         /* statsmodels.base.wrapper.ResultsWrapper (lazy) */    \
    X(al_worker)                 /* the writer's threading.Thread (lazy) */              \
    X(al_signature)              /* inspect.signature (lazy) */                          \
    X(al_param_empty)            /* inspect.Parameter.empty (lazy) */                    \
    X(al_Number)                 /* numbers.Number (lazy) */                             \
    X(str_fit)                   /* "fit" */                                             \
    /* native OLS summary (al_ols.c) */                                                  \
    X(ols_OLS)                   /* statsmodels.regression.linear_model.OLS (lazy) */    \
    X(ols_OLSResults)            /* ...linear_model.OLSResults (lazy) */                 \
    X(ols_log)                   /* numpy.log: its loop, not libm's log (lazy) */        \
    X(ols_time)                  /* the time module, for a non-ASCII locale (lazy) */    \
    X(ols_special)               /* scipy.special.cython_special (capsule owner; lazy) */ \
    X(ols_keys)                  /* tuple: the interned names al_ols.c reads (lazy) */   \
    /* interned strings (exec) */                                                        \
    X(str_save)                  /* "save" */                                            \
    X(str_predict)               /* "predict" */                                         \
    X(str_model)                 /* "model" */                                           \
    X(str_to_dict)               /* "to_dict" */                                         \
    X(str_start)                 /* "start" */                                           \
    X(str_end)                   /* "end" */                                             \
    X(str_columns)               /* "columns" */                                         \
    X(str_iloc)                  /* "iloc" */                                            \
    X(str_shape)                 /* "shape" */                                           \
    X(str_remove_data)           /* "remove_data" */                                     \
    X(str_version)               /* "__version__" */                                     \
    X(str_flavors)               /* "flavors" */                                         \
    X(str_signature)             /* "signature" */                                       \
    X(empty_tuple)               /* () */                                                \
    /* cached callables (lazy) */                                                        \
    X(pickle_dumps)                                                                      \
    X(pickle_loads)                                                                      \
    X(json_dumps)                                                                        \
    X(json_loads)                                                                        \
    X(TimeSeriesModel)           /* statsmodels.tsa.base.tsa_model.TimeSeriesModel */    \
    X(DataFrame)                 /* pandas.DataFrame */                                  \
    X(Series)                    /* pandas.Series */                                     \
    X(numpy_dtype)               /* numpy.dtype */                                       \
    X(env_cache)                 /* dict: cached package versions for env files */      \
    X(Requirement)               /* packaging.requirements.Requirement */               \
    X(InvalidRequirement)        /* packaging.requirements.InvalidRequirement */        \
    X(metadata_version)          /* importlib.metadata.version */                       \
    X(logger)                    /* logging.getLogger("mlflow_c") */                    \
    X(plan)                      /* enforce.c's plan for calls outside a loaded model */

typedef struct mlc_state {
#define MLC_STATE_FIELD(name) PyObject *name;
    MLC_STATE_OBJECTS(MLC_STATE_FIELD)
#undef MLC_STATE_FIELD
    int numpy_ready; /* 1 once the NumPy C API table is imported */
    /* autolog configuration (the last autolog() call) */
    int al_enabled, al_log_models, al_exclusive, al_silent, al_async;
} mlc_state;

extern PyModuleDef mlc_module_def;

/* Returns a borrowed pointer to the state of module m. */
MLC_INLINE mlc_state *
mlc_state_from_module(PyObject *m)
{
    return (mlc_state *)PyModule_GetState(m);
}

/* Returns a borrowed pointer to the state of the module that defined tp, or NULL with an
 * exception set. */
MLC_INLINE mlc_state *
mlc_state_from_type(PyTypeObject *tp)
{
    PyObject *m = PyType_GetModuleByDef(tp, &mlc_module_def);
    return m == NULL ? NULL : mlc_state_from_module(m);
}

/* Returns a borrowed pointer to the state for a METH_METHOD method's defining class. */
MLC_INLINE mlc_state *
mlc_state_from_class(PyTypeObject *defining_class)
{
    return (mlc_state *)PyType_GetModuleState(defining_class);
}

/* Imports the NumPy C API once (lazily: importing numpy costs tens of milliseconds and the
 * module must import fast). Returns 0 or -1 with an exception. */
MLC_INTERNAL int mlc_numpy_ready(mlc_state *st);

/* Returns a new reference to module.attr, caching it in *slot (a state field). */
MLC_INTERNAL PyObject *mlc_lazy_attr(PyObject **slot, const char *module, const char *attr);

#endif /* MLFLOW_C_CSRC_STATE_H_ */
