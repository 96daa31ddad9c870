/* fsutil.h: file-system primitives with C types only (no PyObject): temp siblings, atomic
 * writes, recursive copy/remove/size. Errors are reported as -1 with errno set; the callers
 * turn them into exceptions that name the path. */
#ifndef MLFLOW_C_CSRC_FSUTIL_H_
#define MLFLOW_C_CSRC_FSUTIL_H_

#include <stddef.h>
#include <sys/types.h>

#include "common.h"

/* Creates path and its missing parents (mode 0777 & ~umask). 0 or -1/errno. */
MLC_INTERNAL int mlc_fs_makedirs(const char *path);

/* 1 when path is an existing directory, 0 when it does not exist or is not a directory,
 * -1/errno on other failures. */
MLC_INTERNAL int mlc_fs_isdir(const char *path);

/* 1 when path exists (any kind), 0 when not, -1/errno on other failures. */
MLC_INTERNAL int mlc_fs_exists(const char *path);

/* 1 when path is a directory with no entries, 0 when it has entries, -1/errno otherwise. */
MLC_INTERNAL int mlc_fs_dir_is_empty(const char *path);

/* Creates a fresh private directory beside `path` ("<dir>/.<base>.tmp-XXXXXX") and returns its
 * malloc'ed name, or NULL/errno. The parent of path must exist. */
MLC_INTERNAL char *mlc_fs_temp_sibling_dir(const char *path);

/* Writes len bytes to path atomically: to a temp file in the same directory (fsync'ed when
 * sync), then renamed over path. 0 or -1/errno (the temp file is removed on failure).
 * Readers see the old file or the whole new one either way; sync adds survival of a power
 * loss at ~0.5 ms a file (artifacts skip it, as MLflow's local artifact store does). */
MLC_INTERNAL int mlc_fs_write_atomic(const char *path, const char *data, size_t len, int sync);

/* Reads the whole file into a malloc'ed buffer (NUL-terminated; *len excludes the NUL).
 * 0 or -1/errno. */
MLC_INTERNAL int mlc_fs_read(const char *path, char **data, size_t *len);

/* Removes path recursively (files, links, directories). Missing is not an error. 0 or -1. */
MLC_INTERNAL int mlc_fs_rmtree(const char *path);

/* Copies a file or a directory tree from src to dst (dst must not exist), keeping modes
 * and skipping __pycache__ directories.
 * 0 or -1/errno; *failed_path names the path that failed (static buffer, may be src or dst). */
MLC_INTERNAL int mlc_fs_copy(const char *src, const char *dst, const char **failed_path);

/* Total size in bytes of the regular files below path (path itself if a file), or -1/errno. */
MLC_INTERNAL long long mlc_fs_tree_size(const char *path);

/* Returns a malloc'ed os.path.abspath(path) (lexical normalisation), or NULL/errno. */
MLC_INTERNAL char *mlc_fs_abspath(const char *path);

/* Returns a malloc'ed local path for a plain path or a file: URI (file:/x, file:///x,
 * file://localhost/x; %XX escapes decoded as urllib.parse.unquote does). *is_uri tells
 * whether uri was a file: URI. NULL/ENOMEM on failure. */
MLC_INTERNAL char *mlc_fs_local_path(const char *uri, int *is_uri);

/* Returns a malloc'ed "a/b" (or NULL on ENOMEM). */
MLC_INTERNAL char *mlc_fs_join(const char *a, const char *b);

#endif /* MLFLOW_C_CSRC_FSUTIL_H_ */
