"""Which run a fit logs to: a created autologging run (tags, extra_tags, ended FINISHED), a user's
run (left open, no autologging tag, no extra_tags: Q41), exclusive mode, the Q6 fix (a
conflicting second fit in a user run goes to a nested run), configuration replacement."""

from __future__ import annotations

import getpass
import logging

import pytest
import statsmodels.api as sm

import alcases
import altools
from altools import AUTOLOG_TAG, PARENT_TAG, autolog, expected_metrics

OLS_DEFAULT_PARAMS = {"method": "pinv", "cov_type": "nonrobust", "cov_kwds": "None",
                      "use_t": "None"}
GLM_FIT = sm.GLM.fit  # the original: this module is imported while autolog is off
RESERVED_MSG = ("Tag `mlflow.autologging` is ignored as it is a reserved tag by MLflow "
                "autologging.")


def test_created_run(al, mode):
    mlc = altools.mlc()
    al.enable(extra_tags={"team": "stats", "n": 1})
    res = alcases.CASES["ols"].fit()
    assert mlc.active_run() is None
    run = al.only_run()
    last = mlc.last_active_run()
    assert last is not None and last.info.run_id == run.info.run_id
    assert last.info.status == "FINISHED"
    info, tags = run.info, run.data.tags
    assert info.status == "FINISHED"
    assert info.experiment_id == "0"
    assert info.end_time is not None and info.end_time >= info.start_time
    assert tags[AUTOLOG_TAG] == "statsmodels"
    assert tags["team"] == "stats"
    assert tags["n"] == "1"
    assert tags["mlflow.user"] == getpass.getuser()
    assert tags["mlflow.source.type"] == "LOCAL"
    assert "mlflow.source.name" in tags
    assert info.run_name and tags["mlflow.runName"] == info.run_name
    assert PARENT_TAG not in tags
    assert run.data.params == OLS_DEFAULT_PARAMS
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))


def test_each_fit_creates_its_own_run(al, mode):
    al.enable(log_models=False)
    for _ in range(3):
        alcases.CASES["ols"].fit()
    runs = al.runs()
    assert len({r.info.run_id for r in runs}) == 3
    assert len({r.info.run_name for r in runs}) == 3
    assert all(r.info.status == "FINISHED" for r in runs)


def test_user_run_is_used_and_left_open(al, mode):
    mlc = altools.mlc()
    al.enable(extra_tags={"team": "stats"})
    with mlc.start_run(tags={"mine": "yes"}) as user_run:
        rid = user_run.info.run_id
        res = alcases.CASES["ols"].fit()
        active = mlc.active_run()
        assert active is not None and active.info.run_id == rid
        during = al.get_run(rid)
        assert during.info.status == "RUNNING"
        assert during.info.end_time is None
        assert during.data.params == OLS_DEFAULT_PARAMS
        altools.assert_same_metrics(during.data.metrics, expected_metrics(res))
        assert AUTOLOG_TAG not in during.data.tags
        assert "team" not in during.data.tags  # Q41: extra_tags only on created runs
        assert during.data.tags["mine"] == "yes"
        assert al.artifacts(rid) == ["model_summary.txt"]
    run = al.only_run()
    assert run.info.run_id == rid
    assert run.info.status == "FINISHED"
    models = al.logged_models()
    assert [m.source_run_id for m in models] == [rid]


def test_user_run_ended_right_after_the_fit_is_complete(al, mode):
    """Writes queued by the fit land in the user run before end_run closes it."""
    mlc = altools.mlc()
    al.enable()
    with mlc.start_run() as user_run:
        res = alcases.CASES["glm"].fit()
    client = al.mlflow_client()  # real MLflow, after flush
    run = client.get_run(user_run.info.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == altools.expected_params(GLM_FIT)
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))
    assert [f.path for f in client.list_artifacts(user_run.info.run_id)] == ["model_summary.txt"]


def test_exclusive_with_user_run_logs_nothing(al, mode):
    mlc = altools.mlc()
    al.enable(exclusive=True)
    with mlc.start_run() as user_run:
        res = alcases.CASES["ols"].fit()
        assert res.rsquared > 0.5
    run = al.only_run()
    assert run.info.run_id == user_run.info.run_id
    assert run.data.params == {}
    assert run.data.metrics == {}
    assert al.artifacts(run.info.run_id) == []
    assert al.logged_models() == []


def test_exclusive_without_user_run_logs_normally(al, mode):
    al.enable(exclusive=True, log_models=False)
    res = alcases.CASES["ols"].fit()
    run = al.only_run()
    assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
    assert run.data.params == OLS_DEFAULT_PARAMS
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))


