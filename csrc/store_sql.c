/* store_sql.c: the SQLite tracking store, in MLflow's own schema, through the sqlite3 C API.
 * Owns opening or creating the database file (schema from sql_schema.h, the default
 * workspace and experiment 0), the per-connection prepared-statement cache, and every
 * operation of mlc_store_ops: experiments, runs, metrics, logged models and the registry.
 * Rows are written exactly as MLflow 3.x writes them so that MLflow reads them back.
 * Pure C: no Python objects, no file-store code; records are built with store_util.c. */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "sql_schema.h"

/* MLflow's session settings (busy_timeout 20 s). */
#define SQL_BUSY_TIMEOUT_MS 20000
#define STAGE_DELETED_INTERNAL "Deleted_Internal"
#define TAG_RUN_NAME "mlflow.runName"
#define PROMPT_TAG_KEY "mlflow.prompt.is_prompt"

/* ==================================================================================== */
/* Statement cache                                                                       */
/* ==================================================================================== */

/* Which workspace flag a statement template depends on. */
enum { WS_NONE = 0, WS_EXP = 1, WS_REG = 2 };

typedef struct {
    const char *sql; /* template: {AW} " AND workspace = 'default'", {WW} " WHERE ...",
                        {C} ", workspace", {V} ", 'default'" (empty without the column) */
    int ws;          /* WS_* */
} qdef;

enum {
    Q_BEGIN,
    Q_BEGIN_IMMEDIATE,
    Q_FK_OFF,
    Q_FK_ON,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_SAVEPOINT,
    Q_RELEASE,
    Q_ROLLBACK_TO,
    /* experiments */
    Q_EXP_GET,
    Q_EXP_BY_NAME,
    Q_EXP_LIST,
    Q_EXP_TAGS,
    Q_EXP_TAGS_ALL,
    Q_EXP_INSERT,
    Q_EXP_SET_LOCATION,
    Q_EXP_INSERT_DEFAULT,
    Q_EXP_TAG_UPSERT,
    Q_EXP_DELETE,
    Q_EXP_DELETE_RUNS,
    Q_ASSESS_DELETE_EXP,
    Q_ASSESS_DELETE_RUN,
    /* runs */
    Q_RUN_GET,
    Q_RUN_INSERT,
    Q_RUN_PARAMS,
    Q_RUN_TAGS,
    Q_RUN_LATEST,
    Q_RUN_IO,
    Q_RUN_UPDATE,
    Q_RUN_LIFECYCLE,
    Q_RUNS_LIST,
    Q_RUNS_PARAMS,
    Q_RUNS_TAGS,
    Q_RUNS_LATEST,
    Q_RUNS_IO,
    Q_TAG_UPSERT,
    Q_TAG_DELETE,
    Q_PARAM_GET,
    Q_PARAM_INSERT,
    Q_METRIC_INSERT,
    Q_LATEST_UPSERT,
    Q_METRIC_BULK,
    Q_LATEST_BULK,
    Q_METRIC_BULK_S,
    Q_LATEST_BULK_S,
    Q_MODEL_METRIC_INSERT,
    Q_METRIC_HISTORY,
    Q_OUTPUT_INSERT,
    /* logged models */
    Q_LM_GET,
    Q_LM_INSERT,
    Q_LM_PARAM_UPSERT,
    Q_LM_TAG_UPSERT,
    Q_LM_TAG_DELETE,
    Q_LM_PARAMS,
    Q_LM_TAGS,
    Q_LM_METRICS,
    Q_LM_FINALIZE,
    Q_LMS_LIST,
    Q_LMS_PARAMS,
    Q_LMS_TAGS,
    Q_LMS_METRICS,
    /* registry */
    Q_RM_GET,
    Q_RM_LIST,
    Q_RM_TAGS,
    Q_RM_TAGS_ALL,
    Q_RM_ALIASES,
    Q_RM_ALIASES_ALL,
    Q_RM_INSERT,
    Q_RM_TAG_INSERT,
    Q_RM_TOUCH,
    Q_MV_MAX,
    Q_MV_INSERT,
    Q_MV_TAG_INSERT,
    Q_MV_GET,
    Q_MV_LIST,
    Q_MV_TAGS,
    Q_MV_TAGS_BY_NAME,
    Q_MV_LATEST,
    Q_ALIAS_UPSERT,
    Q_ALIAS_GET,
    Q__COUNT
};

/* view filter over a lifecycle column; p is the view parameter (MLC_VIEW_*) */
#define VIEW_FILTER(col, p)                                                                 \
    "(" col " IN ('active', 'deleted') AND (" p " = 3 OR (" p " = 1 AND " col                 \
    " = 'active') OR (" p " = 2 AND " col " = 'deleted')))"
#define EXP_COLS                                                                            \
    "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time"
#define RUN_COLS                                                                            \
    "r.run_uuid, r.name, r.experiment_id, r.user_id, r.status, r.artifact_uri, "            \
    "r.lifecycle_stage, r.start_time, r.end_time, r.deleted_time"
#define RUNS_WHERE                                                                          \
    "r.experiment_id IN (SELECT value FROM json_each(?1)) AND "                             \
    VIEW_FILTER("r.lifecycle_stage", "?2")
#define IO_COND(p)                                                                          \
    "((" p "source_type = 'RUN_OUTPUT' AND " p "destination_type = 'MODEL_OUTPUT') OR (" p  \
    "source_type = 'RUN_INPUT' AND " p "destination_type = 'MODEL_INPUT'))"
#define LM_COLS                                                                             \
    "m.model_id, m.experiment_id, m.name, m.artifact_location, m.creation_timestamp_ms, "   \
    "m.last_updated_timestamp_ms, m.status, m.lifecycle_stage, m.model_type, "              \
    "m.source_run_id, m.status_message"
#define LMM_COLS                                                                            \
    "x.metric_name, x.metric_value, x.metric_timestamp_ms, x.metric_step, x.run_id, "       \
    "x.dataset_name, x.dataset_digest"
#define LMS_WHERE                                                                           \
    "m.experiment_id IN (SELECT value FROM json_each(?1)) AND m.lifecycle_stage = 'active'"
#define RM_COLS "name, creation_time, last_updated_time, description"
#define MV_COLS                                                                             \
    "name, version, creation_time, last_updated_time, description, user_id, current_stage, " \
    "source, run_id, status, status_message, run_link, storage_location"
#define MV_ALIVE "current_stage != '" STAGE_DELETED_INTERNAL "'"

/* Metrics are written BULK_N rows per statement (fewer statement executions for big
 * batches): BULK_ROWS is BULK_N "(?,?,?,?,?,?)" groups. */
#define BULK_ROW "(?,?,?,?,?,?),"
#define BULK_X8(x) x x x x x x x x
#define BULK_ROWS BULK_X8(BULK_X8(BULK_ROW)) "(?,?,?,?,?,?)"
#define BULK_N 65
/* runs of up to BULK_S metrics (autolog's 18, most log_metrics calls) use a statement of
 * BULK_S rows instead of padding to BULK_N */
#define BULK_ROWS_S BULK_X8(BULK_ROW) BULK_X8(BULK_ROW) BULK_ROW BULK_ROW BULK_ROW "(?,?,?,?,?,?)"
#define BULK_S 20
/* shorter runs of metrics go one by one */
#define BULK_MIN 8

#define METRIC_BULK_SQL(rows)                                                              \
    "INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES " rows
/* the same columns in the same order as METRIC_BULK_SQL (one binding for both) */
#define LATEST_BULK_SQL(rows)                                                              \
    "INSERT INTO latest_metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES " rows \
    " ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value, timestamp = "         \
    "excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan WHERE (excluded.step, " \
    "excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, "   \
    "latest_metrics.value)"

static const qdef qdefs[Q__COUNT] = {
    [Q_BEGIN] = {"BEGIN", WS_NONE},
    [Q_BEGIN_IMMEDIATE] = {"BEGIN IMMEDIATE", WS_NONE},
    [Q_FK_OFF] = {"PRAGMA foreign_keys = OFF", WS_NONE},
    [Q_FK_ON] = {"PRAGMA foreign_keys = ON", WS_NONE},
    [Q_COMMIT] = {"COMMIT", WS_NONE},
    [Q_ROLLBACK] = {"ROLLBACK", WS_NONE},
    [Q_SAVEPOINT] = {"SAVEPOINT op", WS_NONE},
    [Q_RELEASE] = {"RELEASE op", WS_NONE},
    [Q_ROLLBACK_TO] = {"ROLLBACK TO op", WS_NONE},

    [Q_EXP_GET] = {"SELECT " EXP_COLS " FROM experiments WHERE experiment_id = ?1", WS_NONE},
    [Q_EXP_BY_NAME] = {"SELECT " EXP_COLS " FROM experiments WHERE name = ?1{AW}", WS_EXP},
    [Q_EXP_LIST] = {"SELECT " EXP_COLS " FROM experiments WHERE "
                    VIEW_FILTER("lifecycle_stage", "?1") " ORDER BY experiment_id",
                    WS_NONE},
    [Q_EXP_TAGS] = {"SELECT key, value FROM experiment_tags WHERE experiment_id = ?1 "
                    "ORDER BY rowid",
                    WS_NONE},
    [Q_EXP_TAGS_ALL] = {"SELECT experiment_id, key, value FROM experiment_tags "
                        "ORDER BY experiment_id, rowid",
                        WS_NONE},
    [Q_EXP_INSERT] = {"INSERT INTO experiments (name{C}, artifact_location, lifecycle_stage, "
                      "creation_time, last_update_time) VALUES (?1{V}, ?2, 'active', ?3, ?3)",
                      WS_EXP},
    [Q_EXP_SET_LOCATION] = {"UPDATE experiments SET artifact_location = ?2 "
                            "WHERE experiment_id = ?1",
                            WS_NONE},
    [Q_EXP_INSERT_DEFAULT] = {"INSERT INTO experiments (experiment_id, name, artifact_location, "
                              "lifecycle_stage, creation_time, last_update_time{C}) "
                              "VALUES (0, 'Default', ?1, 'active', ?2, ?2{V})",
                              WS_EXP},
    [Q_EXP_TAG_UPSERT] = {"INSERT INTO experiment_tags (key, value, experiment_id) "
                          "VALUES (?1, ?2, ?3) ON CONFLICT (key, experiment_id) "
                          "DO UPDATE SET value = excluded.value",
                          WS_NONE},
    [Q_EXP_DELETE] = {"UPDATE experiments SET lifecycle_stage = 'deleted', "
                      "last_update_time = ?2 WHERE experiment_id = ?1",
                      WS_NONE},
    [Q_EXP_DELETE_RUNS] = {"UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ?2 "
                           "WHERE experiment_id = ?1",
                           WS_NONE},
    [Q_ASSESS_DELETE_EXP] = {"DELETE FROM assessments WHERE EXISTS (SELECT 1 FROM runs r "
                             "WHERE r.experiment_id = ?1 AND instr("
                             "assessments.assessment_metadata, "
                             "'\"mlflow.assessment.sourceRunId\": \"' || r.run_uuid || '\"') "
                             "> 0)",
                             WS_NONE},
    [Q_ASSESS_DELETE_RUN] = {"DELETE FROM assessments WHERE instr(assessment_metadata, ?1) > 0",
                             WS_NONE},

    [Q_RUN_GET] = {"SELECT " RUN_COLS " FROM runs r WHERE r.run_uuid = ?1", WS_NONE},
    [Q_RUN_INSERT] = {"INSERT INTO runs (run_uuid, name, source_type, source_name, "
                      "entry_point_name, user_id, status, start_time, end_time, source_version, "
                      "lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES "
                      "(?1, ?2, 'UNKNOWN', '', '', ?3, 'RUNNING', ?4, NULL, '', 'active', ?5, "
                      "?6, NULL)",
                      WS_NONE},
    [Q_RUN_PARAMS] = {"SELECT key, value FROM params WHERE run_uuid = ?1 ORDER BY rowid",
                      WS_NONE},
    [Q_RUN_TAGS] = {"SELECT key, value FROM tags WHERE run_uuid = ?1 ORDER BY rowid", WS_NONE},
    [Q_RUN_LATEST] = {"SELECT key, value, timestamp, step, is_nan FROM latest_metrics "
                      "WHERE run_uuid = ?1 ORDER BY rowid",
                      WS_NONE},
    [Q_RUN_IO] = {"SELECT source_type, destination_id, step FROM inputs WHERE source_id = ?1 "
                  "AND " IO_COND("") " ORDER BY rowid",
                  WS_NONE},
    [Q_RUN_UPDATE] = {"UPDATE runs SET status = coalesce(?2, status), "
                      "end_time = coalesce(?3, end_time), name = coalesce(?4, name) "
                      "WHERE run_uuid = ?1",
                      WS_NONE},
    [Q_RUN_LIFECYCLE] = {"UPDATE runs SET lifecycle_stage = ?2, deleted_time = ?3 "
                         "WHERE run_uuid = ?1",
                         WS_NONE},
    [Q_RUNS_LIST] = {"SELECT " RUN_COLS " FROM runs r WHERE " RUNS_WHERE
                     " ORDER BY r.run_uuid",
                     WS_NONE},
    [Q_RUNS_PARAMS] = {"SELECT t.run_uuid, t.key, t.value FROM params t "
                       "JOIN runs r ON r.run_uuid = t.run_uuid WHERE " RUNS_WHERE
                       " ORDER BY r.run_uuid, t.rowid",
                       WS_NONE},
    [Q_RUNS_TAGS] = {"SELECT t.run_uuid, t.key, t.value FROM tags t "
                     "JOIN runs r ON r.run_uuid = t.run_uuid WHERE " RUNS_WHERE
                     " ORDER BY r.run_uuid, t.rowid",
                     WS_NONE},
    [Q_RUNS_LATEST] = {"SELECT t.run_uuid, t.key, t.value, t.timestamp, t.step, t.is_nan "
                       "FROM latest_metrics t JOIN runs r ON r.run_uuid = t.run_uuid WHERE "
                       RUNS_WHERE " ORDER BY r.run_uuid, t.rowid",
                       WS_NONE},
    [Q_RUNS_IO] = {"SELECT i.source_id, i.source_type, i.destination_id, i.step FROM inputs i "
                   "JOIN runs r ON r.run_uuid = i.source_id WHERE " RUNS_WHERE " AND "
                   IO_COND("i.") " ORDER BY r.run_uuid, i.rowid",
                   WS_NONE},
    [Q_TAG_UPSERT] = {"INSERT INTO tags (key, value, run_uuid) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value",
                      WS_NONE},
    [Q_TAG_DELETE] = {"DELETE FROM tags WHERE run_uuid = ?1 AND key = ?2", WS_NONE},
    [Q_PARAM_GET] = {"SELECT value FROM params WHERE run_uuid = ?1 AND key = ?2", WS_NONE},
    [Q_PARAM_INSERT] = {"INSERT INTO params (key, value, run_uuid) VALUES (?2, ?3, ?1)",
                        WS_NONE},
    [Q_METRIC_INSERT] = {"INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, "
                         "is_nan) VALUES (?2, ?3, ?4, ?1, ?5, ?6)",
                         WS_NONE},
    [Q_METRIC_BULK] = {METRIC_BULK_SQL(BULK_ROWS), WS_NONE},
    [Q_METRIC_BULK_S] = {METRIC_BULK_SQL(BULK_ROWS_S), WS_NONE},
    [Q_LATEST_BULK] = {LATEST_BULK_SQL(BULK_ROWS), WS_NONE},
    [Q_LATEST_BULK_S] = {LATEST_BULK_SQL(BULK_ROWS_S), WS_NONE},
    [Q_LATEST_UPSERT] = {"INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, "
                         "run_uuid) VALUES (?2, ?3, ?4, ?5, ?6, ?1) ON CONFLICT (key, run_uuid) "
                         "DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, "
                         "step = excluded.step, is_nan = excluded.is_nan WHERE (excluded.step, "
                         "excluded.timestamp, excluded.value) > (latest_metrics.step, "
                         "latest_metrics.timestamp, latest_metrics.value)",
                         WS_NONE},
    [Q_MODEL_METRIC_INSERT] = {"INSERT OR IGNORE INTO logged_model_metrics (model_id, "
                               "metric_name, metric_timestamp_ms, metric_step, metric_value, "
                               "experiment_id, run_id, dataset_uuid, dataset_name, "
                               "dataset_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, "
                               "?9)",
                               WS_NONE},
    [Q_METRIC_HISTORY] = {"SELECT key, value, timestamp, step, is_nan FROM metrics "
                          "WHERE run_uuid = ?1 AND key = ?2 ORDER BY timestamp, step, value",
                          WS_NONE},
    [Q_OUTPUT_INSERT] = {"INSERT OR IGNORE INTO inputs (input_uuid, source_type, source_id, "
                         "destination_type, destination_id, step) VALUES (?1, 'RUN_OUTPUT', "
                         "?2, 'MODEL_OUTPUT', ?3, ?4)",
                         WS_NONE},

    [Q_LM_GET] = {"SELECT " LM_COLS " FROM logged_models m WHERE m.model_id = ?1", WS_NONE},
    [Q_LM_INSERT] = {"INSERT INTO logged_models (model_id, experiment_id, name, "
                     "artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, "
                     "status, lifecycle_stage, model_type, source_run_id, status_message) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 'active', ?6, ?7, NULL)",
                     WS_NONE},
    [Q_LM_PARAM_UPSERT] = {"INSERT INTO logged_model_params (model_id, experiment_id, "
                           "param_key, param_value) VALUES (?1, ?2, ?3, ?4) "
                           "ON CONFLICT (model_id, param_key) "
                           "DO UPDATE SET param_value = excluded.param_value",
                           WS_NONE},
    [Q_LM_TAG_UPSERT] = {"INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, "
                         "tag_value) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (model_id, tag_key) "
                         "DO UPDATE SET tag_value = excluded.tag_value",
                         WS_NONE},
    [Q_LM_TAG_DELETE] = {"DELETE FROM logged_model_tags WHERE model_id = ?1 AND tag_key = ?2",
                         WS_NONE},
    [Q_LM_PARAMS] = {"SELECT param_key, param_value FROM logged_model_params "
                     "WHERE model_id = ?1 ORDER BY rowid",
                     WS_NONE},
    [Q_LM_TAGS] = {"SELECT tag_key, tag_value FROM logged_model_tags WHERE model_id = ?1 "
                   "ORDER BY rowid",
                   WS_NONE},
    [Q_LM_METRICS] = {"SELECT " LMM_COLS " FROM logged_model_metrics x WHERE x.model_id = ?1 "
                      "ORDER BY x.rowid",
                      WS_NONE},
    [Q_LM_FINALIZE] = {"UPDATE logged_models SET status = ?2, last_updated_timestamp_ms = ?3 "
                       "WHERE model_id = ?1",
                       WS_NONE},
    [Q_LMS_LIST] = {"SELECT " LM_COLS " FROM logged_models m WHERE " LMS_WHERE
                    " ORDER BY m.model_id",
                    WS_NONE},
    [Q_LMS_PARAMS] = {"SELECT x.model_id, x.param_key, x.param_value FROM logged_model_params x "
                      "JOIN logged_models m ON m.model_id = x.model_id WHERE " LMS_WHERE
                      " ORDER BY m.model_id, x.rowid",
                      WS_NONE},
    [Q_LMS_TAGS] = {"SELECT x.model_id, x.tag_key, x.tag_value FROM logged_model_tags x "
                    "JOIN logged_models m ON m.model_id = x.model_id WHERE " LMS_WHERE
                    " ORDER BY m.model_id, x.rowid",
                    WS_NONE},
    [Q_LMS_METRICS] = {"SELECT x.model_id, " LMM_COLS " FROM logged_model_metrics x "
                       "JOIN logged_models m ON m.model_id = x.model_id WHERE " LMS_WHERE
                       " ORDER BY m.model_id, x.rowid",
                       WS_NONE},

    [Q_RM_GET] = {"SELECT " RM_COLS " FROM registered_models WHERE name = ?1{AW}", WS_REG},
    [Q_RM_LIST] = {"SELECT " RM_COLS " FROM registered_models{WW} ORDER BY name", WS_REG},
    [Q_RM_TAGS] = {"SELECT key, value FROM registered_model_tags WHERE name = ?1{AW} "
                   "ORDER BY rowid",
                   WS_REG},
    [Q_RM_TAGS_ALL] = {"SELECT name, key, value FROM registered_model_tags{WW} ORDER BY rowid",
                       WS_REG},
    [Q_RM_ALIASES] = {"SELECT alias, version FROM registered_model_aliases WHERE name = ?1{AW} "
                      "ORDER BY rowid",
                      WS_REG},
    [Q_RM_ALIASES_ALL] = {"SELECT name, alias, version FROM registered_model_aliases{WW} "
                          "ORDER BY rowid",
                          WS_REG},
    [Q_RM_INSERT] = {"INSERT INTO registered_models (name, creation_time, last_updated_time, "
                     "description{C}) VALUES (?1, ?2, ?2, ?3{V})",
                     WS_REG},
    [Q_RM_TAG_INSERT] = {"INSERT OR REPLACE INTO registered_model_tags (key, value, name{C}) "
                         "VALUES (?1, ?2, ?3{V})",
                         WS_REG},
    [Q_RM_TOUCH] = {"UPDATE registered_models SET last_updated_time = ?2 WHERE name = ?1{AW}",
                    WS_REG},
    [Q_MV_MAX] = {"SELECT max(version) FROM model_versions WHERE name = ?1{AW}", WS_REG},
    [Q_MV_INSERT] = {"INSERT INTO model_versions (name, version, creation_time, "
                     "last_updated_time, description, user_id, current_stage, source, run_id, "
                     "status, status_message, run_link, storage_location{C}) VALUES (?1, ?2, "
                     "?3, ?3, ?4, NULL, 'None', ?5, ?6, 'READY', NULL, NULL, ?7{V})",
                     WS_REG},
    [Q_MV_TAG_INSERT] = {"INSERT OR REPLACE INTO model_version_tags (key, value, name, "
                         "version{C}) VALUES (?1, ?2, ?3, ?4{V})",
                         WS_REG},
    [Q_MV_GET] = {"SELECT " MV_COLS " FROM model_versions WHERE name = ?1 AND version = ?2 "
                  "AND " MV_ALIVE "{AW}",
                  WS_REG},
    [Q_MV_LIST] = {"SELECT " MV_COLS " FROM model_versions WHERE name = ?1 AND " MV_ALIVE
                   "{AW} ORDER BY version",
                   WS_REG},
    [Q_MV_TAGS] = {"SELECT key, value FROM model_version_tags WHERE name = ?1 AND version = ?2"
                   "{AW} ORDER BY rowid",
                   WS_REG},
    [Q_MV_TAGS_BY_NAME] = {"SELECT version, key, value FROM model_version_tags "
                           "WHERE name = ?1{AW} ORDER BY rowid",
                           WS_REG},
    [Q_MV_LATEST] = {"SELECT max(version) FROM model_versions WHERE name = ?1 AND " MV_ALIVE
                     "{AW}",
                     WS_REG},
    [Q_ALIAS_UPSERT] = {"INSERT OR REPLACE INTO registered_model_aliases (alias, version, "
                        "name{C}) VALUES (?1, ?2, ?3{V})",
                        WS_REG},
    [Q_ALIAS_GET] = {"SELECT version FROM registered_model_aliases WHERE name = ?1 AND "
                     "alias = ?2{AW}",
                     WS_REG},
};

