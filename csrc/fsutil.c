/* fsutil.c: POSIX file-system helpers used by save/load (and later the file store).
 * Pure C: no Python objects, no exceptions; errors are -1 with errno. */
#define _GNU_SOURCE
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
mlc_fs_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int need_sep = la > 0 && a[la - 1] != '/';
    char *out = malloc(la + lb + 2);
    if (out == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(out, a, la);
    if (need_sep) {
        out[la++] = '/';
    }
    memcpy(out + la, b, lb + 1);
    return out;
}

int
mlc_fs_makedirs(const char *path)
{
    /* the common case (it exists already) costs one stat, not a mkdir per component */
    struct stat have;
    if (stat(path, &have) == 0 && S_ISDIR(have.st_mode)) {
        return 0;
    }
    char *buf = strdup(path);
    if (buf == NULL) {
        errno = ENOMEM;
        return -1;
    }
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/') {
        buf[--n] = '\0';
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
            int err = errno;
            free(buf);
            errno = err;
            return -1;
        }
        *p = '/';
    }
    int rc = mkdir(buf, 0777);
    int err = errno;
    if (rc < 0 && err == EEXIST) {
        struct stat stt;
        rc = (stat(buf, &stt) == 0 && S_ISDIR(stt.st_mode)) ? 0 : -1;
        err = rc == 0 ? 0 : EEXIST;
    }
    free(buf);
    errno = err;
    return rc;
}

int
mlc_fs_isdir(const char *path)
{
    struct stat stt;
    if (stat(path, &stt) < 0) {
        return (errno == ENOENT || errno == ENOTDIR) ? 0 : -1;
    }
    return S_ISDIR(stt.st_mode) ? 1 : 0;
}

int
mlc_fs_exists(const char *path)
{
    struct stat stt;
    if (lstat(path, &stt) < 0) {
        return (errno == ENOENT || errno == ENOTDIR) ? 0 : -1;
    }
    return 1;
}

int
mlc_fs_dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    int empty = 1;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    int err = errno;
    closedir(d);
    if (empty && err != 0) {
        errno = err;
        return -1;
    }
    return empty;
}

/* Splits path into a malloc'ed directory part ("." when none) and a pointer to the base. */
static char *
split_dir(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        *base = path;
        return strdup(".");
    }
    *base = slash + 1;
    if (slash == path) {
        return strdup("/");
    }
    return strndup(path, (size_t)(slash - path));
}

char *
mlc_fs_temp_sibling_dir(const char *path)
{
    const char *base;
    char *dir = split_dir(path, &base);
    if (dir == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    size_t need = strlen(dir) + strlen(base) + 32;
    char *tmpl = malloc(need);
    if (tmpl == NULL) {
        free(dir);
        errno = ENOMEM;
        return NULL;
    }
    snprintf(tmpl, need, "%s/.%s.tmp-XXXXXX", dir, base);
    free(dir);
    if (mkdtemp(tmpl) == NULL) {
        int err = errno;
        free(tmpl);
        errno = err;
        return NULL;
    }
    return tmpl;
}

/* Writes all of data to fd, retrying on EINTR and short writes. */
static int
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int
mlc_fs_write_atomic(const char *path, const char *data, size_t len, int sync)
{
    size_t need = strlen(path) + 16;
    char *tmp = malloc(need);
    if (tmp == NULL) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmp, need, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        errno = err;
        return -1;
    }
    /* mkstemp makes 0600 files; give the file the mode a plain open() would. */
    mode_t mask = umask(0);
    umask(mask);
    int err = 0;
    if (fchmod(fd, 0666 & ~mask) < 0 || write_all(fd, data, len) < 0 ||
        (sync && fsync(fd) < 0)) {
        err = errno;
    }
    if (close(fd) < 0 && err == 0) {
        err = errno;
    }
    if (err == 0 && rename(tmp, path) < 0) {
        err = errno;
    }
    if (err != 0) {
        unlink(tmp);
    }
    free(tmp);
    errno = err;
    return err == 0 ? 0 : -1;
}