@pytest.mark.parametrize("bad, typename", [("abc", "str"), (["a", "b"], "list"), (3, "int")])
def test_extra_tags_must_be_a_dict(al, bad, typename):
    from mlflow_c.exceptions import MlflowException

    al.bind()
    with pytest.raises(MlflowException) as info:
        autolog(extra_tags=bad)
    assert str(info.value) == ("Invalid `extra_tags` type: expecting dictionary, "
                               f"received `{typename}`")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


def test_reserved_extra_tag_dropped_with_warning(al, mlc_logs, mode):
    tags = {AUTOLOG_TAG: "mine", "k": "v"}
    al.enable(extra_tags=tags, log_models=False)
    alcases.CASES["ols"].fit()
    run = al.only_run()
    assert RESERVED_MSG in mlc_logs.warnings()
    assert run.data.tags[AUTOLOG_TAG] == "statsmodels"
    assert run.data.tags["k"] == "v"


def test_every_call_replaces_the_whole_configuration(al, mode):
    al.enable(log_models=False, extra_tags={"first": "1"})
    alcases.CASES["ols"].fit()
    al.enable()  # back to defaults: models logged, no extra tags
    alcases.CASES["ols"].fit()
    first, second = al.runs()
    assert first.data.tags["first"] == "1"
    assert "first" not in second.data.tags
    assert [m.source_run_id for m in al.logged_models()] == [second.info.run_id]


def test_log_datasets_is_accepted_and_ignored(al):
    al.enable(log_datasets=True, log_models=False)
    alcases.CASES["ols"].fit()
    run = al.only_run()
    assert run.inputs is None or not run.inputs.dataset_inputs


def test_disable_for_unsupported_versions_keeps_supported_version_logging(al, mlc_logs):
    import statsmodels

    version = tuple(int(p) for p in statsmodels.__version__.split(".")[:3])
    assert (0, 14, 5) <= version <= (0, 15, 0)  # inside MLflow 3.17.2's tested range
    al.enable(disable_for_unsupported_versions=True, log_models=False)
    alcases.CASES["ols"].fit()
    assert len(al.runs()) == 1
    assert not [m for m in mlc_logs.warnings() if "compatible" in m or "unsupported" in m]


def test_code_inside_the_fit_logs_to_the_autolog_run(al, mode):
    mlc = altools.mlc()
    seen = {}
    al.enable(log_models=False)

    class Chatty(sm.OLS):
        def fit(self, method="pinv"):
            active = mlc.active_run()
            seen["active"] = None if active is None else active.info.run_id
            mlc.log_metric("inner_metric", 5.0)
            return super().fit(method=method)

    Chatty(*alcases.reg_data()).fit()
    run = al.only_run()
    assert seen["active"] == run.info.run_id
    assert run.data.metrics["inner_metric"] == 5.0
    assert len(run.data.metrics) == 19
    assert mlc.active_run() is None


# --------------------------------------------------------------------------- Q6


def test_q6_conflicting_second_fit_goes_to_a_nested_run(al, mode, mlc_logs):
    mlc = altools.mlc()
    al.enable(extra_tags={"team": "stats"})
    y2, X2 = alcases.reg_data(seed=99)
    with mlc.start_run() as user_run:
        rid = user_run.info.run_id
        first = sm.OLS(*alcases.reg_data()).fit()
        second = sm.OLS(y2, X2).fit(method="qr")
        assert mlc.active_run().info.run_id == rid
        runs = al.runs()
        assert len(runs) == 2
        parent = al.get_run(rid)
        (child,) = [r for r in runs if r.info.run_id != rid]
        assert parent.info.status == "RUNNING"
        assert child.info.status == "FINISHED"
    assert parent.data.params == OLS_DEFAULT_PARAMS
    altools.assert_same_metrics(parent.data.metrics, expected_metrics(first))
    assert AUTOLOG_TAG not in parent.data.tags and "team" not in parent.data.tags
    assert child.data.tags[PARENT_TAG] == rid
    assert child.data.tags[AUTOLOG_TAG] == "statsmodels"
    assert child.data.tags["team"] == "stats"
    assert child.data.params == dict(OLS_DEFAULT_PARAMS, method="qr")
    altools.assert_same_metrics(child.data.metrics, expected_metrics(second))
    assert al.artifacts(child.info.run_id) == ["model_summary.txt"]
    models = {m.source_run_id for m in al.logged_models()}
    assert models == {rid, child.info.run_id}
    assert not [m for m in mlc_logs.warnings() if "Changing param values" in m]
    assert al.get_run(rid).info.status == "FINISHED"