/* Tables every operation relies on; a database without one of them is refused. */
static const char *const core_tables[] = {
    "experiments",       "runs",
    "tags",              "params",
    "metrics",           "latest_metrics",
    "experiment_tags",   "inputs",
    "logged_models",     "logged_model_params",
    "logged_model_tags", "logged_model_metrics",
    "registered_models", "model_versions",
    "registered_model_aliases", "model_version_tags",
    "registered_model_tags",
};

/* The columns this store writes, per table: any other NOT NULL column without a default
 * (a schema newer than ours) would make our INSERTs fail, so such a database is refused. */
static const char *const written_columns[][15] = {
    {"experiments", "experiment_id", "name", "artifact_location", "lifecycle_stage",
     "creation_time", "last_update_time", "workspace", NULL},
    {"experiment_tags", "key", "value", "experiment_id", NULL},
    {"runs", "run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id",
     "status", "start_time", "end_time", "source_version", "lifecycle_stage", "artifact_uri",
     "experiment_id", "deleted_time"},
    {"tags", "key", "value", "run_uuid", NULL},
    {"params", "key", "value", "run_uuid", NULL},
    {"metrics", "key", "value", "timestamp", "run_uuid", "step", "is_nan", NULL},
    {"latest_metrics", "key", "value", "timestamp", "run_uuid", "step", "is_nan", NULL},
    {"inputs", "input_uuid", "source_type", "source_id", "destination_type", "destination_id",
     "step", NULL},
    {"logged_models", "model_id", "experiment_id", "name", "artifact_location",
     "creation_timestamp_ms", "last_updated_timestamp_ms", "status", "lifecycle_stage",
     "model_type", "source_run_id", "status_message", NULL},
    {"logged_model_params", "model_id", "experiment_id", "param_key", "param_value", NULL},
    {"logged_model_tags", "model_id", "experiment_id", "tag_key", "tag_value", NULL},
    {"logged_model_metrics", "model_id", "metric_name", "metric_timestamp_ms", "metric_step",
     "metric_value", "experiment_id", "run_id", "dataset_uuid", "dataset_name",
     "dataset_digest", NULL},
    {"registered_models", "name", "creation_time", "last_updated_time", "description",
     "workspace", NULL},
    {"model_versions", "name", "version", "creation_time", "last_updated_time", "description",
     "user_id", "current_stage", "source", "run_id", "status", "status_message", "run_link",
     "storage_location", "workspace"},
    {"registered_model_tags", "key", "value", "name", "workspace", NULL},
    {"model_version_tags", "key", "value", "name", "version", "workspace", NULL},
    {"registered_model_aliases", "alias", "version", "name", "workspace", NULL},
};

typedef struct {
    mlc_store base;          /* must stay first */
    sqlite3 *db;             /* owned */
    char *path;              /* owned: the database file, for messages */
    char *root;              /* owned: artifact root for new experiments */
    int ws_exp;              /* experiments.workspace exists (MLflow >= 3.10 schema) */
    int ws_reg;              /* the registry tables have workspace columns */
    int has_assessments;     /* the assessments table exists */
    int batch;               /* inside sql_batch's write transaction: operations nest in it */
    sqlite3_stmt *st[Q__COUNT]; /* owned: prepared lazily, finalized in close */
} sql_store;

#define SQL_CAST(p) ((sql_store *)(p))

/* ==================================================================================== */
/* Small helpers: errors, strings, Python repr                                           */
/* ==================================================================================== */

static int
nomem(mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_NOMEM, ENOMEM, "out of memory");
}

/* Turns a SQLite failure into err. what says what was being done. Always -1. */
static int
db_fail(sql_store *s, int rc, const char *what, mlc_err *err)
{
    int prim = rc & 0xff;
    switch (prim) {
    case SQLITE_NOMEM:
        return nomem(err);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return mlc_err_set(err, MLC_ST_DB, rc,
                           "%s: database is locked: another connection held it for more than "
                           "%d s (while %s)",
                           s->path, SQL_BUSY_TIMEOUT_MS / 1000, what);
    case SQLITE_NOTADB:
        return mlc_err_set(err, MLC_ST_SCHEMA, rc, "%s: file is not a database", s->path);
    case SQLITE_CORRUPT:
        return mlc_err_set(err, MLC_ST_SCHEMA, rc, "%s: database disk image is malformed",
                           s->path);
    default:
        return mlc_err_set(err, MLC_ST_DB, rc, "%s: %s (while %s)", s->path,
                           sqlite3_errmsg(s->db), what);
    }
}

/* A growable string for messages and small JSON/SQL texts. oom is sticky. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void
sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void
sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void
sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        sb_putn(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_putn(b, big, (size_t)n);
    free(big);
}

/* Appends Python's repr() of the str s (None for NULL): quote choice, backslash escapes for
 * control characters, the C1 controls, NBSP and the soft hyphen. */
static void
sb_repr(sbuf *b, const char *s)
{
    if (s == NULL) {
        sb_puts(b, "None");
        return;
    }
    char q = (strchr(s, '\'') != NULL && strchr(s, '"') == NULL) ? '"' : '\'';
    sb_putn(b, &q, 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        char esc[8];
        if (c == '\\' || c == (unsigned char)q) {
            esc[0] = '\\';
            esc[1] = (char)c;
            sb_putn(b, esc, 2);
        }
        else if (c == '\n') {
            sb_puts(b, "\\n");
        }
        else if (c == '\r') {
            sb_puts(b, "\\r");
        }
        else if (c == '\t') {
            sb_puts(b, "\\t");
        }
        else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            sb_puts(b, esc);
        }
        else if (c == 0xc2 && p[1] != 0 &&
                 ((p[1] >= 0x80 && p[1] <= 0xa0) || p[1] == 0xad)) {
            snprintf(esc, sizeof esc, "\\x%02x", p[1]);
            sb_puts(b, esc);
            p++;
        }
        else {
            sb_putn(b, (const char *)p, 1);
        }
    }
    sb_putn(b, &q, 1);
}

/* Copies the buffer into err as the message (code/sys given); frees the buffer. -1. */
static int
sb_to_err(sbuf *b, mlc_err *err, mlc_status code, int sys)
{
    if (b->oom) {
        free(b->p);
        return nomem(err);
    }
    int rc = mlc_err_set(err, code, sys, "%s", b->p ? b->p : "");
    free(b->p);
    return rc;
}

static char *
dup_or_null(const char *s, int *ok)
{
    return mlc_sdup(s, ok);
}

/* Python's int() for experiment ids: optional whitespace and sign, digits with single
 * underscores between them. 0 or -1 (not an integer / out of range). */
static int
parse_int(const char *s, int64_t *out)
{
    if (s == NULL) {
        return -1;
    }
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
        p++;
    }
    int neg = 0;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (*p < '0' || *p > '9') {
        return -1;
    }
    uint64_t v = 0;
    int prev_digit = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (v > (UINT64_MAX - 9) / 10) {
                return -1;
            }
            v = v * 10 + (uint64_t)(*p - '0');
            prev_digit = 1;
        }
        else if (*p == '_' && prev_digit && p[1] >= '0' && p[1] <= '9') {
            prev_digit = 0;
        }
        else {
            break;
        }
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
        p++;
    }
    if (*p != '\0' || v > (uint64_t)INT64_MAX) {
        return -1;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* Experiment id as MLflow's SQL store parses it (None/"" mean the default experiment). */
static int
parse_experiment_id(const char *id, int64_t *out, mlc_err *err)
{
    if (id == NULL || id[0] == '\0') {
        *out = 0;
        return 0;
    }
    if (parse_int(id, out) < 0) {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "Invalid experiment ID '%s'. Experiment ID must be a valid integer.",
                           id);
    }
    return 0;
}

/* 1 when uri starts with a URI scheme ("s3:", "file:", "mlflow-artifacts:"). */
static int
has_uri_scheme(const char *uri)
{
    if (!((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z'))) {
        return 0;
    }
    for (size_t i = 1; uri[i]; i++) {
        char c = uri[i];
        if (c == ':') {
            return 1;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.')) {
            return 0;
        }
    }
    return 0;
}

/* MLflow's append_to_uri_path for one relative suffix: joins suffix to the path part of uri
 * (before any ?query or #fragment of a URI with a scheme). Returns malloc'ed or NULL. */
static char *
uri_append(const char *uri, const char *suffix)
{
    sbuf b = {0};
    size_t n = strlen(uri);
    size_t cut = n;
    if (has_uri_scheme(uri)) {
        cut = strcspn(uri, "?#");
    }
    while (*suffix == '/') {
        suffix++;
    }
    sb_putn(&b, uri, cut);
    if (cut > 0 && uri[cut - 1] != '/' && uri[cut - 1] != ':') {
        sb_puts(&b, "/");
    }
    sb_puts(&b, suffix);
    sb_puts(&b, uri + cut);
    if (b.oom || b.p == NULL) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* MLflow's resolve_uri_if_local for a caller-given artifact location: a relative plain path
 * becomes <cwd>/<path> with pathlib's normalisation (empty and "." parts dropped, ".."
 * kept); anything else is kept. Returns malloc'ed, or NULL with errno set. */
static char *
resolve_local_location(const char *loc)
{
    if (loc[0] == '/' || has_uri_scheme(loc)) {
        return strdup(loc);
    }
    char *cwd = getcwd(NULL, 0);
    if (cwd == NULL) {
        return NULL;
    }
    sbuf b = {0};
    sb_puts(&b, cwd);
    free(cwd);
    const char *p = loc;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (b.n == 0 || b.p[b.n - 1] != '/') {
                sb_puts(&b, "/");
            }
            sb_putn(&b, p, n);
        }
        p += n;
        while (*p == '/') {
            p++;
        }
    }
    if (b.oom) {
        free(b.p);
        errno = ENOMEM;
        return NULL;
    }
    return b.p;
}

