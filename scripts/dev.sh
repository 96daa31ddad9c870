#!/usr/bin/env bash
# One entry point for a fresh machine:
#   scripts/dev.sh demo      install what is needed, then run examples/demo.py
#   scripts/dev.sh test      install what is needed, run the whole test suite, then run it
#                            again against an ASan+UBSan build of the extension
#   scripts/dev.sh bench     install what is needed, then run the benchmarks against MLflow
#   scripts/dev.sh sanitize  only the ASan+UBSan pass
# System packages come from apt-get (libyaml-dev, libsqlite3-dev, pkg-config, a C compiler);
# Python packages go into ./.venv from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

system_packages() {
    local need=()
    command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
    command -v cc >/dev/null 2>&1 || need+=(gcc)
    pkg-config --exists yaml-0.1 2>/dev/null || need+=(libyaml-dev)
    pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
    python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
    if [ "${#need[@]}" -gt 0 ]; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        echo "== apt-get install ${need[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

python_packages() {
    [ -x "$PY" ] || python3 -m venv .venv
    "$PY" -m pip install -q --upgrade pip
    echo "== pip install -e .[test] (builds the C extension)"
    "$PY" -m pip install -q -e '.[test]'
}

# Builds the extension with ASan+UBSan in a scratch copy (the editable build stays as it is)
# and runs the test suite against it; any sanitizer report fails the run.
sanitize() {
    local tmp asan root=$PWD
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    cp -r csrc mlflow_c tests setup.py pyproject.toml README.md "$tmp"/
    rm -f "$tmp"/mlflow_c/*.so
    echo "== ASan+UBSan build and test run"
    (cd "$tmp" && MLFLOW_C_SANITIZE=1 "$root/$PY" setup.py -q build_ext --inplace >/dev/null)
    asan=$(gcc -print-file-name=libasan.so)
    (cd "$tmp" && LD_PRELOAD="$asan" PYTHONMALLOC=malloc \
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$root/$PY" -m pytest -q -p no:cacheprovider tests)
}

setup() {
    system_packages
    python_packages
}

case "${1:-}" in
demo)
    setup
    cd examples && "../$PY" demo.py
    ;;
test)
    setup
    "$PY" -m pytest -q -p no:cacheprovider tests
    sanitize
    ;;
bench)
    setup
    "$PY" -m benchmarks
    ;;
sanitize)
    setup
    sanitize
    ;;
*)
    echo "usage: scripts/dev.sh demo|test|bench|sanitize" >&2
    exit 2
    ;;
esac