int
mlc_fs_read(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    struct stat stt;
    if (fstat(fd, &stt) < 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    if (S_ISDIR(stt.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    size_t cap = stt.st_size > 0 ? (size_t)stt.st_size + 1 : 4096;
    size_t used = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (used + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                close(fd);
                errno = ENOMEM;
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + used, cap - used - 1);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            int err = errno;
            free(buf);
            close(fd);
            errno = err;
            return -1;
        }
        if (r == 0) {
            break;
        }
        used += (size_t)r;
    }
    close(fd);
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
}

int
mlc_fs_rmtree(const char *path)
{
    struct stat stt;
    if (lstat(path, &stt) < 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISDIR(stt.st_mode)) {
        return unlink(path);
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *child = mlc_fs_join(path, e->d_name);
        if (child == NULL) {
            rc = -1;
            break;
        }
        rc = mlc_fs_rmtree(child);
        free(child);
        if (rc < 0) {
            break;
        }
    }
    int err = errno;
    closedir(d);
    if (rc < 0) {
        errno = err;
        return -1;
    }
    return rmdir(path);
}

static char failed_buf[PATH_MAX];

/* Records p as the failing path for mlc_fs_copy's caller. */
static void
note_failed(const char *p, const char **failed_path)
{
    snprintf(failed_buf, sizeof failed_buf, "%s", p);
    if (failed_path != NULL) {
        *failed_path = failed_buf;
    }
}

/* Copies one regular file (or symlink target contents) with its mode. */
static int
copy_file(const char *src, const char *dst, mode_t mode, const char **failed_path)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        note_failed(src, failed_path);
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
    if (out < 0) {
        int err = errno;
        close(in);
        note_failed(dst, failed_path);
        errno = err;
        return -1;
    }
    char buf[1 << 16];
    int err = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            err = errno;
            note_failed(src, failed_path);
            break;
        }
        if (r == 0) {
            break;
        }
        if (write_all(out, buf, (size_t)r) < 0) {
            err = errno;
            note_failed(dst, failed_path);
            break;
        }
    }
    close(in);
    if (close(out) < 0 && err == 0) {
        err = errno;
        note_failed(dst, failed_path);
    }
    errno = err;
    return err == 0 ? 0 : -1;
}

int
mlc_fs_copy(const char *src, const char *dst, const char **failed_path)
{
    struct stat stt;
    if (stat(src, &stt) < 0) {
        note_failed(src, failed_path);
        return -1;
    }
    if (!S_ISDIR(stt.st_mode)) {
        return copy_file(src, dst, stt.st_mode, failed_path);
    }
    if (mkdir(dst, stt.st_mode & 07777) < 0) {
        note_failed(dst, failed_path);
        return -1;
    }
    DIR *d = opendir(src);
    if (d == NULL) {
        note_failed(src, failed_path);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, "__pycache__") == 0) {
            continue;
        }
        char *s = mlc_fs_join(src, e->d_name);
        char *t = mlc_fs_join(dst, e->d_name);
        if (s == NULL || t == NULL) {
            free(s);
            free(t);
            errno = ENOMEM;
            note_failed(src, failed_path);
            rc = -1;
            break;
        }
        rc = mlc_fs_copy(s, t, failed_path);
        free(s);
        free(t);
        if (rc < 0) {
            break;
        }
    }
    int err = errno;
    closedir(d);
    errno = err;
    return rc;
}

long long
mlc_fs_tree_size(const char *path)
{
    struct stat stt;
    if (lstat(path, &stt) < 0) {
        return -1;
    }
    if (!S_ISDIR(stt.st_mode)) {
        return S_ISREG(stt.st_mode) ? (long long)stt.st_size : 0;
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    long long total = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *child = mlc_fs_join(path, e->d_name);
        if (child == NULL) {
            total = -1;
            break;
        }
        long long s = mlc_fs_tree_size(child);
        free(child);
        if (s < 0) {
            total = -1;
            break;
        }
        total += s;
    }
    int err = errno;
    closedir(d);
    errno = err;
    return total;
}

char *
mlc_fs_abspath(const char *path)
{
    char *joined = NULL;
    if (path[0] == '/') {
        joined = strdup(path);
    }
    else {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd) == NULL) {
            return NULL;
        }
        joined = mlc_fs_join(cwd, path);
    }
    if (joined == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    /* normpath: drop empty and "." parts, resolve ".." lexically */
    size_t n = strlen(joined);
    char *out = malloc(n + 2);
    if (out == NULL) {
        free(joined);
        errno = ENOMEM;
        return NULL;
    }
    size_t o = 0;
    char *save = NULL;
    for (char *part = strtok_r(joined, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0) {
            continue;
        }
        if (strcmp(part, "..") == 0) {
            while (o > 0 && out[o - 1] != '/') {
                o--;
            }
            if (o > 0) {
                o--;
            }
            continue;
        }
        out[o++] = '/';
        size_t l = strlen(part);
        memcpy(out + o, part, l);
        o += l;
    }
    if (o == 0) {
        out[o++] = '/';
    }
    out[o] = '\0';
    free(joined);
    return out;
}

/* Value of one hex digit, or -1. */
static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char *
mlc_fs_local_path(const char *uri, int *is_uri)
{
    const char *p = uri;
    *is_uri = 0;
    if (strncmp(uri, "file:", 5) == 0) {
        *is_uri = 1;
        p = uri + 5;
        if (strncmp(p, "//", 2) == 0) {
            p += 2;
            /* file://localhost/x and file:///x name /x; another host is kept as a path */
            if (strncmp(p, "localhost/", 10) == 0) {
                p += 9;
            }
        }
    }
    char *out = malloc(strlen(p) + 1);
    if (out == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    size_t o = 0;
    for (; *p; p++) {
        int hi, lo;
        if (*is_uri && *p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            p += 2;
        }
        else if (*is_uri && (*p == '?' || *p == '#')) {
            break; /* query and fragment are not part of the path */
        }
        else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}