/* Sanitises a metric value as MLflow's SQL store does: NaN -> 0.0 (is_nan 1), +-inf ->
 * +-DBL_MAX. */
static double
sanitize_metric(double v, int *is_nan)
{
    *is_nan = isnan(v) ? 1 : 0;
    if (*is_nan) {
        return 0.0;
    }
    if (isinf(v)) {
        return v > 0 ? DBL_MAX : -DBL_MAX;
    }
    return v;
}

/* ==================================================================================== */
/* Statements and transactions                                                           */
/* ==================================================================================== */

/* Expands a statement template for this database's workspace columns. malloc'ed or NULL. */
static char *
expand_sql(const char *tpl, int ws)
{
    sbuf b = {0};
    const char *p = tpl;
    while (*p) {
        const char *brace = strchr(p, '{');
        if (brace == NULL) {
            sb_puts(&b, p);
            break;
        }
        sb_putn(&b, p, (size_t)(brace - p));
        if (strncmp(brace, "{AW}", 4) == 0) {
            sb_puts(&b, ws ? " AND workspace = 'default'" : "");
            p = brace + 4;
        }
        else if (strncmp(brace, "{WW}", 4) == 0) {
            sb_puts(&b, ws ? " WHERE workspace = 'default'" : "");
            p = brace + 4;
        }
        else if (strncmp(brace, "{C}", 3) == 0) {
            sb_puts(&b, ws ? ", workspace" : "");
            p = brace + 3;
        }
        else if (strncmp(brace, "{V}", 3) == 0) {
            sb_puts(&b, ws ? ", 'default'" : "");
            p = brace + 3;
        }
        else {
            sb_putn(&b, brace, 1);
            p = brace + 1;
        }
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* Returns the cached statement id, reset and with cleared bindings (borrowed: owned by the
 * handle), or NULL with err filled. */
static sqlite3_stmt *
q(sql_store *s, int id, mlc_err *err)
{
    sqlite3_stmt *st = s->st[id];
    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    const qdef *d = &qdefs[id];
    int ws = d->ws == WS_EXP ? s->ws_exp : d->ws == WS_REG ? s->ws_reg : 0;
    char *sql = expand_sql(d->sql, ws);
    if (sql == NULL) {
        nomem(err);
        return NULL;
    }
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    free(sql);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        db_fail(s, rc, "preparing a statement", err);
        return NULL;
    }
    s->st[id] = st;
    return st;
}

/* Steps st: SQLITE_ROW or SQLITE_DONE, or -1 with err filled (st is then reset). */
static int
step(sql_store *s, sqlite3_stmt *st, const char *what, mlc_err *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        return rc;
    }
    db_fail(s, rc, what, err);
    sqlite3_reset(st);
    return -1;
}

/* Runs a statement that returns no rows (or whose rows are ignored). 0 or -1. */
static int
run_done(sql_store *s, sqlite3_stmt *st, const char *what, mlc_err *err)
{
    int rc = step(s, st, what, err);
    if (rc < 0) {
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v == NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int
bind_time(sqlite3_stmt *st, int i, int64_t t)
{
    return t == MLC_NO_TIME ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, t);
}

/* Resets every statement that is still mid-iteration, so the transaction can end. */
static void
reset_busy(sql_store *s)
{
    for (sqlite3_stmt *st = sqlite3_next_stmt(s->db, NULL); st != NULL;
         st = sqlite3_next_stmt(s->db, st)) {
        if (sqlite3_stmt_busy(st)) {
            sqlite3_reset(st);
        }
    }
}

/* Starts a transaction: BEGIN IMMEDIATE for writes (takes the write lock up front, waiting
 * up to the busy timeout), a deferred BEGIN for reads (one consistent snapshot). Inside a
 * batch (sql_batch) the operation is a savepoint of the batch's write transaction. */
static int
tx_begin(sql_store *s, int write, mlc_err *err)
{
    int which = s->batch ? Q_SAVEPOINT : write ? Q_BEGIN_IMMEDIATE : Q_BEGIN;
    sqlite3_stmt *st = q(s, which, err);
    if (st == NULL) {
        return -1;
    }
    return run_done(s, st, write ? "starting a write transaction" : "starting a transaction",
                    err);
}

/* Runs one of the fixed transaction-control statements (BEGIN, COMMIT, savepoints ...). */
static int
tx_control(sql_store *s, int which, const char *what, mlc_err *err)
{
    sqlite3_stmt *st = q(s, which, err);
    return st == NULL ? -1 : run_done(s, st, what, err);
}

/* Ends the transaction: COMMIT when rc == 0 (a failed COMMIT rolls back and fills err),
 * ROLLBACK otherwise (err already filled). Inside a batch: RELEASE, or ROLLBACK TO and
 * RELEASE, of the operation's savepoint. Returns 0 or -1. */
static int
tx_end(sql_store *s, int rc, mlc_err *err)
{
    reset_busy(s);
    mlc_err keep;
    if (s->batch) {
        if (sqlite3_get_autocommit(s->db)) {
            /* SQLite rolled the whole batch back itself (I/O error, disk full): what the
             * batch held is gone, and later operations run on their own */
            s->batch = 0;
            if (rc == 0) {
                mlc_err_set(err, MLC_ST_DB, SQLITE_ABORT,
                            "the batch transaction was rolled back by SQLite");
            }
            return -1;
        }
        if (rc == 0) {
            return tx_control(s, Q_RELEASE, "releasing a savepoint", err);
        }
        (void)tx_control(s, Q_ROLLBACK_TO, "rolling back to a savepoint", &keep);
        (void)tx_control(s, Q_RELEASE, "releasing a savepoint", &keep);
        return -1;
    }
    if (rc == 0) {
        if (tx_control(s, Q_COMMIT, "committing", err) == 0) {
            return 0;
        }
        rc = -1;
    }
    if (!sqlite3_get_autocommit(s->db)) {
        (void)tx_control(s, Q_ROLLBACK, "rolling back", &keep);
    }
    return -1;
}

/* Column as a malloc'ed string (NULL for SQL NULL). *ok cleared on ENOMEM. */
static char *
col_str(sqlite3_stmt *st, int i, int *ok)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        return NULL;
    }
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (t == NULL) {
        *ok = 0;
        return NULL;
    }
    return dup_or_null(t, ok);
}

static int64_t
col_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? MLC_NO_TIME : sqlite3_column_int64(st, i);
}

/* Borrowed text of a column ("" for NULL; NULL only on ENOMEM). */
static const char *
col_text(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        return "";
    }
    return (const char *)sqlite3_column_text(st, i);
}

/* Appends (key, value) from columns ck, cv of the current row to l. 0 or -1 (err). */
static int
kv_from_row(sqlite3_stmt *st, int ck, int cv, mlc_kvlist *l, mlc_err *err)
{
    const char *k = col_text(st, ck);
    const char *v = sqlite3_column_type(st, cv) == SQLITE_NULL
                        ? NULL
                        : (const char *)sqlite3_column_text(st, cv);
    if (k == NULL || (v == NULL && sqlite3_column_type(st, cv) != SQLITE_NULL)) {
        return nomem(err);
    }
    if (mlc_kvlist_add(l, k, v) < 0) {
        return nomem(err);
    }
    return 0;
}

/* Appends a run metric (key, value, timestamp, step, is_nan at columns c..c+4). */
static int
metric_from_row(sqlite3_stmt *st, int c, mlc_metriclist *l, mlc_err *err)
{
    mlc_metric m = {0};
    m.key = (char *)col_text(st, c);
    if (m.key == NULL) {
        return nomem(err);
    }
    m.value = sqlite3_column_int(st, c + 4) ? NAN : sqlite3_column_double(st, c + 1);
    m.timestamp = sqlite3_column_int64(st, c + 2);
    m.step = sqlite3_column_int64(st, c + 3);
    if (mlc_metriclist_add(l, &m) < 0) {
        return nomem(err);
    }
    return 0;
}

/* Appends a logged-model metric row (LMM_COLS at column c) for model_id. */
static int
model_metric_from_row(sqlite3_stmt *st, int c, const char *model_id, mlc_metriclist *l,
                      mlc_err *err)
{
    mlc_metric m = {0};
    m.key = (char *)col_text(st, c);
    if (m.key == NULL) {
        return nomem(err);
    }
    m.value = sqlite3_column_type(st, c + 1) == SQLITE_NULL ? NAN
                                                             : sqlite3_column_double(st, c + 1);
    m.timestamp = sqlite3_column_int64(st, c + 2);
    m.step = sqlite3_column_int64(st, c + 3);
    m.model_id = (char *)model_id;
    m.run_id = (char *)(sqlite3_column_type(st, c + 4) == SQLITE_NULL
                            ? NULL
                            : sqlite3_column_text(st, c + 4));
    m.dataset_name = (char *)(sqlite3_column_type(st, c + 5) == SQLITE_NULL
                                  ? NULL
                                  : sqlite3_column_text(st, c + 5));
    m.dataset_digest = (char *)(sqlite3_column_type(st, c + 6) == SQLITE_NULL
                                    ? NULL
                                    : sqlite3_column_text(st, c + 6));
    if (mlc_metriclist_add(l, &m) < 0) {
        return nomem(err);
    }
    return 0;
}

/* Grows a record array by one zeroed element; returns its index or -1 (ENOMEM). */
static long
arr_push(void **arr, size_t *n, size_t *cap, size_t elsize)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void *p = realloc(*arr, c * elsize);
        if (p == NULL) {
            return -1;
        }
        *arr = p;
        *cap = c;
    }
    memset((char *)*arr + *n * elsize, 0, elsize);
    return (long)(*n)++;
}

/* ==================================================================================== */
/* Experiments                                                                           */
/* ==================================================================================== */

/* Fills e from the current row of an EXP_COLS statement. */
static int
experiment_from_row(sqlite3_stmt *st, mlc_experiment *e, mlc_err *err)
{
    int ok = 1;
    e->experiment_id = col_str(st, 0, &ok);
    e->name = col_str(st, 1, &ok);
    e->artifact_location = col_str(st, 2, &ok);
    e->lifecycle_stage = col_str(st, 3, &ok);
    e->creation_time = col_time(st, 4);
    e->last_update_time = col_time(st, 5);
    return ok ? 0 : nomem(err);
}

/* Loads experiment id with its tags into out. *found = 0 when there is no such row (out is
 * left empty, no error). */
