"""Build of mlflow_c's C extension (mlflow_c._core).

Environment switches: MLFLOW_C_DEBUG=1 (-O0 -g, asserts on), MLFLOW_C_SANITIZE=1 (ASan+UBSan),
MLFLOW_C_COVERAGE=1 (gcov). Warnings are errors in every build.
"""
import glob
import os
import subprocess
import sys

from setuptools import Extension, setup


def pkg_config(*args):
    try:
        out = subprocess.run(
            ["pkg-config", *args], check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(
            f"mlflow_c: pkg-config {' '.join(args)} failed ({exc}). Install libyaml-dev, "
            "libsqlite3-dev and pkg-config (apt-get install libyaml-dev libsqlite3-dev pkg-config)."
        )
    return out.split()


def numpy_include():
    import numpy

    return numpy.get_include()


def flags():
    on = lambda name: os.environ.get(name, "") not in ("", "0")  # noqa: E731
    cflags = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers",
              "-fvisibility=hidden"]
    ldflags = []
    if on("MLFLOW_C_DEBUG") or on("MLFLOW_C_SANITIZE"):
        cflags += ["-O0", "-g", "-UNDEBUG"]
    else:
        cflags += ["-O2"]
    if on("MLFLOW_C_SANITIZE"):
        san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
               "-fno-omit-frame-pointer"]
        cflags += san
        ldflags += san
    if on("MLFLOW_C_COVERAGE"):
        cflags += ["--coverage"]
        ldflags += ["--coverage"]
    return cflags, ldflags


libs = ["yaml-0.1", "sqlite3"]
cflags, ldflags = flags()
ext = Extension(
    "mlflow_c._core",
    sources=sorted(glob.glob("csrc/*.c")),
    depends=sorted(glob.glob("csrc/*.h")),
    include_dirs=[numpy_include()],
    extra_compile_args=cflags + pkg_config("--cflags", *libs),
    extra_link_args=ldflags + pkg_config("--libs", *libs),
)

setup(ext_modules=[ext])
