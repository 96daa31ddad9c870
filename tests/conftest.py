"""Shared fixtures: the fitted model zoo (session scope), fresh model paths and MLflow's oracle.

Real MLflow (``mlflow``) is the oracle for these tests. Importing ``mlflow.pyfunc`` emits a
UserWarning of MLflow's own (about an ``Any`` type hint in its responses types); the suite turns
warnings into errors, so MLflow is imported here once with warnings silenced.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import mlflow  # noqa: F401
    import mlflow.models  # noqa: F401
    import mlflow.pyfunc  # noqa: F401
    import mlflow.statsmodels  # noqa: F401

import zoo  # noqa: E402

# pytest imports every directory's conftest.py as the module ``conftest``, so which one
# ``import conftest`` finds depends on what was collected last; test modules of this directory
# import this one as ``rootconf`` instead.
sys.modules["rootconf"] = sys.modules[__name__]

# MLflow-side saves pass this to skip MLflow's seconds-long requirement inference subprocess.
FAST_REQS = ["statsmodels"]


@dataclasses.dataclass
class FittedCase:
    entry: zoo.ZooEntry
    results: Any

    @property
    def name(self) -> str:
        return self.entry.name

    def inference_input(self):
        return self.entry.inference_input()

    def expected(self):
        return self.entry.expected(self.results)


_FITTED: dict[str, Any] = {}


def fitted_results(name: str):
    """The session-wide fitted results for a zoo entry (fitted once, on first use)."""
    if name not in _FITTED:
        _FITTED[name] = zoo.BY_NAME[name].fit()
    return _FITTED[name]


@pytest.fixture(scope="session")
def zoo_results():
    """A function name -> fitted results, shared by the whole session. Never mutate them."""
    return fitted_results


@pytest.fixture(scope="session", params=zoo.NAMES, ids=zoo.NAMES)
def zoo_case(request) -> FittedCase:
    return FittedCase(zoo.BY_NAME[request.param], fitted_results(request.param))


@pytest.fixture(scope="session", params=zoo.PREDICTING, ids=zoo.PREDICTING)
def predicting_case(request) -> FittedCase:
    return FittedCase(zoo.BY_NAME[request.param], fitted_results(request.param))


@pytest.fixture(scope="session")
def ols_results():
    """The zoo's OLS results (shared: do not pass to anything that mutates it)."""
    return fitted_results("ols")


@pytest.fixture(scope="session")
def ols_new_X():
    return zoo.BY_NAME["ols"].inference_input()


@pytest.fixture(scope="session")
def arima_results():
    return fitted_results("arima")


@pytest.fixture
def fresh_ols():
    """A freshly fitted OLS results object that a test may mutate."""
    return zoo.BY_NAME["ols"].fit()


@pytest.fixture
def model_path(tmp_path) -> Path:
    """A path that does not exist yet, inside a fresh per-test directory."""
    return tmp_path / "model"


@pytest.fixture
def fresh_dir(tmp_path):
    """A function returning a new, not yet existing path under the test's tmp dir."""
    counter = iter(range(10**6))

    def make(stem: str = "m") -> Path:
        return tmp_path / f"{stem}{next(counter)}"

    return make