static int
load_experiment(sql_store *s, int64_t id, mlc_experiment *out, int *found, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_EXP_GET, err);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    int rc = step(s, st, "reading an experiment", err);
    if (rc < 0) {
        return -1;
    }
    *found = rc == SQLITE_ROW;
    if (!*found) {
        return 0;
    }
    if (experiment_from_row(st, out, err) < 0) {
        return -1;
    }
    sqlite3_reset(st);
    st = q(s, Q_EXP_TAGS, err);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    while ((rc = step(s, st, "reading experiment tags", err)) == SQLITE_ROW) {
        if (kv_from_row(st, 0, 1, &out->tags, err) < 0) {
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

/* Loads an experiment that must exist (any lifecycle stage). */
static int
require_experiment(sql_store *s, int64_t id, mlc_experiment *out, mlc_err *err)
{
    int found = 0;
    if (load_experiment(s, id, out, &found, err) < 0) {
        return -1;
    }
    if (!found) {
        return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "No Experiment with id=%lld exists",
                           (long long)id);
    }
    return 0;
}

static int
check_experiment_active(const mlc_experiment *e, mlc_err *err)
{
    if (e->lifecycle_stage == NULL || strcmp(e->lifecycle_stage, "active") != 0) {
        return mlc_err_set(err, MLC_ST_INVALID, 0,
                           "The experiment %s must be in the 'active' state. Current state is "
                           "%s.",
                           e->experiment_id, e->lifecycle_stage ? e->lifecycle_stage : "None");
    }
    return 0;
}

/* MLflow's wording of the IntegrityError behind a duplicate experiment name. */
static int
duplicate_experiment_error(sql_store *s, const char *name, const char *artifact_location,
                           int64_t now, mlc_err *err)
{
    sbuf b = {0};
    sb_printf(&b, "Experiment(name=%s) already exists. Error: (sqlite3.IntegrityError) ", name);
    sb_puts(&b, sqlite3_errmsg(s->db));
    if (s->ws_exp) {
        sb_puts(&b, "\n[SQL: INSERT INTO experiments (name, workspace, artifact_location, "
                    "lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, "
                    "?)]\n[parameters: (");
        sb_repr(&b, name);
        sb_puts(&b, ", 'default', ");
    }
    else {
        sb_puts(&b, "\n[SQL: INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
                    "creation_time, last_update_time) VALUES (?, ?, ?, ?, ?)]\n[parameters: (");
        sb_repr(&b, name);
        sb_puts(&b, ", ");
    }
    sb_repr(&b, artifact_location);
    sb_printf(&b, ", 'active', %lld, %lld)]\n", (long long)now, (long long)now);
    sb_puts(&b, "(Background on this error at: https://sqlalche.me/e/21/gkpj)");
    return sb_to_err(&b, err, MLC_ST_EXISTS, SQLITE_CONSTRAINT);
}

static int
create_experiment_tx(sql_store *s, const char *name, const char *artifact_location,
                     const mlc_kvlist *tags, int64_t *out_id, mlc_err *err)
{
    int64_t now = mlc_now_ms();
    sqlite3_stmt *st = q(s, Q_EXP_INSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    bind_text(st, 2, artifact_location);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        duplicate_experiment_error(s, name, artifact_location, now, err);
        sqlite3_reset(st);
        return -1;
    }
    if (rc != SQLITE_DONE) {
        db_fail(s, rc, "creating an experiment", err);
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (strcmp(name, "Default") == 0) {
        /* exp 0 no longer holds the name; MLflow would fail to open the store if a non-zero
         * experiment took it. */
        return mlc_err_set(err, MLC_ST_EXISTS, 0,
                           "Experiment(name=Default) already exists. Error: the name 'Default' "
                           "is reserved for the default experiment (ID 0)");
    }
    if (artifact_location == NULL) {
        char idbuf[32];
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
        char *loc = uri_append(s->root, idbuf);
        if (loc == NULL) {
            return nomem(err);
        }
        st = q(s, Q_EXP_SET_LOCATION, err);
        if (st == NULL) {
            free(loc);
            return -1;
        }
        sqlite3_bind_int64(st, 1, id);
        bind_text(st, 2, loc);
        rc = run_done(s, st, "setting the experiment artifact location", err);
        sqlite3_clear_bindings(st);
        free(loc);
        if (rc < 0) {
            return -1;
        }
    }
    for (size_t i = 0; tags != NULL && i < tags->n; i++) {
        st = q(s, Q_EXP_TAG_UPSERT, err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, tags->items[i].key);
        bind_text(st, 2, tags->items[i].value);
        sqlite3_bind_int64(st, 3, id);
        if (run_done(s, st, "setting an experiment tag", err) < 0) {
            return -1;
        }
    }
    *out_id = id;
    return 0;
}

static int
sql_create_experiment(mlc_store *base, const char *name, const char *artifact_location,
                      const mlc_kvlist *tags, char **out_id, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    char *location = NULL;
    *out_id = NULL;
    if (name == NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid experiment name: None");
    }
    if (artifact_location != NULL && artifact_location[0] != '\0') {
        location = resolve_local_location(artifact_location);
        if (location == NULL) {
            return errno == ENOMEM ? nomem(err)
                                   : mlc_err_set(err, MLC_ST_IO, errno,
                                                 "cannot resolve the artifact location %s: %s",
                                                 artifact_location, strerror(errno));
        }
        const char *env = getenv("MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH");
        long max_len = env != NULL && env[0] != '\0' ? strtol(env, NULL, 10) : 2048;
        if ((long)strlen(location) > max_len) {
            free(location);
            return mlc_err_set(err, MLC_ST_INVALID, 0,
                               "Invalid artifact path length. The length of the artifact path "
                               "cannot be greater than %ld characters. To configure this limit, "
                               "please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment "
                               "variable.",
                               max_len);
        }
    }
    if (tx_begin(s, 1, err) < 0) {
        free(location);
        return -1;
    }
    int64_t id = 0;
    int rc = create_experiment_tx(s, name, location, tags, &id, err);
    free(location);
    if (tx_end(s, rc, err) < 0) {
        return -1;
    }
    if (asprintf(out_id, "%lld", (long long)id) < 0) {
        *out_id = NULL;
        return nomem(err);
    }
    return 0;
}

static int
sql_get_experiment(mlc_store *base, const char *experiment_id, mlc_experiment *out,
                   mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    int64_t id;
    if (parse_experiment_id(experiment_id, &id, err) < 0) {
        return -1;
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = require_experiment(s, id, out, err);
    return tx_end(s, rc, err);
}

static int
get_experiment_by_name_tx(sql_store *s, const char *name, mlc_experiment *out, int *found,
                          mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_EXP_BY_NAME, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    int rc = step(s, st, "reading an experiment", err);
    if (rc < 0) {
        return -1;
    }
    if (rc != SQLITE_ROW) {
        return 0;
    }
    int64_t id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return load_experiment(s, id, out, found, err);
}

static int
sql_get_experiment_by_name(mlc_store *base, const char *name, mlc_experiment *out, int *found,
                           mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    *found = 0;
    if (name == NULL) {
        return 0;
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = get_experiment_by_name_tx(s, name, out, found, err);
    return tx_end(s, rc, err);
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int
list_experiments_tx(sql_store *s, int view, mlc_experiment **out, size_t *n, int64_t **ids,
                    mlc_err *err)
{
    size_t cap = 0, idcap = 0, nid = 0;
    sqlite3_stmt *st = q(s, Q_EXP_LIST, err);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int(st, 1, view);
    int rc;
    while ((rc = step(s, st, "listing experiments", err)) == SQLITE_ROW) {
        long i = arr_push((void **)out, n, &cap, sizeof **out);
        long j = arr_push((void **)ids, &nid, &idcap, sizeof **ids);
        if (i < 0 || j < 0) {
            return nomem(err);
        }
        (*ids)[j] = sqlite3_column_int64(st, 0);
        if (experiment_from_row(st, &(*out)[i], err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    if (*n == 0) {
        return 0;
    }
    st = q(s, Q_EXP_TAGS_ALL, err);
    if (st == NULL) {
        return -1;
    }
    while ((rc = step(s, st, "reading experiment tags", err)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int64_t *hit = bsearch(&id, *ids, *n, sizeof id, cmp_i64);
        if (hit != NULL && kv_from_row(st, 1, 2, &(*out)[hit - *ids].tags, err) < 0) {
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

static int
sql_list_experiments(mlc_store *base, int view, mlc_experiment **out, size_t *n, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    int64_t *ids = NULL;
    *out = NULL;
    *n = 0;
    if (view < MLC_VIEW_ACTIVE || view > MLC_VIEW_ALL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid view type: %d", view);
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = list_experiments_tx(s, view, out, n, &ids, err);
    free(ids);
    rc = tx_end(s, rc, err);
    if (rc < 0) {
        mlc_experiment_array_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Deletes assessments whose metadata names run_id as their source run (MLflow does this on
 * run deletion). */
static int
delete_run_assessments(sql_store *s, const char *run_id, mlc_err *err)
{
    if (!s->has_assessments) {
        return 0;
    }
    char *pattern = NULL;
    if (asprintf(&pattern, "\"mlflow.assessment.sourceRunId\": \"%s\"", run_id) < 0) {
        return nomem(err);
    }
    sqlite3_stmt *st = q(s, Q_ASSESS_DELETE_RUN, err);
    int rc = -1;
    if (st != NULL) {
        bind_text(st, 1, pattern);
        rc = run_done(s, st, "deleting the run's assessments", err);
        sqlite3_clear_bindings(st);
    }
    free(pattern);
    return rc;
}

static int
delete_experiment_tx(sql_store *s, int64_t id, mlc_err *err)
{
    mlc_experiment e = {0};
    int rc = require_experiment(s, id, &e, err);
    if (rc == 0 && (e.lifecycle_stage == NULL || strcmp(e.lifecycle_stage, "active") != 0)) {
        rc = mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "No Experiment with id=%lld exists",
                         (long long)id);
    }
    mlc_experiment_clear(&e);
    if (rc < 0) {
        return -1;
    }
    int64_t now = mlc_now_ms();
    sqlite3_stmt *st = q(s, Q_EXP_DELETE, err);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    if (run_done(s, st, "deleting an experiment", err) < 0) {
        return -1;
    }
    if (s->has_assessments) {
        st = q(s, Q_ASSESS_DELETE_EXP, err);
        if (st == NULL) {
            return -1;
        }
        sqlite3_bind_int64(st, 1, id);
        if (run_done(s, st, "deleting the experiment's run assessments", err) < 0) {
            return -1;
        }
    }
    st = q(s, Q_EXP_DELETE_RUNS, err);
    if (st == NULL) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return run_done(s, st, "deleting the experiment's runs", err);
}

static int
sql_delete_experiment(mlc_store *base, const char *experiment_id, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    int64_t id;
    if (parse_experiment_id(experiment_id, &id, err) < 0) {
        return -1;
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = delete_experiment_tx(s, id, err);
    return tx_end(s, rc, err);
}

static int
set_experiment_tag_tx(sql_store *s, int64_t id, const char *key, const char *value,
                      mlc_err *err)
{
    mlc_experiment e = {0};
    int rc = require_experiment(s, id, &e, err);
    if (rc == 0) {
        rc = check_experiment_active(&e, err);
    }
    mlc_experiment_clear(&e);
    if (rc < 0) {
        return -1;
    }
    sqlite3_stmt *st = q(s, Q_EXP_TAG_UPSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, key);
    bind_text(st, 2, value);
    sqlite3_bind_int64(st, 3, id);
    return run_done(s, st, "setting an experiment tag", err);
}

static int
sql_set_experiment_tag(mlc_store *base, const char *experiment_id, const char *key,
                       const char *value, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    int64_t id;
    if (parse_experiment_id(experiment_id, &id, err) < 0) {
        return -1;
    }
    if (key == NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Tag key must not be None");
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = set_experiment_tag_tx(s, id, key, value, err);
    return tx_end(s, rc, err);
}

/* ==================================================================================== */
/* Runs                                                                                  */
/* ==================================================================================== */

/* Fills r from the current row of a RUN_COLS statement. */
static int
run_from_row(sqlite3_stmt *st, mlc_run *r, mlc_err *err)
{
    int ok = 1;
    r->run_id = col_str(st, 0, &ok);
    r->run_name = col_str(st, 1, &ok);
    r->experiment_id = col_str(st, 2, &ok);
    r->user_id = col_str(st, 3, &ok);
    r->status = col_str(st, 4, &ok);
    r->artifact_uri = col_str(st, 5, &ok);
    r->lifecycle_stage = col_str(st, 6, &ok);
    r->start_time = col_time(st, 7);
    r->end_time = col_time(st, 8);
    r->deleted_time = col_time(st, 9);
    return ok ? 0 : nomem(err);
}

/* MLflow shows the mlflow.runName tag when runs.name is empty. */
static int
run_fix_name(mlc_run *r, mlc_err *err)
{
    if (r->run_name != NULL && r->run_name[0] != '\0') {
        return 0;
    }
    const char *tag = mlc_kvlist_get(&r->tags, TAG_RUN_NAME);
    if (tag == NULL || tag[0] == '\0') {
        return 0;
    }
    char *d = strdup(tag);
    if (d == NULL) {
        return nomem(err);
    }
    free(r->run_name);
    r->run_name = d;
    return 0;
}

/* Adds a model input/output row (source_type, destination_id, step at columns c..c+2). */
static int
io_from_row(sqlite3_stmt *st, int c, mlc_run *r, mlc_err *err)
{
    const char *type = col_text(st, c);
    const char *model = col_text(st, c + 1);
    if (type == NULL || model == NULL) {
        return nomem(err);
    }
    int64_t stepv = sqlite3_column_int64(st, c + 2);
    int rc = strcmp(type, "RUN_OUTPUT") == 0
                 ? mlc_model_io_add(&r->model_outputs, &r->n_model_outputs, model, stepv)
                 : mlc_model_io_add(&r->model_inputs, &r->n_model_inputs, model, stepv);
    return rc < 0 ? nomem(err) : 0;
}

/* Loads a run with params, tags, latest metrics and model inputs/outputs. *found = 0 (no
 * error) when there is no such run. */
static int
load_run(sql_store *s, const char *run_id, mlc_run *out, int *found, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_RUN_GET, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    int rc = step(s, st, "reading a run", err);
    if (rc < 0) {
        return -1;
    }
    *found = rc == SQLITE_ROW;
    if (!*found) {
        return 0;
    }
    if (run_from_row(st, out, err) < 0) {
        return -1;
    }
    sqlite3_reset(st);
    static const int kv_q[2] = {Q_RUN_PARAMS, Q_RUN_TAGS};
    for (int k = 0; k < 2; k++) {
        st = q(s, kv_q[k], err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, run_id);
        mlc_kvlist *l = k == 0 ? &out->params : &out->tags;
        while ((rc = step(s, st, "reading run data", err)) == SQLITE_ROW) {
            if (kv_from_row(st, 0, 1, l, err) < 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }
    st = q(s, Q_RUN_LATEST, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    while ((rc = step(s, st, "reading run metrics", err)) == SQLITE_ROW) {
        if (metric_from_row(st, 0, &out->metrics, err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    st = q(s, Q_RUN_IO, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    while ((rc = step(s, st, "reading run models", err)) == SQLITE_ROW) {
        if (io_from_row(st, 0, out, err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    return run_fix_name(out, err);
}

static int
run_not_found(const char *run_id, mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Run with id=%s not found",
                       run_id ? run_id : "None");
}

/* Reads the run's lifecycle stage and experiment id; NOT_FOUND when missing; with
 * need_active, INVALID unless it is active. */
static int
check_run(sql_store *s, const char *run_id, int need_active, int64_t *experiment_id,
          mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_RUN_GET, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    int rc = step(s, st, "reading a run", err);
    if (rc < 0) {
        return -1;
    }
    if (rc != SQLITE_ROW) {
        return run_not_found(run_id, err);
    }
    if (experiment_id != NULL) {
        *experiment_id = sqlite3_column_int64(st, 2);
    }
    const char *stage = sqlite3_column_type(st, 6) == SQLITE_NULL
                            ? NULL
                            : (const char *)sqlite3_column_text(st, 6);
    if (need_active && (stage == NULL || strcmp(stage, "active") != 0)) {
        mlc_err_set(err, MLC_ST_INVALID, 0,
                    "The run %s must be in the 'active' state. Current state is %s.", run_id,
                    stage ? stage : "None");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

static int
upsert_run_tag(sql_store *s, const char *run_id, const char *key, const char *value,
               mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_TAG_UPSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, key);
    bind_text(st, 2, value);
    bind_text(st, 3, run_id);
    return run_done(s, st, "setting a run tag", err);
}

static int
rename_run(sql_store *s, const char *run_id, const char *name, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_RUN_UPDATE, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    bind_text(st, 4, name);
    if (run_done(s, st, "renaming a run", err) < 0) {
        return -1;
    }
    return upsert_run_tag(s, run_id, TAG_RUN_NAME, name, err);
}

static int
create_run_tx(sql_store *s, const char *given_id, int64_t exp_id, const char *user_id,
              int64_t start_time, const char *run_name, const mlc_kvlist *tags, mlc_run *out,
              mlc_err *err)
{
    mlc_experiment e = {0};
    char *artifact_uri = NULL;
    char *suffix = NULL;
    int rc = require_experiment(s, exp_id, &e, err);
    if (rc == 0) {
        rc = check_experiment_active(&e, err);
    }
    if (rc < 0) {
        goto done;
    }
    const char *tag_name = tags != NULL ? mlc_kvlist_get(tags, TAG_RUN_NAME) : NULL;
    int has_tag = tags != NULL && mlc_kvlist_has(tags, TAG_RUN_NAME);
    if (run_name != NULL && run_name[0] != '\0' && tag_name != NULL && tag_name[0] != '\0' &&
        strcmp(run_name, tag_name) != 0) {
        rc = mlc_err_set(err, MLC_ST_INVALID, 0,
                         "Both 'run_name' argument and 'mlflow.runName' tag are specified, but "
                         "with different values (run_name='%s', mlflow.runName='%s').",
                         run_name, tag_name);
        goto done;
    }
    if (run_name == NULL || run_name[0] == '\0') {
        run_name = tag_name;
    }
    char run_id[33];
    if (given_id != NULL) {
        snprintf(run_id, sizeof run_id, "%s", given_id);
    }
    else if (mlc_uuid4_hex(run_id) < 0) {
        rc = mlc_err_set(err, MLC_ST_IO, errno, "could not generate a run id: %s",
                         strerror(errno));
        goto done;
    }
    if (asprintf(&suffix, "%s/artifacts", run_id) < 0) {
        suffix = NULL;
        rc = nomem(err);
        goto done;
    }
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)exp_id);
    artifact_uri = e.artifact_location != NULL ? uri_append(e.artifact_location, suffix) : NULL;
    if (artifact_uri == NULL) {
        /* a NULL location (never written by MLflow): fall back to <root>/<id> */
        char *loc = uri_append(s->root, idbuf);
        artifact_uri = loc != NULL ? uri_append(loc, suffix) : NULL;
        free(loc);
        if (artifact_uri == NULL) {
            rc = nomem(err);
            goto done;
        }
    }
    sqlite3_stmt *st = q(s, Q_RUN_INSERT, err);
    if (st == NULL) {
        rc = -1;
        goto done;
    }
    bind_text(st, 1, run_id);
    bind_text(st, 2, run_name);
    bind_text(st, 3, user_id);
    bind_time(st, 4, start_time);
    bind_text(st, 5, artifact_uri);
    sqlite3_bind_int64(st, 6, exp_id);
    rc = run_done(s, st, "creating a run", err);
    sqlite3_clear_bindings(st);
    if (rc < 0) {
        goto done;
    }
    for (size_t i = 0; tags != NULL && i < tags->n && rc == 0; i++) {
        rc = upsert_run_tag(s, run_id, tags->items[i].key, tags->items[i].value, err);
    }
    if (rc == 0 && !has_tag && run_name != NULL) {
        rc = upsert_run_tag(s, run_id, TAG_RUN_NAME, run_name, err);
    }
    if (rc == 0) {
        int found = 0;
        rc = load_run(s, run_id, out, &found, err);
        if (rc == 0 && !found) {
            rc = run_not_found(run_id, err);
        }
    }
done:
    mlc_experiment_clear(&e);
    free(artifact_uri);
    free(suffix);
    return rc;
}

static int
sql_create_run(mlc_store *base, const char *given_id, const char *experiment_id,
               const char *user_id,
               int64_t start_time, const char *run_name, const mlc_kvlist *tags, mlc_run *out,
               mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    int64_t id;
    if (parse_experiment_id(experiment_id, &id, err) < 0) {
        return -1;
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = create_run_tx(s, given_id, id, user_id, start_time, run_name, tags, out, err);
    return tx_end(s, rc, err);
}

static int
get_run_tx(sql_store *s, const char *run_id, mlc_run *out, mlc_err *err)
{
    int found = 0;
    if (load_run(s, run_id, out, &found, err) < 0) {
        return -1;
    }
    return found ? 0 : run_not_found(run_id, err);
}

static int
sql_get_run(mlc_store *base, const char *run_id, mlc_run *out, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (run_id == NULL) {
        return run_not_found(run_id, err);
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = get_run_tx(s, run_id, out, err);
    return tx_end(s, rc, err);
}

static int
valid_run_status(const char *st)
{
    static const char *const ok[] = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (strcmp(st, ok[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
update_run_tx(sql_store *s, const char *run_id, const char *status, int64_t end_time,
              const char *run_name, mlc_err *err)
{
    if (check_run(s, run_id, 1, NULL, err) < 0) {
        return -1;
    }
    if (run_name != NULL && run_name[0] == '\0') {
        run_name = NULL; /* MLflow renames only for a non-empty name */
    }
    sqlite3_stmt *st = q(s, Q_RUN_UPDATE, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    bind_text(st, 2, status);
    bind_time(st, 3, end_time);
    bind_text(st, 4, run_name);
    if (run_done(s, st, "updating a run", err) < 0) {
        return -1;
    }
    if (run_name != NULL) {
        return upsert_run_tag(s, run_id, TAG_RUN_NAME, run_name, err);
    }
    return 0;
}

static int
sql_update_run(mlc_store *base, const char *run_id, const char *status, int64_t end_time,
               const char *run_name, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (run_id == NULL) {
        return run_not_found(run_id, err);
    }
    if (status != NULL && !valid_run_status(status)) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid run status: %s", status);
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = update_run_tx(s, run_id, status, end_time, run_name, err);
    return tx_end(s, rc, err);
}

static int
set_run_lifecycle_tx(sql_store *s, const char *run_id, int deleted, mlc_err *err)
{
    if (check_run(s, run_id, 0, NULL, err) < 0) {
        return -1;
    }
    if (deleted && delete_run_assessments(s, run_id, err) < 0) {
        return -1;
    }
    sqlite3_stmt *st = q(s, Q_RUN_LIFECYCLE, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    bind_text(st, 2, deleted ? "deleted" : "active");
    bind_time(st, 3, deleted ? mlc_now_ms() : MLC_NO_TIME);
    return run_done(s, st, deleted ? "deleting a run" : "restoring a run", err);
}

static int
set_run_lifecycle(sql_store *s, const char *run_id, int deleted, mlc_err *err)
{
    if (run_id == NULL) {
        return run_not_found(run_id, err);
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = set_run_lifecycle_tx(s, run_id, deleted, err);
    return tx_end(s, rc, err);
}

static int
sql_delete_run(mlc_store *base, const char *run_id, mlc_err *err)
{
    return set_run_lifecycle(SQL_CAST(base), run_id, 1, err);
}

static int
sql_restore_run(mlc_store *base, const char *run_id, mlc_err *err)
{
    return set_run_lifecycle(SQL_CAST(base), run_id, 0, err);
}

/* Params of a batch: new ones inserted, same value again a no-op, changed ones refused with
 * MLflow's message (log_param's wording for one param, log_batch's for several). */
static int
log_params(sql_store *s, const char *run_id, const mlc_kv *params, size_t np, mlc_err *err)
{
    sbuf conflicts = {0};
    size_t nconf = 0;
    const mlc_kv *first = NULL;
    char *first_old = NULL;
    int rc = 0;
    for (size_t i = 0; i < np && rc == 0; i++) {
        sqlite3_stmt *st = q(s, Q_PARAM_GET, err);
        if (st == NULL) {
            rc = -1;
            break;
        }
        bind_text(st, 1, run_id);
        bind_text(st, 2, params[i].key);
        int r = step(s, st, "reading a param", err);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == SQLITE_ROW) {
            const char *old = col_text(st, 0);
            const char *nv = params[i].value ? params[i].value : "";
            if (old == NULL) {
                rc = nomem(err);
                break;
            }
            if (strcmp(old, nv) != 0) {
                if (nconf == 0) {
                    first = &params[i];
                    first_old = strdup(old);
                    if (first_old == NULL) {
                        rc = nomem(err);
                        break;
                    }
                }
                sb_puts(&conflicts, nconf ? ", {'key': " : "[{'key': ");
                sb_repr(&conflicts, params[i].key);
                sb_puts(&conflicts, ", 'old_value': ");
                sb_repr(&conflicts, old);
                sb_puts(&conflicts, ", 'new_value': ");
                sb_repr(&conflicts, params[i].value);
                sb_puts(&conflicts, "}");
                nconf++;
            }
            sqlite3_reset(st);
            continue;
        }
        st = q(s, Q_PARAM_INSERT, err);
        if (st == NULL) {
            rc = -1;
            break;
        }
        bind_text(st, 1, run_id);
        bind_text(st, 2, params[i].key);
        bind_text(st, 3, params[i].value);
        rc = run_done(s, st, "logging a param", err);
    }
    if (rc == 0 && nconf > 0) {
        if (np == 1) {
            rc = mlc_err_set(err, MLC_ST_INVALID, 0,
                             "Changing param values is not allowed. Param with key='%s' was "
                             "already logged with value='%s' for run ID='%s'. Attempted logging "
                             "new value '%s'.",
                             first->key, first_old, run_id, first->value ? first->value : "");
        }
        else {
            sbuf b = {0};
            sb_puts(&b, "Changing param values is not allowed. Params were already logged='");
            sb_puts(&b, conflicts.p ? conflicts.p : "");
            sb_puts(&b, "]' for run ID='");
            sb_puts(&b, run_id);
            sb_puts(&b, "'.");
            if (conflicts.oom) {
                b.oom = 1;
            }
            rc = sb_to_err(&b, err, MLC_ST_INVALID, 0);
        }
    }
    else if (rc == 0 && conflicts.oom) {
        rc = nomem(err);
    }
    free(conflicts.p);
    free(first_old);
    return rc;
}

/* One metric into metrics (duplicates silently skipped), latest_metrics (strictly greater
 * (step, timestamp, value) wins) and, with a model_id, logged_model_metrics. */
static int
log_metric(sql_store *s, const char *run_id, int64_t exp_id, const mlc_metric *m, mlc_err *err)
{
    int is_nan;
    double v = sanitize_metric(m->value, &is_nan);
    sqlite3_stmt *st = q(s, Q_METRIC_INSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    bind_text(st, 2, m->key);
    sqlite3_bind_double(st, 3, v);
    sqlite3_bind_int64(st, 4, m->timestamp);
    sqlite3_bind_int64(st, 5, m->step);
    sqlite3_bind_int(st, 6, is_nan);
    if (run_done(s, st, "logging a metric", err) < 0) {
        return -1;
    }
    if (sqlite3_changes(s->db) > 0) {
        /* one upsert: a new key is inserted; an existing row is replaced only when the new
         * (step, timestamp, value) is strictly greater (NaN competes as its stored 0.0) */
        st = q(s, Q_LATEST_UPSERT, err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, run_id);
        bind_text(st, 2, m->key);
        sqlite3_bind_double(st, 3, v);
        sqlite3_bind_int64(st, 4, m->timestamp);
        sqlite3_bind_int64(st, 5, m->step);
        sqlite3_bind_int(st, 6, is_nan);
        if (run_done(s, st, "updating the latest metric", err) < 0) {
            return -1;
        }
    }
    if (m->model_id == NULL) {
        return 0;
    }
    st = q(s, Q_MODEL_METRIC_INSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, m->model_id);
    bind_text(st, 2, m->key);
    sqlite3_bind_int64(st, 3, m->timestamp);
    sqlite3_bind_int64(st, 4, m->step);
    sqlite3_bind_double(st, 5, v);
    sqlite3_bind_int64(st, 6, exp_id);
    bind_text(st, 7, run_id);
    bind_text(st, 8, m->dataset_name);
    bind_text(st, 9, m->dataset_digest);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        sqlite3_reset(st);
        return mlc_err_set(err, MLC_ST_NOT_FOUND, rc, "Logged model with ID '%s' not found.",
                           m->model_id);
    }
    if (rc != SQLITE_DONE) {
        db_fail(s, rc, "logging a model metric", err);
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/* n (1..BULK_N) metrics without a model in two statements of BULK_S or BULK_N rows: the
 * rows (identical ones silently skipped) and the latest values (an upsert per row in order;
 * re-applying a value that is already stored changes nothing, since only a strictly greater
 * one replaces the latest). Fewer metrics than the statement has rows fill it by repeating
 * the last one, which by those two rules writes nothing more. */
static int
log_metrics_bulk(sql_store *s, const char *run_id, const mlc_metric *metrics, size_t n,
                 mlc_err *err)
{
    int small = n <= BULK_S, rows = small ? BULK_S : BULK_N;
    const int stmts[2] = {small ? Q_METRIC_BULK_S : Q_METRIC_BULK,
                          small ? Q_LATEST_BULK_S : Q_LATEST_BULK};
    static const char *const what[2] = {"logging metrics", "updating the latest metrics"};
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *st = q(s, stmts[k], err);
        if (st == NULL) {
            return -1;
        }
        for (int r = 0; r < rows; r++) {
            const mlc_metric *m = &metrics[(size_t)r < n ? (size_t)r : n - 1];
            int is_nan, b = r * 6;
            double v = sanitize_metric(m->value, &is_nan);
            bind_text(st, b + 1, m->key);
            sqlite3_bind_double(st, b + 2, v);
            sqlite3_bind_int64(st, b + 3, m->timestamp);
            bind_text(st, b + 4, run_id);
            sqlite3_bind_int64(st, b + 5, m->step);
            sqlite3_bind_int(st, b + 6, is_nan);
        }
        if (run_done(s, st, what[k], err) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
log_batch_tx(sql_store *s, const char *run_id, const mlc_metric *metrics, size_t nm,
             const mlc_kv *params, size_t np, const mlc_kv *tags, size_t nt, mlc_err *err)
{
    int64_t exp_id = 0;
    if (check_run(s, run_id, 1, &exp_id, err) < 0) {
        return -1;
    }
    if (np > 0 && log_params(s, run_id, params, np, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < nm; i++) {
        if (metrics[i].key == NULL) {
            return mlc_err_set(err, MLC_ST_INVALID, 0, "Metric key must not be None");
        }
    }
    for (size_t i = 0; i < nm;) {
        size_t run = 0;
        while (run < BULK_N && i + run < nm && metrics[i + run].model_id == NULL) {
            run++;
        }
        if (run >= BULK_MIN) {
            if (log_metrics_bulk(s, run_id, &metrics[i], run, err) < 0) {
                return -1;
            }
            i += run;
            continue;
        }
        if (log_metric(s, run_id, exp_id, &metrics[i], err) < 0) {
            return -1;
        }
        i++;
    }
    for (size_t i = 0; i < nt; i++) {
        if (tags[i].key == NULL) {
            return mlc_err_set(err, MLC_ST_INVALID, 0, "Tag key must not be None");
        }
        int rc;
        if (strcmp(tags[i].key, TAG_RUN_NAME) == 0) {
            /* set_tag(mlflow.runName) renames the run; an empty name changes nothing */
            rc = (tags[i].value == NULL || tags[i].value[0] == '\0')
                     ? 0
                     : rename_run(s, run_id, tags[i].value, err);
        }
        else {
            rc = upsert_run_tag(s, run_id, tags[i].key, tags[i].value, err);
        }
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* Switches the connection's foreign-key enforcement (outside a transaction only). */
static int
set_foreign_keys(sql_store *s, int on, mlc_err *err)
{
    sqlite3_stmt *st = q(s, on ? Q_FK_ON : Q_FK_OFF, err);
    return st == NULL ? -1 : run_done(s, st, "configuring foreign keys", err);
}

static int
sql_log_batch(mlc_store *base, const char *run_id, const mlc_metric *metrics, size_t nm,
              const mlc_kv *params, size_t np, const mlc_kv *tags, size_t nt, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (run_id == NULL) {
        return run_not_found(run_id, err);
    }
    /* A batch of metrics runs with foreign keys off (as MLflow's connections always do):
     * log_batch_tx checks, inside the write transaction, that the run exists and is active,
     * and rows linked to a logged model keep the check. With foreign keys on, SQLite must be
     * able to abort each multi-row INSERT halfway, so it keeps a statement journal of every
     * page the statement touches that the transaction had already dirtied: for 1,000 metrics
     * that is several MB of page copies, more than the commit writes. */
    int fk_off = nm >= BULK_MIN && !s->batch; /* the pragma is a no-op in a transaction, and
                                                 every switch expires the prepared statements */
    for (size_t i = 0; fk_off && i < nm; i++) {
        fk_off = metrics[i].model_id == NULL;
    }
    if (fk_off && set_foreign_keys(s, 0, err) < 0) {
        return -1;
    }
    int rc = tx_begin(s, 1, err);
    if (rc == 0) {
        rc = log_batch_tx(s, run_id, metrics, nm, params, np, tags, nt, err);
        rc = tx_end(s, rc, err);
    }
    if (fk_off) {
        mlc_err keep;
        if (set_foreign_keys(s, 1, rc < 0 ? &keep : err) < 0) {
            rc = -1;
        }
    }
    return rc;
}

static int
delete_tag_tx(sql_store *s, const char *run_id, const char *key, mlc_err *err)
{
    if (check_run(s, run_id, 1, NULL, err) < 0) {
        return -1;
    }
    sqlite3_stmt *st = q(s, Q_TAG_DELETE, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    bind_text(st, 2, key);
    if (run_done(s, st, "deleting a run tag", err) < 0) {
        return -1;
    }
    if (sqlite3_changes(s->db) == 0) {
        return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "No tag with name: %s in run with id %s",
                           key, run_id);
    }
    return 0;
}

static int
sql_delete_tag(mlc_store *base, const char *run_id, const char *key, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (run_id == NULL) {
        return run_not_found(run_id, err);
    }
    if (key == NULL) {
        return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "No tag with name: None in run with id %s",
                           run_id);
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = delete_tag_tx(s, run_id, key, err);
    return tx_end(s, rc, err);
}

static int
metric_history_tx(sql_store *s, const char *run_id, const char *key, mlc_metriclist *out,
                  mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_METRIC_HISTORY, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, run_id);
    bind_text(st, 2, key);
    int rc;
    while ((rc = step(s, st, "reading a metric history", err)) == SQLITE_ROW) {
        if (metric_from_row(st, 0, out, err) < 0) {
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

/* Like MLflow's SQL store, an unknown run or key gives an empty history (no error). */
static int
sql_get_metric_history(mlc_store *base, const char *run_id, const char *key,
                       mlc_metriclist *out, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (run_id == NULL || key == NULL) {
        return 0;
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = metric_history_tx(s, run_id, key, out, err);
    return tx_end(s, rc, err);
}

/* The experiment ids as a JSON array of integers, for json_each(). malloc'ed in *json. */
static int
ids_json(const char *const *ids, size_t n, char **json, mlc_err *err)
{
    sbuf b = {0};
    sb_puts(&b, "[");
    for (size_t i = 0; i < n; i++) {
        int64_t v;
        if (parse_experiment_id(ids[i] ? ids[i] : "None", &v, err) < 0) {
            free(b.p);
            return -1;
        }
        sb_printf(&b, "%s%lld", i ? "," : "", (long long)v);
    }
    sb_puts(&b, "]");
    if (b.oom) {
        free(b.p);
        return nomem(err);
    }
    *json = b.p;
    return 0;
}

static int
cmp_run_id(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const mlc_run *)elem)->run_id);
}

static int
list_runs_tx(sql_store *s, const char *json, int view, mlc_run **out, size_t *n, mlc_err *err)
{
    size_t cap = 0;
    sqlite3_stmt *st = q(s, Q_RUNS_LIST, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, json);
    sqlite3_bind_int(st, 2, view);
    int rc;
    while ((rc = step(s, st, "listing runs", err)) == SQLITE_ROW) {
        long i = arr_push((void **)out, n, &cap, sizeof **out);
        if (i < 0) {
            return nomem(err);
        }
        if (run_from_row(st, &(*out)[i], err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    if (*n == 0) {
        return 0;
    }
    /* one query per child table for all the runs; rows are matched by run id */
    static const int child_q[4] = {Q_RUNS_PARAMS, Q_RUNS_TAGS, Q_RUNS_LATEST, Q_RUNS_IO};
    for (int k = 0; k < 4; k++) {
        st = q(s, child_q[k], err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, json);
        sqlite3_bind_int(st, 2, view);
        while ((rc = step(s, st, "reading run data", err)) == SQLITE_ROW) {
            const char *rid = col_text(st, 0);
            if (rid == NULL) {
                return nomem(err);
            }
            mlc_run *r = bsearch(rid, *out, *n, sizeof **out, cmp_run_id);
            if (r == NULL) {
                continue;
            }
            int r2 = k == 0   ? kv_from_row(st, 1, 2, &r->params, err)
                     : k == 1 ? kv_from_row(st, 1, 2, &r->tags, err)
                     : k == 2 ? metric_from_row(st, 1, &r->metrics, err)
                              : io_from_row(st, 1, r, err);
            if (r2 < 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < *n; i++) {
        if (run_fix_name(&(*out)[i], err) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
sql_list_runs(mlc_store *base, const char *const *experiment_ids, size_t n_ids, int view,
              mlc_run **out, size_t *n, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    char *json = NULL;
    *out = NULL;
    *n = 0;
    if (view < MLC_VIEW_ACTIVE || view > MLC_VIEW_ALL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Invalid view type: %d", view);
    }
    if (n_ids == 0) {
        return 0;
    }
    if (ids_json(experiment_ids, n_ids, &json, err) < 0) {
        return -1;
    }
    int rc = tx_begin(s, 0, err);
    if (rc == 0) {
        rc = list_runs_tx(s, json, view, out, n, err);
        rc = tx_end(s, rc, err);
    }
    free(json);
    if (rc < 0) {
        mlc_run_array_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int
log_model_output_tx(sql_store *s, const char *run_id, const char *model_id, int64_t stepv,
                    mlc_err *err)
{
    if (check_run(s, run_id, 1, NULL, err) < 0) {
        return -1;
    }
    char input_uuid[33];
    if (mlc_uuid4_hex(input_uuid) < 0) {
        return mlc_err_set(err, MLC_ST_IO, errno, "could not generate an id: %s",
                           strerror(errno));
    }
    sqlite3_stmt *st = q(s, Q_OUTPUT_INSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, input_uuid);
    bind_text(st, 2, run_id);
    bind_text(st, 3, model_id);
    sqlite3_bind_int64(st, 4, stepv);
    int rc = run_done(s, st, "logging a model output", err);
    sqlite3_clear_bindings(st);
    return rc;
}

static int
sql_log_model_output(mlc_store *base, const char *run_id, const char *model_id, int64_t stepv,
                     mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (run_id == NULL) {
        return run_not_found(run_id, err);
    }
    if (model_id == NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Model ID must not be None");
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = log_model_output_tx(s, run_id, model_id, stepv, err);
    return tx_end(s, rc, err);
}

/* ==================================================================================== */
/* Logged models                                                                         */
/* ==================================================================================== */

static int
logged_model_from_row(sqlite3_stmt *st, mlc_logged_model *m, mlc_err *err)
{
    int ok = 1;
    m->model_id = col_str(st, 0, &ok);
    m->experiment_id = col_str(st, 1, &ok);
    m->name = col_str(st, 2, &ok);
    m->artifact_location = col_str(st, 3, &ok);
    m->creation_timestamp = col_time(st, 4);
    m->last_updated_timestamp = col_time(st, 5);
    m->status = sqlite3_column_int(st, 6);
    m->lifecycle_stage = col_str(st, 7, &ok);
    m->model_type = col_str(st, 8, &ok);
    m->source_run_id = col_str(st, 9, &ok);
    m->status_message = col_str(st, 10, &ok);
    return ok ? 0 : nomem(err);
}

static int
model_not_found(const char *model_id, mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Logged model with ID '%s' not found.",
                       model_id ? model_id : "None");
}

/* Loads a logged model with params, tags and every metric row. *found = 0 when missing;
 * with alive_only, deleted models count as missing (MLflow's get_logged_model). */
static int
load_logged_model(sql_store *s, const char *model_id, int alive_only, mlc_logged_model *out,
                  int *found, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_LM_GET, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, model_id);
    int rc = step(s, st, "reading a logged model", err);
    if (rc < 0) {
        return -1;
    }
    *found = rc == SQLITE_ROW;
    if (!*found) {
        return 0;
    }
    if (logged_model_from_row(st, out, err) < 0) {
        return -1;
    }
    sqlite3_reset(st);
    if (alive_only && (out->lifecycle_stage == NULL ||
                       strcmp(out->lifecycle_stage, "deleted") == 0)) {
        *found = 0;
        mlc_logged_model_clear(out);
        return 0;
    }
    static const int kv_q[2] = {Q_LM_PARAMS, Q_LM_TAGS};
    for (int k = 0; k < 2; k++) {
        st = q(s, kv_q[k], err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, model_id);
        mlc_kvlist *l = k == 0 ? &out->params : &out->tags;
        while ((rc = step(s, st, "reading logged model data", err)) == SQLITE_ROW) {
            if (kv_from_row(st, 0, 1, l, err) < 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }
    st = q(s, Q_LM_METRICS, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, model_id);
    while ((rc = step(s, st, "reading logged model metrics", err)) == SQLITE_ROW) {
        if (model_metric_from_row(st, 0, out->model_id, &out->metrics, err) < 0) {
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

static int
create_logged_model_tx(sql_store *s, int64_t exp_id, const char *name,
                       const char *source_run_id, const char *model_type,
                       const mlc_kvlist *params, const mlc_kvlist *tags,
                       mlc_logged_model *out, mlc_err *err)
{
    mlc_experiment e = {0};
    char *location = NULL;
    char *suffix = NULL;
    int rc = require_experiment(s, exp_id, &e, err);
    if (rc == 0) {
        rc = check_experiment_active(&e, err);
    }
    if (rc < 0) {
        goto done;
    }
    char hex[33];
    if (mlc_uuid4_hex(hex) < 0) {
        rc = mlc_err_set(err, MLC_ST_IO, errno, "could not generate a model id: %s",
                         strerror(errno));
        goto done;
    }
    char model_id[40];
    snprintf(model_id, sizeof model_id, "m-%s", hex);
    if (asprintf(&suffix, "models/%s/artifacts", model_id) < 0) {
        suffix = NULL;
        rc = nomem(err);
        goto done;
    }
    if (e.artifact_location != NULL) {
        location = uri_append(e.artifact_location, suffix);
    }
    else {
        char idbuf[32];
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)exp_id);
        char *loc = uri_append(s->root, idbuf);
        location = loc != NULL ? uri_append(loc, suffix) : NULL;
        free(loc);
    }
    if (location == NULL) {
        rc = nomem(err);
        goto done;
    }
    sqlite3_stmt *st = q(s, Q_LM_INSERT, err);
    if (st == NULL) {
        rc = -1;
        goto done;
    }
    bind_text(st, 1, model_id);
    sqlite3_bind_int64(st, 2, exp_id);
    bind_text(st, 3, name != NULL ? name : model_id);
    bind_text(st, 4, location);
    sqlite3_bind_int64(st, 5, mlc_now_ms());
    bind_text(st, 6, model_type);
    bind_text(st, 7, source_run_id);
    rc = run_done(s, st, "creating a logged model", err);
    sqlite3_clear_bindings(st);
    for (int k = 0; k < 2 && rc == 0; k++) {
        const mlc_kvlist *l = k == 0 ? params : tags;
        for (size_t i = 0; l != NULL && i < l->n && rc == 0; i++) {
            st = q(s, k == 0 ? Q_LM_PARAM_UPSERT : Q_LM_TAG_UPSERT, err);
            if (st == NULL) {
                rc = -1;
                break;
            }
            bind_text(st, 1, model_id);
            sqlite3_bind_int64(st, 2, exp_id);
            bind_text(st, 3, l->items[i].key);
            bind_text(st, 4, l->items[i].value ? l->items[i].value : "");
            rc = run_done(s, st, k == 0 ? "logging a model param" : "setting a model tag", err);
        }
    }
    if (rc == 0) {
        int found = 0;
        rc = load_logged_model(s, model_id, 0, out, &found, err);
        if (rc == 0 && !found) {
            rc = model_not_found(model_id, err);
        }
    }
done:
    mlc_experiment_clear(&e);
    free(location);
    free(suffix);
    return rc;
}

static int
sql_create_logged_model(mlc_store *base, const char *experiment_id, const char *name,
                        const char *source_run_id, const char *model_type,
                        const mlc_kvlist *params, const mlc_kvlist *tags,
                        mlc_logged_model *out, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    int64_t id;
    if (parse_experiment_id(experiment_id, &id, err) < 0) {
        return -1;
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = create_logged_model_tx(s, id, name, source_run_id, model_type, params, tags, out,
                                    err);
    return tx_end(s, rc, err);
}

static int
get_logged_model_tx(sql_store *s, const char *model_id, mlc_logged_model *out, mlc_err *err)
{
    int found = 0;
    if (load_logged_model(s, model_id, 1, out, &found, err) < 0) {
        return -1;
    }
    return found ? 0 : model_not_found(model_id, err);
}

static int
sql_get_logged_model(mlc_store *base, const char *model_id, mlc_logged_model *out,
                     mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (model_id == NULL) {
        return model_not_found(model_id, err);
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = get_logged_model_tx(s, model_id, out, err);
    return tx_end(s, rc, err);
}

/* Checks that the model row exists (any lifecycle stage); gives its experiment id. */
static int
check_logged_model(sql_store *s, const char *model_id, int64_t *exp_id, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_LM_GET, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, model_id);
    int rc = step(s, st, "reading a logged model", err);
    if (rc < 0) {
        return -1;
    }
    if (rc != SQLITE_ROW) {
        return model_not_found(model_id, err);
    }
    if (exp_id != NULL) {
        *exp_id = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return 0;
}

static int
finalize_logged_model_tx(sql_store *s, const char *model_id, int status, mlc_err *err)
{
    if (check_logged_model(s, model_id, NULL, err) < 0) {
        return -1;
    }
    sqlite3_stmt *st = q(s, Q_LM_FINALIZE, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, model_id);
    sqlite3_bind_int(st, 2, status);
    sqlite3_bind_int64(st, 3, mlc_now_ms());
    return run_done(s, st, "finalizing a logged model", err);
}

static int
sql_finalize_logged_model(mlc_store *base, const char *model_id, int status, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (model_id == NULL) {
        return model_not_found(model_id, err);
    }
    if (status < MLC_LM_UNSPECIFIED || status > MLC_LM_FAILED) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Unknown model status: %d", status);
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = finalize_logged_model_tx(s, model_id, status, err);
    return tx_end(s, rc, err);
}

static int
set_logged_model_tags_tx(sql_store *s, const char *model_id, const mlc_kv *tags, size_t nt,
                         mlc_err *err)
{
    int64_t exp_id = 0;
    if (check_logged_model(s, model_id, &exp_id, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < nt; i++) {
        if (tags[i].key == NULL) {
            return mlc_err_set(err, MLC_ST_INVALID, 0, "Tag key must not be None");
        }
        sqlite3_stmt *st = q(s, Q_LM_TAG_UPSERT, err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, model_id);
        sqlite3_bind_int64(st, 2, exp_id);
        bind_text(st, 3, tags[i].key);
        bind_text(st, 4, tags[i].value ? tags[i].value : "");
        if (run_done(s, st, "setting a logged model tag", err) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
sql_set_logged_model_tags(mlc_store *base, const char *model_id, const mlc_kv *tags,
                          size_t nt, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (model_id == NULL) {
        return model_not_found(model_id, err);
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = set_logged_model_tags_tx(s, model_id, tags, nt, err);
    return tx_end(s, rc, err);
}

static int
delete_logged_model_tag_tx(sql_store *s, const char *model_id, const char *key, mlc_err *err)
{
    if (check_logged_model(s, model_id, NULL, err) < 0) {
        return -1;
    }
    sqlite3_stmt *st = q(s, Q_LM_TAG_DELETE, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, model_id);
    bind_text(st, 2, key);
    if (run_done(s, st, "deleting a logged model tag", err) < 0) {
        return -1;
    }
    if (sqlite3_changes(s->db) == 0) {
        sbuf b = {0};
        sb_puts(&b, "No tag with key ");
        sb_repr(&b, key);
        sb_puts(&b, " found for model with ID ");
        sb_repr(&b, model_id);
        sb_puts(&b, ".");
        return sb_to_err(&b, err, MLC_ST_NOT_FOUND, 0);
    }
    return 0;
}

static int
sql_delete_logged_model_tag(mlc_store *base, const char *model_id, const char *key,
                            mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (model_id == NULL) {
        return model_not_found(model_id, err);
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = delete_logged_model_tag_tx(s, model_id, key, err);
    return tx_end(s, rc, err);
}

static int
cmp_model_id(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const mlc_logged_model *)elem)->model_id);
}

static int
list_logged_models_tx(sql_store *s, const char *json, mlc_logged_model **out, size_t *n,
                      mlc_err *err)
{
    size_t cap = 0;
    sqlite3_stmt *st = q(s, Q_LMS_LIST, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, json);
    int rc;
    while ((rc = step(s, st, "listing logged models", err)) == SQLITE_ROW) {
        long i = arr_push((void **)out, n, &cap, sizeof **out);
        if (i < 0) {
            return nomem(err);
        }
        if (logged_model_from_row(st, &(*out)[i], err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    if (*n == 0) {
        return 0;
    }
    static const int child_q[3] = {Q_LMS_PARAMS, Q_LMS_TAGS, Q_LMS_METRICS};
    for (int k = 0; k < 3; k++) {
        st = q(s, child_q[k], err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, json);
        while ((rc = step(s, st, "reading logged model data", err)) == SQLITE_ROW) {
            const char *mid = col_text(st, 0);
            if (mid == NULL) {
                return nomem(err);
            }
            mlc_logged_model *m = bsearch(mid, *out, *n, sizeof **out, cmp_model_id);
            if (m == NULL) {
                continue;
            }
            int r2 = k == 0   ? kv_from_row(st, 1, 2, &m->params, err)
                     : k == 1 ? kv_from_row(st, 1, 2, &m->tags, err)
                              : model_metric_from_row(st, 1, m->model_id, &m->metrics, err);
            if (r2 < 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int
sql_list_logged_models(mlc_store *base, const char *const *experiment_ids, size_t n_ids,
                       mlc_logged_model **out, size_t *n, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    char *json = NULL;
    *out = NULL;
    *n = 0;
    if (n_ids == 0) {
        return 0;
    }
    if (ids_json(experiment_ids, n_ids, &json, err) < 0) {
        return -1;
    }
    int rc = tx_begin(s, 0, err);
    if (rc == 0) {
        rc = list_logged_models_tx(s, json, out, n, err);
        rc = tx_end(s, rc, err);
    }
    free(json);
    if (rc < 0) {
        mlc_logged_model_array_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ==================================================================================== */
/* Model registry                                                                        */
/* ==================================================================================== */

static int
rm_not_found(const char *name, mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Registered Model with name=%s not found",
                       name ? name : "None");
}

static int
mv_not_found(const char *name, int64_t version, mlc_err *err)
{
    return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Model Version (name=%s, version=%lld) not found",
                       name ? name : "None", (long long)version);
}

static int
registered_model_from_row(sqlite3_stmt *st, mlc_registered_model *rm, mlc_err *err)
{
    int ok = 1;
    rm->name = col_str(st, 0, &ok);
    rm->creation_timestamp = col_time(st, 1);
    rm->last_updated_timestamp = col_time(st, 2);
    rm->description = col_str(st, 3, &ok);
    return ok ? 0 : nomem(err);
}

/* Adds (alias, version as decimal) from columns ca, cv. */
static int
alias_from_row(sqlite3_stmt *st, int ca, int cv, mlc_kvlist *l, mlc_err *err)
{
    char vbuf[32];
    snprintf(vbuf, sizeof vbuf, "%lld", (long long)sqlite3_column_int64(st, cv));
    const char *a = col_text(st, ca);
    if (a == NULL || mlc_kvlist_add(l, a, vbuf) < 0) {
        return nomem(err);
    }
    return 0;
}

/* Loads a registered model with its tags and aliases; *found = 0 when missing. */
static int
load_registered_model(sql_store *s, const char *name, mlc_registered_model *out, int *found,
                      mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_RM_GET, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    int rc = step(s, st, "reading a registered model", err);
    if (rc < 0) {
        return -1;
    }
    *found = rc == SQLITE_ROW;
    if (!*found) {
        return 0;
    }
    if (out == NULL) {
        sqlite3_reset(st);
        return 0;
    }
    if (registered_model_from_row(st, out, err) < 0) {
        return -1;
    }
    sqlite3_reset(st);
    st = q(s, Q_RM_TAGS, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    while ((rc = step(s, st, "reading registered model tags", err)) == SQLITE_ROW) {
        if (kv_from_row(st, 0, 1, &out->tags, err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    st = q(s, Q_RM_ALIASES, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    while ((rc = step(s, st, "reading registered model aliases", err)) == SQLITE_ROW) {
        if (alias_from_row(st, 0, 1, &out->aliases, err) < 0) {
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

static int
create_registered_model_tx(sql_store *s, const char *name, const mlc_kvlist *tags,
                           const char *description, mlc_registered_model *out, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_RM_INSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, mlc_now_ms());
    bind_text(st, 3, description);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        /* MLflow tells a name taken by a prompt apart from one taken by a model */
        mlc_registered_model existing = {0};
        int found = 0;
        if (load_registered_model(s, name, &existing, &found, err) < 0) {
            mlc_registered_model_clear(&existing);
            return -1;
        }
        int old_prompt = found && mlc_kvlist_has(&existing.tags, PROMPT_TAG_KEY);
        int new_prompt = tags != NULL && mlc_kvlist_has(tags, PROMPT_TAG_KEY);
        mlc_registered_model_clear(&existing);
        if (old_prompt != new_prompt) {
            sbuf b = {0};
            sb_printf(&b, "Tried to create a %s with name ",
                      new_prompt ? "prompt" : "registered model");
            sb_repr(&b, name);
            sb_printf(&b,
                      ", but the name is already taken by a %s. MLflow does not allow creating "
                      "a model and a prompt with the same name.",
                      old_prompt ? "prompt" : "registered model");
            return sb_to_err(&b, err, MLC_ST_EXISTS, rc);
        }
        return mlc_err_set(err, MLC_ST_EXISTS, rc, "%s (name=%s) already exists.",
                           new_prompt ? "Prompt" : "Registered Model", name);
    }
    if (rc != SQLITE_DONE) {
        return db_fail(s, rc, "creating a registered model", err);
    }
    for (size_t i = 0; tags != NULL && i < tags->n; i++) {
        st = q(s, Q_RM_TAG_INSERT, err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, tags->items[i].key);
        bind_text(st, 2, tags->items[i].value);
        bind_text(st, 3, name);
        if (run_done(s, st, "setting a registered model tag", err) < 0) {
            return -1;
        }
    }
    int found = 0;
    if (load_registered_model(s, name, out, &found, err) < 0) {
        return -1;
    }
    return found ? 0 : rm_not_found(name, err);
}

static int
sql_create_registered_model(mlc_store *base, const char *name, const mlc_kvlist *tags,
                            const char *description, mlc_registered_model *out, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (name == NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Registered model name cannot be empty.");
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = create_registered_model_tx(s, name, tags, description, out, err);
    return tx_end(s, rc, err);
}

static int
get_registered_model_tx(sql_store *s, const char *name, mlc_registered_model *out,
                        mlc_err *err)
{
    int found = 0;
    if (load_registered_model(s, name, out, &found, err) < 0) {
        return -1;
    }
    return found ? 0 : rm_not_found(name, err);
}

static int
sql_get_registered_model(mlc_store *base, const char *name, mlc_registered_model *out,
                         mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (name == NULL) {
        return rm_not_found(name, err);
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = get_registered_model_tx(s, name, out, err);
    return tx_end(s, rc, err);
}

static int
cmp_rm_name(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const mlc_registered_model *)elem)->name);
}

static int
list_registered_models_tx(sql_store *s, mlc_registered_model **out, size_t *n, mlc_err *err)
{
    size_t cap = 0;
    sqlite3_stmt *st = q(s, Q_RM_LIST, err);
    if (st == NULL) {
        return -1;
    }
    int rc;
    while ((rc = step(s, st, "listing registered models", err)) == SQLITE_ROW) {
        long i = arr_push((void **)out, n, &cap, sizeof **out);
        if (i < 0) {
            return nomem(err);
        }
        if (registered_model_from_row(st, &(*out)[i], err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    if (*n == 0) {
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        st = q(s, k == 0 ? Q_RM_TAGS_ALL : Q_RM_ALIASES_ALL, err);
        if (st == NULL) {
            return -1;
        }
        while ((rc = step(s, st, "reading registered model data", err)) == SQLITE_ROW) {
            const char *name = col_text(st, 0);
            if (name == NULL) {
                return nomem(err);
            }
            mlc_registered_model *rm = bsearch(name, *out, *n, sizeof **out, cmp_rm_name);
            if (rm == NULL) {
                continue;
            }
            int r2 = k == 0 ? kv_from_row(st, 1, 2, &rm->tags, err)
                            : alias_from_row(st, 1, 2, &rm->aliases, err);
            if (r2 < 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int
sql_list_registered_models(mlc_store *base, mlc_registered_model **out, size_t *n,
                           mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    *out = NULL;
    *n = 0;
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = list_registered_models_tx(s, out, n, err);
    rc = tx_end(s, rc, err);
    if (rc < 0) {
        mlc_registered_model_array_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int
model_version_from_row(sqlite3_stmt *st, mlc_model_version *mv, mlc_err *err)
{
    int ok = 1;
    mv->name = col_str(st, 0, &ok);
    mv->version = sqlite3_column_int64(st, 1);
    mv->creation_timestamp = col_time(st, 2);
    mv->last_updated_timestamp = col_time(st, 3);
    mv->description = col_str(st, 4, &ok);
    mv->user_id = col_str(st, 5, &ok);
    mv->current_stage = col_str(st, 6, &ok);
    mv->source = col_str(st, 7, &ok);
    mv->run_id = col_str(st, 8, &ok);
    mv->status = col_str(st, 9, &ok);
    mv->status_message = col_str(st, 10, &ok);
    mv->run_link = col_str(st, 11, &ok);
    mv->storage_location = col_str(st, 12, &ok);
    /* model_versions has no model_id column: MLflow's SQL registry returns None too */
    mv->model_id = NULL;
    return ok ? 0 : nomem(err);
}

/* Adds the aliases of the model that point at mv's version. */
static int
mv_aliases(sql_store *s, mlc_model_version *mv, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_RM_ALIASES, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, mv->name);
    int rc;
    while ((rc = step(s, st, "reading model version aliases", err)) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 1) == mv->version &&
            alias_from_row(st, 0, 1, &mv->aliases, err) < 0) {
            return -1;
        }
    }
    return rc < 0 ? -1 : 0;
}

/* Loads a (non-deleted) model version with tags and aliases; *found = 0 when missing. */
static int
load_model_version(sql_store *s, const char *name, int64_t version, mlc_model_version *out,
                   int *found, mlc_err *err)
{
    sqlite3_stmt *st = q(s, Q_MV_GET, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, version);
    int rc = step(s, st, "reading a model version", err);
    if (rc < 0) {
        return -1;
    }
    *found = rc == SQLITE_ROW;
    if (!*found) {
        return 0;
    }
    if (out == NULL) {
        sqlite3_reset(st);
        return 0;
    }
    if (model_version_from_row(st, out, err) < 0) {
        return -1;
    }
    sqlite3_reset(st);
    st = q(s, Q_MV_TAGS, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, version);
    while ((rc = step(s, st, "reading model version tags", err)) == SQLITE_ROW) {
        if (kv_from_row(st, 0, 1, &out->tags, err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    return mv_aliases(s, out, err);
}

/* For a "models:/m-<id>" source: the logged model's artifact location and source run. */
static int
resolve_model_source(sql_store *s, const char *source, const char *model_id,
                     char **storage_location, char **run_id, mlc_err *err)
{
    const char *mid = NULL;
    int from_source = 0;
    if (*storage_location == NULL && source != NULL && strncmp(source, "models:/", 8) == 0 &&
        strncmp(source + 8, "m-", 2) == 0 && strchr(source + 8, '/') == NULL) {
        mid = source + 8;
        from_source = 1;
    }
    else if (*run_id == NULL && model_id != NULL) {
        mid = model_id;
    }
    if (mid == NULL) {
        return 0;
    }
    mlc_logged_model lm = {0};
    int found = 0;
    int rc = load_logged_model(s, mid, 1, &lm, &found, err);
    if (rc == 0 && !found) {
        if (from_source) {
            rc = mlc_err_set(err, MLC_ST_NOT_FOUND, 0,
                             "Unable to fetch model from model URI source artifact location "
                             "'%s'.Error: Logged model with ID '%s' not found.",
                             source, mid);
        }
        else {
            rc = model_not_found(mid, err);
        }
    }
    if (rc == 0) {
        int ok = 1;
        if (from_source) {
            *storage_location = dup_or_null(lm.artifact_location, &ok);
        }
        if (*run_id == NULL) {
            *run_id = dup_or_null(lm.source_run_id, &ok);
        }
        if (!ok) {
            rc = nomem(err);
        }
    }
    mlc_logged_model_clear(&lm);
    return rc;
}

static int
create_model_version_tx(sql_store *s, const char *name, const char *source, const char *run_id,
                        const char *model_id, const char *storage_location,
                        const mlc_kvlist *tags, const char *description,
                        mlc_model_version *out, mlc_err *err)
{
    char *own_loc = NULL;
    char *own_run = NULL;
    int rc = 0;
    int ok = 1;
    if (storage_location != NULL) {
        own_loc = dup_or_null(storage_location, &ok);
    }
    if (run_id != NULL) {
        own_run = dup_or_null(run_id, &ok);
    }
    if (!ok) {
        rc = nomem(err);
        goto done;
    }
    rc = resolve_model_source(s, source, model_id, &own_loc, &own_run, err);
    if (rc < 0) {
        goto done;
    }
    if (own_loc == NULL && source != NULL) {
        own_loc = dup_or_null(source, &ok);
        if (!ok) {
            rc = nomem(err);
            goto done;
        }
    }
    int found = 0;
    rc = load_registered_model(s, name, NULL, &found, err);
    if (rc == 0 && !found) {
        rc = rm_not_found(name, err);
    }
    if (rc < 0) {
        goto done;
    }
    int64_t now = mlc_now_ms();
    sqlite3_stmt *st = q(s, Q_RM_TOUCH, err);
    if (st == NULL) {
        rc = -1;
        goto done;
    }
    bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, now);
    if ((rc = run_done(s, st, "updating a registered model", err)) < 0) {
        goto done;
    }
    st = q(s, Q_MV_MAX, err);
    if (st == NULL) {
        rc = -1;
        goto done;
    }
    bind_text(st, 1, name);
    if ((rc = step(s, st, "reading model versions", err)) < 0) {
        goto done;
    }
    int64_t version = (rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0) + 1;
    sqlite3_reset(st);
    st = q(s, Q_MV_INSERT, err);
    if (st == NULL) {
        rc = -1;
        goto done;
    }
    bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_int64(st, 3, now);
    bind_text(st, 4, description);
    bind_text(st, 5, source);
    bind_text(st, 6, own_run);
    bind_text(st, 7, own_loc);
    rc = run_done(s, st, "creating a model version", err);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; rc == 0 && tags != NULL && i < tags->n; i++) {
        st = q(s, Q_MV_TAG_INSERT, err);
        if (st == NULL) {
            rc = -1;
            break;
        }
        bind_text(st, 1, tags->items[i].key);
        bind_text(st, 2, tags->items[i].value);
        bind_text(st, 3, name);
        sqlite3_bind_int64(st, 4, version);
        rc = run_done(s, st, "setting a model version tag", err);
    }
    if (rc == 0) {
        rc = load_model_version(s, name, version, out, &found, err);
        if (rc == 0 && !found) {
            rc = mv_not_found(name, version, err);
        }
    }
done:
    free(own_loc);
    free(own_run);
    return rc;
}

static int
sql_create_model_version(mlc_store *base, const char *name, const char *source,
                         const char *run_id, const char *model_id,
                         const char *storage_location, const mlc_kvlist *tags,
                         const char *description, mlc_model_version *out, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (name == NULL) {
        return rm_not_found(name, err);
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = create_model_version_tx(s, name, source, run_id, model_id, storage_location, tags,
                                     description, out, err);
    return tx_end(s, rc, err);
}

static int
get_model_version_tx(sql_store *s, const char *name, int64_t version, mlc_model_version *out,
                     mlc_err *err)
{
    int found = 0;
    if (load_model_version(s, name, version, out, &found, err) < 0) {
        return -1;
    }
    return found ? 0 : mv_not_found(name, version, err);
}

static int
sql_get_model_version(mlc_store *base, const char *name, int64_t version,
                      mlc_model_version *out, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (name == NULL) {
        return mv_not_found(name, version, err);
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = get_model_version_tx(s, name, version, out, err);
    return tx_end(s, rc, err);
}

static int
cmp_mv_version(const void *key, const void *elem)
{
    int64_t v = *(const int64_t *)key, w = ((const mlc_model_version *)elem)->version;
    return v < w ? -1 : v > w;
}

static int
list_model_versions_tx(sql_store *s, const char *name, mlc_model_version **out, size_t *n,
                       mlc_err *err)
{
    size_t cap = 0;
    sqlite3_stmt *st = q(s, Q_MV_LIST, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    int rc;
    while ((rc = step(s, st, "listing model versions", err)) == SQLITE_ROW) {
        long i = arr_push((void **)out, n, &cap, sizeof **out);
        if (i < 0) {
            return nomem(err);
        }
        if (model_version_from_row(st, &(*out)[i], err) < 0) {
            return -1;
        }
    }
    if (rc < 0) {
        return -1;
    }
    if (*n == 0) {
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        st = q(s, k == 0 ? Q_MV_TAGS_BY_NAME : Q_RM_ALIASES, err);
        if (st == NULL) {
            return -1;
        }
        bind_text(st, 1, name);
        while ((rc = step(s, st, "reading model version data", err)) == SQLITE_ROW) {
            int64_t v = sqlite3_column_int64(st, k == 0 ? 0 : 1);
            mlc_model_version *mv = bsearch(&v, *out, *n, sizeof **out, cmp_mv_version);
            if (mv == NULL) {
                continue;
            }
            int r2 = k == 0 ? kv_from_row(st, 1, 2, &mv->tags, err)
                            : alias_from_row(st, 0, 1, &mv->aliases, err);
            if (r2 < 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/* Every live version of the model, ascending (an unknown model gives an empty list, as
 * MLflow's search_model_versions does). */
static int
sql_list_model_versions(mlc_store *base, const char *name, mlc_model_version **out, size_t *n,
                        mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    *out = NULL;
    *n = 0;
    if (name == NULL) {
        return 0;
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = list_model_versions_tx(s, name, out, n, err);
    rc = tx_end(s, rc, err);
    if (rc < 0) {
        mlc_model_version_array_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int
set_alias_tx(sql_store *s, const char *name, const char *alias, int64_t version, mlc_err *err)
{
    int found = 0;
    if (load_model_version(s, name, version, NULL, &found, err) < 0) {
        return -1;
    }
    if (!found) {
        return mv_not_found(name, version, err);
    }
    sqlite3_stmt *st = q(s, Q_ALIAS_UPSERT, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, alias);
    sqlite3_bind_int64(st, 2, version);
    bind_text(st, 3, name);
    return run_done(s, st, "setting a registered model alias", err);
}

static int
sql_set_registered_model_alias(mlc_store *base, const char *name, const char *alias,
                               int64_t version, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (name == NULL) {
        return mv_not_found(name, version, err);
    }
    if (alias == NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Registered model alias must not be None");
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = set_alias_tx(s, name, alias, version, err);
    return tx_end(s, rc, err);
}

static int
version_by_alias_tx(sql_store *s, const char *name, const char *alias, mlc_model_version *out,
                    mlc_err *err)
{
    int found = 0;
    if (load_registered_model(s, name, NULL, &found, err) < 0) {
        return -1;
    }
    if (!found) {
        return rm_not_found(name, err);
    }
    int latest = strcasecmp(alias, "latest") == 0;
    sqlite3_stmt *st = q(s, latest ? Q_MV_LATEST : Q_ALIAS_GET, err);
    if (st == NULL) {
        return -1;
    }
    bind_text(st, 1, name);
    if (!latest) {
        bind_text(st, 2, alias);
    }
    int rc = step(s, st, "reading a registered model alias", err);
    if (rc < 0) {
        return -1;
    }
    if (rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) {
        sqlite3_reset(st);
        if (latest) {
            return mlc_err_set(err, MLC_ST_NOT_FOUND, 0, "Latest version not found for model %s.",
                               name);
        }
        /* MLflow reports a missing alias as INVALID_PARAMETER_VALUE */
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Registered model alias %s not found.",
                           alias);
    }
    int64_t version = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (load_model_version(s, name, version, out, &found, err) < 0) {
        return -1;
    }
    return found ? 0 : mv_not_found(name, version, err);
}

static int
sql_get_model_version_by_alias(mlc_store *base, const char *name, const char *alias,
                               mlc_model_version *out, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (name == NULL) {
        return rm_not_found(name, err);
    }
    if (alias == NULL) {
        return mlc_err_set(err, MLC_ST_INVALID, 0, "Registered model alias None not found.");
    }
    if (tx_begin(s, 0, err) < 0) {
        return -1;
    }
    int rc = version_by_alias_tx(s, name, alias, out, err);
    return tx_end(s, rc, err);
}

/* ==================================================================================== */
/* Opening, creating and closing                                                         */
/* ==================================================================================== */

static void
sql_close(mlc_store *base)
{
    sql_store *s = SQL_CAST(base);
    if (s == NULL) {
        return;
    }
    for (int i = 0; i < Q__COUNT; i++) {
        sqlite3_finalize(s->st[i]);
        s->st[i] = NULL;
    }
    if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK) {
        sqlite3_close_v2(s->db); /* a statement outlived us: close when it is finalized */
    }
    free(s->path);
    free(s->root);
    free(s);
}

/* Runs one SQL text (no rows expected) on the raw connection. */
static int
exec_sql(sql_store *s, const char *sql, const char *what, mlc_err *err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_fail(s, rc, what, err);
}

/* Runs a one-off query with an optional text parameter and returns the integer in the first
 * column of the first row (0 when there is no row) in *out. */
static int
query_int(sql_store *s, const char *sql, const char *param, int64_t *out, const char *what,
          mlc_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return db_fail(s, rc, what, err);
    }
    if (param != NULL) {
        sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    }
    else if (rc == SQLITE_DONE) {
        *out = 0;
    }
    else {
        db_fail(s, rc, what, err);
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

static int
count_tables(sql_store *s, int64_t *n, mlc_err *err)
{
    return query_int(s, "SELECT count(*) FROM sqlite_master", NULL, n, "reading the schema",
                     err);
}

/* Creates MLflow's schema, its seed rows and experiment 0 in one exclusive transaction,
 * unless another process got there first (checked inside the transaction). */
static int
create_schema(sql_store *s, int *created, mlc_err *err)
{
    *created = 0;
    /* a storage parameter, not part of the schema: larger pages mean fewer WAL frames per
     * batch of metrics (no effect when another process initialised the file first) */
    if (exec_sql(s, "PRAGMA page_size = 16384", "configuring the new database", err) < 0) {
        return -1;
    }
    if (exec_sql(s, "BEGIN EXCLUSIVE", "locking the new database", err) < 0) {
        return -1;
    }
    int64_t n = 0;
    int rc = count_tables(s, &n, err);
    if (rc == 0 && n == 0) {
        for (size_t i = 0; rc == 0 && i < sizeof mlc_sql_schema / sizeof mlc_sql_schema[0]; i++) {
            rc = exec_sql(s, mlc_sql_schema[i], "creating the MLflow schema", err);
        }
        if (rc == 0) {
            rc = exec_sql(s,
                          "INSERT INTO alembic_version (version_num) VALUES ('" MLC_SQL_REVISION
                          "'); INSERT INTO workspaces (name, description) VALUES ('"
                          MLC_SQL_WORKSPACE_NAME "', '" MLC_SQL_WORKSPACE_DESCRIPTION "')",
                          "writing the schema version", err);
        }
        if (rc == 0) {
            s->ws_exp = 1;
            s->ws_reg = 1;
            char *loc = uri_append(s->root, "0");
            sqlite3_stmt *st = loc != NULL ? q(s, Q_EXP_INSERT_DEFAULT, err) : NULL;
            if (loc == NULL) {
                rc = nomem(err);
            }
            else if (st == NULL) {
                rc = -1;
            }
            else {
                int64_t now = mlc_now_ms();
                bind_text(st, 1, loc);
                sqlite3_bind_int64(st, 2, now);
                rc = run_done(s, st, "creating the default experiment", err);
                sqlite3_clear_bindings(st);
            }
            free(loc);
        }
        if (rc == 0) {
            *created = 1;
        }
    }
    reset_busy(s);
    if (rc == 0) {
        rc = exec_sql(s, "COMMIT", "committing the new schema", err);
    }
    if (rc < 0 && !sqlite3_get_autocommit(s->db)) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (rc < 0) {
        *created = 0;
    }
    return rc;
}

static int
column_exists(sql_store *s, const char *table, const char *column, int *exists, mlc_err *err)
{
    int64_t v = 0;
    char *sql = sqlite3_mprintf("SELECT count(*) FROM pragma_table_info(%Q) WHERE name = ?1",
                                table);
    if (sql == NULL) {
        return nomem(err);
    }
    int rc = query_int(s, sql, column, &v, "reading the schema", err);
    sqlite3_free(sql);
    *exists = v > 0;
    return rc;
}

/* Checks the core tables and our columns, and detects the workspace columns. */
static int
check_schema(sql_store *s, mlc_err *err)
{
    for (size_t i = 0; i < sizeof core_tables / sizeof core_tables[0]; i++) {
        int64_t n = 0;
        if (query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                      core_tables[i], &n, "reading the schema", err) < 0) {
            return -1;
        }
        if (n == 0) {
            return mlc_err_set(err, MLC_ST_SCHEMA, 0,
                               "%s: not an MLflow tracking database: table '%s' is missing",
                               s->path, core_tables[i]);
        }
    }
    int64_t n = 0;
    if (query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                  "assessments", &n, "reading the schema", err) < 0) {
        return -1;
    }
    s->has_assessments = n > 0;
    if (column_exists(s, "experiments", "workspace", &s->ws_exp, err) < 0) {
        return -1;
    }
    static const char *const reg_tables[] = {"registered_models", "model_versions",
                                             "registered_model_tags", "model_version_tags",
                                             "registered_model_aliases"};
    s->ws_reg = 1;
    for (size_t i = 0; i < sizeof reg_tables / sizeof reg_tables[0]; i++) {
        int has = 0;
        if (column_exists(s, reg_tables[i], "workspace", &has, err) < 0) {
            return -1;
        }
        s->ws_reg = s->ws_reg && has;
    }
    /* a NOT NULL column without default that we never write would break our INSERTs */
    for (size_t t = 0; t < sizeof written_columns / sizeof written_columns[0]; t++) {
        const char *const *cols = written_columns[t];
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(s->db,
                                    "SELECT name FROM pragma_table_info(?1) "
                                    "WHERE \"notnull\" AND dflt_value IS NULL",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(st);
            return db_fail(s, rc, "reading the schema", err);
        }
        sqlite3_bind_text(st, 1, cols[0], -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *col = (const char *)sqlite3_column_text(st, 0);
            int known = 0;
            for (size_t c = 1; c < 15 && cols[c] != NULL; c++) {
                if (col != NULL && strcmp(col, cols[c]) == 0) {
                    known = 1;
                    break;
                }
            }
            if (!known) {
                mlc_err_set(err, MLC_ST_SCHEMA, 0,
                            "%s: unsupported MLflow schema: column %s.%s is NOT NULL without a "
                            "default and mlflow_c does not write it",
                            s->path, cols[0], col ? col : "?");
                sqlite3_finalize(st);
                return -1;
            }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            return db_fail(s, rc, "reading the schema", err);
        }
    }
    return 0;
}

/* MLflow inserts experiment 0 when it is missing; so do we (with our artifact root). */
static int
ensure_default_experiment(sql_store *s, mlc_err *err)
{
    int64_t n = 0;
    if (query_int(s, "SELECT count(*) FROM experiments WHERE experiment_id = 0", NULL, &n,
                  "reading the default experiment", err) < 0) {
        return -1;
    }
    if (n > 0) {
        return 0;
    }
    if (tx_begin(s, 1, err) < 0) {
        return -1;
    }
    int rc = query_int(s, "SELECT count(*) FROM experiments WHERE experiment_id = 0", NULL, &n,
                       "reading the default experiment", err);
    if (rc == 0 && n == 0) {
        char *loc = uri_append(s->root, "0");
        sqlite3_stmt *st = loc != NULL ? q(s, Q_EXP_INSERT_DEFAULT, err) : NULL;
        if (loc == NULL) {
            rc = nomem(err);
        }
        else if (st == NULL) {
            rc = -1;
        }
        else {
            bind_text(st, 1, loc);
            sqlite3_bind_int64(st, 2, mlc_now_ms());
            rc = run_done(s, st, "creating the default experiment", err);
            sqlite3_clear_bindings(st);
        }
        free(loc);
    }
    return tx_end(s, rc, err);
}

/* Opens (begin) or closes (commit or roll back) one write transaction that the operations
 * run until the close nest in as savepoints: many small writes share one commit. */
static int
sql_batch(mlc_store *base, int begin, mlc_err *err)
{
    sql_store *s = SQL_CAST(base);
    if (begin) {
        if (s->batch) {
            return mlc_err_set(err, MLC_ST_BAD_STATE, 0, "a batch is already open");
        }
        if (tx_begin(s, 1, err) < 0) {
            return -1;
        }
        s->batch = 1;
        return 0;
    }
    if (!s->batch) {
        return 0; /* never opened, or SQLite ended it (reported by the failing operation) */
    }
    s->batch = 0;
    return tx_end(s, 0, err);
}

static const mlc_store_ops sql_ops = {
    .kind = "sqlite",
    .close = sql_close,
    .batch = sql_batch,
    .create_experiment = sql_create_experiment,
    .get_experiment = sql_get_experiment,
    .get_experiment_by_name = sql_get_experiment_by_name,
    .list_experiments = sql_list_experiments,
    .delete_experiment = sql_delete_experiment,
    .set_experiment_tag = sql_set_experiment_tag,
    .create_run = sql_create_run,
    .get_run = sql_get_run,
    .update_run = sql_update_run,
    .delete_run = sql_delete_run,
    .restore_run = sql_restore_run,
    .log_batch = sql_log_batch,
    .delete_tag = sql_delete_tag,
    .get_metric_history = sql_get_metric_history,
    .list_runs = sql_list_runs,
    .log_model_output = sql_log_model_output,
    .create_logged_model = sql_create_logged_model,
    .get_logged_model = sql_get_logged_model,
    .finalize_logged_model = sql_finalize_logged_model,
    .set_logged_model_tags = sql_set_logged_model_tags,
    .delete_logged_model_tag = sql_delete_logged_model_tag,
    .list_logged_models = sql_list_logged_models,
    .create_registered_model = sql_create_registered_model,
    .get_registered_model = sql_get_registered_model,
    .list_registered_models = sql_list_registered_models,
    .create_model_version = sql_create_model_version,
    .get_model_version = sql_get_model_version,
    .list_model_versions = sql_list_model_versions,
    .set_registered_model_alias = sql_set_registered_model_alias,
    .get_model_version_by_alias = sql_get_model_version_by_alias,
};

/* Creates the parent directory of path when it is missing. 0 or -1/errno. */
static int
make_parent_dirs(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path) {
        return 0;
    }
    char *dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int rc = mlc_fs_makedirs(dir);
    int e = errno;
    free(dir);
    errno = e;
    return rc;
}

mlc_store *
mlc_sql_open(const char *db_path, const char *artifact_root, mlc_err *err)
{
    sql_store *s = NULL;
    if (db_path == NULL || db_path[0] == '\0') {
        mlc_err_set(err, MLC_ST_INVALID, 0, "empty SQLite database path");
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        nomem(err);
        return NULL;
    }
    s->base.ops = &sql_ops;
    s->path = strdup(db_path);
    s->root = strdup(artifact_root != NULL ? artifact_root : "");
    if (s->path == NULL || s->root == NULL) {
        nomem(err);
        goto error;
    }

    struct stat sb;
    int fresh = 0;
    if (stat(db_path, &sb) < 0) {
        if (errno != ENOENT) {
            mlc_err_set(err, MLC_ST_IO, errno, "%s: %s", db_path, strerror(errno));
            goto error;
        }
        fresh = 1;
        if (make_parent_dirs(db_path) < 0) {
            mlc_err_set(err, MLC_ST_IO, errno, "%s: cannot create the parent directory: %s",
                        db_path, strerror(errno));
            goto error;
        }
    }
    else if (S_ISDIR(sb.st_mode)) {
        mlc_err_set(err, MLC_ST_IO, EISDIR, "%s: is a directory, not a database file", db_path);
        goto error;
    }
    else if (sb.st_size == 0) {
        fresh = 1;
    }

    int flags = SQLITE_OPEN_READWRITE | (fresh ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(db_path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        int sys = s->db != NULL ? sqlite3_system_errno(s->db) : 0;
        mlc_err_set(err, (rc & 0xff) == SQLITE_NOMEM ? MLC_ST_NOMEM : MLC_ST_IO,
                    sys ? sys : rc, "%s: cannot open the database: %s%s%s", db_path,
                    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
                    sys ? ": " : "", sys ? strerror(sys) : "");
        goto error;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, SQL_BUSY_TIMEOUT_MS);
    /* temp_store = MEMORY: statement journals (kept for statements that may abort halfway,
     * e.g. the latest_metrics upsert) are copies in memory, not a 16 KB pwrite per page to a
     * temp file. */
    if (exec_sql(s,
                 "PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = true; "
                 "PRAGMA temp_store = MEMORY",
                 "configuring the connection", err) < 0) {
        goto error;
    }
    int64_t ntables = 0;
    if (count_tables(s, &ntables, err) < 0) {
        goto error;
    }
    if (ntables == 0) {
        int created = 0;
        if (create_schema(s, &created, err) < 0) {
            goto error;
        }
        if (created) {
            sqlite3_stmt *st = NULL;
            rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
            if (rc == SQLITE_OK) {
                while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                }
            }
            sqlite3_finalize(st);
            if (rc != SQLITE_DONE) {
                db_fail(s, rc, "switching the new database to WAL mode", err);
                goto error;
            }
        }
    }
    /* In WAL mode a commit that is not fsync'ed survives any crash of the writing process
     * (only an OS crash or power loss can drop the newest commits, never corrupt the file), so
     * WAL databases get synchronous=NORMAL: about 100x cheaper commits than FULL. Databases in
     * rollback-journal mode (as MLflow leaves them) keep SQLite's default. Per connection: the
     * file is not changed. */
    {
        sqlite3_stmt *jm = NULL;
        int wal = 0;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &jm, NULL) == SQLITE_OK &&
            sqlite3_step(jm) == SQLITE_ROW) {
            const unsigned char *mode = sqlite3_column_text(jm, 0);
            wal = mode != NULL && strcmp((const char *)mode, "wal") == 0;
        }
        sqlite3_finalize(jm);
        if (wal && exec_sql(s, "PRAGMA synchronous = NORMAL", "configuring the connection",
                            err) < 0) {
            goto error;
        }
        /* metrics and its indexes take random inserts (key order): a page cache of 2 MB (the
         * default) misses on every insert once the tables outgrow it */
        if (exec_sql(s, "PRAGMA cache_size = -65536", "configuring the connection", err) < 0) {
            goto error;
        }
    }
    if (check_schema(s, err) < 0) {
        goto error;
    }
    /* statements prepared while creating used the fresh schema's flags; start over */
    for (int i = 0; i < Q__COUNT; i++) {
        sqlite3_finalize(s->st[i]);
        s->st[i] = NULL;
    }
    if (ensure_default_experiment(s, err) < 0) {
        goto error;
    }
    return &s->base;

error:
    sql_close(&s->base);
    return NULL;
}