def test_q6_each_conflicting_fit_gets_a_new_nested_run(al, mode):
    mlc = altools.mlc()
    al.enable(log_models=False)
    with mlc.start_run() as user_run:
        rid = user_run.info.run_id
        sm.OLS(*alcases.reg_data()).fit()
        sm.OLS(*alcases.reg_data(seed=1)).fit(method="qr")
        sm.OLS(*alcases.reg_data(seed=2)).fit(method="qr")
    runs = al.runs()
    assert len(runs) == 3
    children = [r for r in runs if r.info.run_id != rid]
    assert [c.data.tags.get(PARENT_TAG) for c in children] == [rid, rid]
    assert all(c.data.params["method"] == "qr" for c in children)
    assert al.get_run(rid).data.params["method"] == "pinv"


def test_q6_identical_fits_share_the_user_run(al, mode):
    mlc = altools.mlc()
    al.enable(log_models=False)
    with mlc.start_run() as user_run:
        res = sm.OLS(*alcases.reg_data()).fit()
        sm.OLS(*alcases.reg_data()).fit()
    run = al.only_run()
    assert run.info.run_id == user_run.info.run_id
    assert run.data.params == OLS_DEFAULT_PARAMS
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))


def test_q6_new_params_only_share_the_user_run(al, mode):
    mlc = altools.mlc()
    al.enable(log_models=False)
    with mlc.start_run() as user_run:
        sm.OLS(*alcases.reg_data()).fit()
        res = sm.OLS(*alcases.reg_data()).fit(extra_flag=3)
    run = al.only_run()
    assert run.info.run_id == user_run.info.run_id
    assert run.data.params == dict(OLS_DEFAULT_PARAMS, extra_flag="3")
    altools.assert_same_metrics(run.data.metrics, expected_metrics(res))


def test_q6_user_params_conflicting_with_fit_params(al, mode):
    """A param the user logged with another value counts as a conflict too."""
    mlc = altools.mlc()
    al.enable(log_models=False)
    with mlc.start_run() as user_run:
        mlc.log_param("method", "mine")
        res = sm.OLS(*alcases.reg_data()).fit()
    runs = al.runs()
    assert len(runs) == 2
    (child,) = [r for r in runs if r.info.run_id != user_run.info.run_id]
    assert child.data.tags[PARENT_TAG] == user_run.info.run_id
    assert child.data.params == OLS_DEFAULT_PARAMS
    altools.assert_same_metrics(child.data.metrics, expected_metrics(res))
    assert al.get_run(user_run.info.run_id).data.params == {"method": "mine"}


def test_created_runs_log_at_info_not_warning(al, mlc_logs):
    al.enable(log_models=False)
    alcases.CASES["ols"].fit()
    al.only_run()
    assert mlc_logs.warnings() == []
    assert all(r.level <= logging.INFO for r in mlc_logs.records)


# --------------------------------------------------------------------------- unsupported versions


def _unsupported_msg(version: str) -> str:
    # contract §8.1 (3.x text)
    return ("MLflow statsmodels autologging is known to be compatible with 0.14.5 <= "
            f"statsmodels <= 0.15.0, but the installed version is {version}. If you encounter "
            "errors during autologging, try upgrading / downgrading statsmodels to a compatible "
            "version, or try upgrading MLflow.")


@pytest.mark.parametrize("version", ["0.11.1", "0.14.4", "0.16.0", "0.15.0rc1"])
def test_unsupported_version_warns_and_still_logs(al, mlc_logs, monkeypatch, version):
    import statsmodels

    monkeypatch.setattr(statsmodels, "__version__", version)
    al.enable(log_models=False)
    assert mlc_logs.warnings() == [_unsupported_msg(version)]
    alcases.CASES["ols"].fit()
    assert al.only_run().data.params == OLS_DEFAULT_PARAMS


@pytest.mark.parametrize("version", ["0.11.1", "0.16.0", "0.15.0.dev0", "0.15.0rc1"])
def test_unsupported_version_disabled_silently(al, mlc_logs, monkeypatch, version):
    """MLflow treats pre/dev releases as unsupported too (versioning._is_pre_or_dev_release)."""
    import statsmodels

    monkeypatch.setattr(statsmodels, "__version__", version)
    al.enable(disable_for_unsupported_versions=True)
    alcases.CASES["ols"].fit()
    assert al.runs() == []
    assert mlc_logs.warnings() == []


@pytest.mark.parametrize("version", ["0.14.5", "0.15.0"])
def test_range_bounds_are_supported(al, mlc_logs, monkeypatch, version):
    import statsmodels

    monkeypatch.setattr(statsmodels, "__version__", version)
    al.enable(disable_for_unsupported_versions=True, log_models=False)
    alcases.CASES["ols"].fit()
    assert len(al.runs()) == 1
    assert mlc_logs.warnings() == []
