"""Fixtures of the tracking system tests: MLflow's reference database, made once per session.

See tsys.py for how the writer (mlflow_c, or MLflow with MLFLOW_C_TEST_IMPL=mlflow) is chosen.
"""

from __future__ import annotations

import os

import pytest

import tsys


@pytest.fixture(scope="session")
def ref_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mlflow_ref")


@pytest.fixture(scope="session")
def ref_db(ref_dir) -> str:
    """A database created by the installed MLflow opening a store (never modify it: copy it)."""
    path = os.path.join(ref_dir, "ref.db")
    proc = tsys.make_mlflow_db(path, cwd=ref_dir)
    assert tsys.INIT_LINE in proc.stderr, proc.stderr
    os.chmod(path, 0o444)
    return path


@pytest.fixture
def mlflow_db(ref_db, tmp_path) -> str:
    """A writable copy of the reference database (a DB that MLflow created)."""
    path = tmp_path / "mlflow_made.db"
    tsys.copy_db(ref_db, path)
    os.chmod(path, 0o644)
    return str(path)
