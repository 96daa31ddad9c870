"""The fluent API's semantics: experiments, the run stack, run life cycle, threads.

The writer drives its fluent API; the reader checks what reached the store.
"""

from __future__ import annotations

import logging
import threading

import pytest

from trackconf import captured_logs, context_tags, experiment_view, raises_mlflow, user_tags

ALREADY_ACTIVE = ("Run with UUID {} is already active. To start a new run, first end the current "
                  "run with mlflow.end_run(). To start a nested run, call start_run with "
                  "nested=True")


def _missing_experiment(rt, exp_id: str) -> str:
    return rt.by_store(sqlite=f"No Experiment with id={exp_id} exists",
                       file=f"Could not find experiment with ID {exp_id}")


def _missing_run(rt, run_id: str) -> str:
    return rt.by_store(sqlite=f"Run with id={run_id} not found", file=f"Run '{run_id}' not found")


# ----------------------------------------------------------------------------- experiments


def test_set_experiment_creates_then_reuses(rt):
    w = rt.w.api
    with captured_logs() as logs:
        exp = w.set_experiment("fresh")
    assert ("Experiment with name 'fresh' does not exist. Creating a new experiment."
            in logs.at(logging.INFO))
    assert exp.name == "fresh" and exp.lifecycle_stage == "active"
    assert experiment_view(rt.same_experiment(exp.experiment_id)) == experiment_view(exp)
    with captured_logs() as logs:
        again = w.set_experiment("fresh")
    assert logs.at(logging.INFO) == []
    assert again.experiment_id == exp.experiment_id
    with w.start_run() as run:
        pass
    assert rt.same_run(run.info.run_id).info.experiment_id == exp.experiment_id
    names = sorted(e.name for e in rt.r.client.search_experiments())
    assert names == ["Default", "fresh"]


def test_set_experiment_by_id(rt):
    w = rt.w.api
    exp_id = rt.w.client.create_experiment("by-id")
    exp = w.set_experiment(experiment_id=exp_id)
    assert exp.experiment_id == exp_id and exp.name == "by-id"
    with w.start_run() as run:
        pass
    assert rt.same_run(run.info.run_id).info.experiment_id == exp_id
    # the run id alone is enough to find it again, from the other side too
    assert rt.r.client.get_run(run.info.run_id).info.experiment_id == exp_id


def test_set_experiment_errors(rt):
    w = rt.w.api
    raises_mlflow(rt.w, w.set_experiment, experiment_id="12345",
                  message=_missing_experiment(rt, "12345"), code="RESOURCE_DOES_NOT_EXIST")
    both = "Must specify exactly one of: `experiment_id` or `experiment_name`."
    raises_mlflow(rt.w, w.set_experiment, message=both, code="INVALID_PARAMETER_VALUE")
    raises_mlflow(rt.w, w.set_experiment, "x", "0", message=both, code="INVALID_PARAMETER_VALUE")
    exp_id = rt.w.client.create_experiment("deleted-one")
    rt.w.client.delete_experiment(exp_id)
    deleted = ("Cannot set a deleted experiment 'deleted-one' as the active experiment. You can "
               "restore the experiment, or permanently delete the experiment to create a new one.")
    raises_mlflow(rt.w, w.set_experiment, "deleted-one", message=deleted,
                  code="INVALID_PARAMETER_VALUE")
    raises_mlflow(rt.w, w.set_experiment, experiment_id=exp_id, message=deleted,
                  code="INVALID_PARAMETER_VALUE")
    # nothing was created by the failed calls
    names = sorted(e.name for e in rt.r.client.search_experiments(view_type=rt.r.ViewType.ALL))
    assert names == ["Default", "deleted-one"]


def test_get_experiment_and_by_name(rt):
    w = rt.w.api
    exp = w.set_experiment("looked-up")
    assert experiment_view(w.get_experiment(exp.experiment_id)) == experiment_view(exp)
    assert experiment_view(w.get_experiment_by_name("looked-up")) == experiment_view(exp)
    assert w.get_experiment_by_name("nope") is None
    created = w.create_experiment("fluent-created", tags={"k": "v"})
    got = rt.same_experiment(created)
    assert got.name == "fluent-created" and got.tags == {"k": "v"}


# ----------------------------------------------------------------------------- run life cycle


def test_start_run_context_manager_finishes(rt):
    w = rt.w.api
    with w.start_run() as run:
        active = w.active_run()
        assert active.info.run_id == run.info.run_id
        assert w.get_artifact_uri() == run.info.artifact_uri
        assert w.get_artifact_uri("a/b.txt") == run.info.artifact_uri + "/a/b.txt"
    assert w.active_run() is None
    got = rt.same_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.info.end_time >= got.info.start_time


@pytest.mark.parametrize("exc_type", [ValueError, KeyboardInterrupt])
def test_start_run_fails_on_exception_and_propagates(rt, exc_type):
    w = rt.w.api
    boom = exc_type("boom")
    with pytest.raises(exc_type) as caught:
        with w.start_run() as run:
            w.log_param("before", 1)
            raise boom
    assert caught.value is boom  # the very exception, not swallowed or wrapped
    assert w.active_run() is None
    got = rt.same_run(run.info.run_id)
    assert got.info.status == "FAILED"
    assert got.info.end_time is not None
    assert got.data.params == {"before": "1"}


def test_end_run_statuses(rt):
    w = rt.w.api
    run = w.start_run()
    w.end_run("KILLED")
    assert w.active_run() is None
    w.end_run()  # no active run: nothing happens
    got = rt.same_run(run.info.run_id)
    assert got.info.status == "KILLED"
    second = w.start_run()
    w.end_run()
    assert rt.same_run(second.info.run_id).info.status == "FINISHED"


def test_start_run_while_active_is_a_plain_exception(rt):
    w = rt.w.api
    with w.start_run() as outer:
        with w.start_run(nested=True):
            with pytest.raises(Exception) as caught:
                w.start_run()
            # the message names the bottom of the stack, not the innermost run
            assert type(caught.value) is Exception
            assert str(caught.value) == ALREADY_ACTIVE.format(outer.info.run_id)
    assert w.active_run() is None
    runs = rt.r.client.search_runs([outer.info.experiment_id])
    assert len(runs) == 2


def test_run_name_and_runname_tag(rt):
    w = rt.w.api
    # QUIRK (MLflow 3.17): the fluent start_run lets run_name overwrite a different
    # mlflow.runName tag silently; only MlflowClient.create_run refuses the conflict.
    with w.start_run(run_name="a", tags={"mlflow.runName": "b"}) as run:
        pass
    got = rt.same_run(run.info.run_id)
    assert got.info.run_name == "a" and got.data.tags["mlflow.runName"] == "a"
    with w.start_run(tags={"mlflow.runName": "from-tag"}) as run2:
        pass
    got2 = rt.same_run(run2.info.run_id)
    assert got2.info.run_name == "from-tag"
    raises_mlflow(
        rt.w, rt.w.client.create_run, "0", run_name="a", tags={"mlflow.runName": "b"},
        message="Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
                "different values (run_name='a', mlflow.runName='b').",
        code="INVALID_PARAMETER_VALUE")
    same = rt.w.client.create_run("0", run_name="same", tags={"mlflow.runName": "same"})
    assert rt.same_run(same.info.run_id).info.run_name == "same"
    assert len(rt.r.client.search_runs(["0"])) == 3


def test_description_becomes_note_and_conflicts_with_the_tag(rt):
    w = rt.w.api
    with w.start_run(description="what this run is") as run:
        pass
    assert rt.same_run(run.info.run_id).data.tags["mlflow.note.content"] == "what this run is"
    raises_mlflow(
        rt.w, w.start_run, description="a", tags={"mlflow.note.content": "b"},
        message="Description is already set via the tag mlflow.note.content in tags.Remove the "
                "key mlflow.note.content from the tags or omit the description.",
        code="INVALID_PARAMETER_VALUE")
    assert w.active_run() is None
    assert len(rt.r.client.search_runs(["0"])) == 1


def test_resume_run_by_id(rt):
    w = rt.w.api
    with w.start_run(run_name="resumable") as run:
        w.log_param("first", 1)
    rid = run.info.run_id
    first = rt.same_run(rid)
    with w.start_run(run_id=rid, tags={"resumed": "yes"}) as again:
        assert again.info.run_id == rid
        assert again.info.status == "RUNNING"
        during = rt.same_run(rid)
        assert during.info.status == "RUNNING"
        assert during.info.end_time == first.info.end_time  # kept while running again
        w.log_param("second", 2)
    got = rt.same_run(rid)
    assert got.info.status == "FINISHED"
    assert got.info.run_name == "resumable" and got.info.start_time == first.info.start_time
    assert got.info.end_time >= first.info.end_time
    assert got.data.params == {"first": "1", "second": "2"}
    assert got.data.tags["resumed"] == "yes"
    # a KILLED run resumed and ended normally finishes as FINISHED
    w.start_run(run_id=rid)
    w.end_run("KILLED")
    w.start_run(run_id=rid)
    w.end_run()
    assert rt.same_run(rid).info.status == "FINISHED"
    assert len(rt.r.client.search_runs(["0"])) == 1


def test_resume_errors(rt):
    w = rt.w.api
    unknown = "f" * 32
    raises_mlflow(rt.w, w.start_run, run_id=unknown, message=_missing_run(rt, unknown),
                  code="RESOURCE_DOES_NOT_EXIST")
    raises_mlflow(rt.w, w.start_run, run_id="bad id!",
                  message="Invalid value \"bad id!\" for parameter 'run_id' supplied.",
                  code="INVALID_PARAMETER_VALUE")
    with w.start_run() as run:
        pass
    rt.w.client.delete_run(run.info.run_id)
    raises_mlflow(rt.w, w.start_run, run_id=run.info.run_id,
                  message=f"Cannot start run with ID {run.info.run_id} because it is in the "
                          "deleted state.",
                  code="INTERNAL_ERROR")
    other = w.set_experiment("other")
    raises_mlflow(rt.w, w.start_run, run_id=run.info.run_id,
                  message=f"Cannot start run with ID {run.info.run_id} because active "
                          "experiment ID does not match environment run ID. Make sure "
                          "--experiment-name or --experiment-id matches experiment set with "
                          "set_experiment(), or just use command-line arguments")
    assert w.active_run() is None
    assert rt.same_run(run.info.run_id).info.lifecycle_stage == "deleted"
    assert other.experiment_id != "0"


def test_active_run_and_last_active_run(rt):
    w = rt.w.api
    with w.start_run() as run:
        active = w.active_run()
        assert active.info.run_id == run.info.run_id
        last = w.last_active_run()
        assert last.info.run_id == run.info.run_id and last.info.status == "RUNNING"
    assert w.active_run() is None
    last = w.last_active_run()
    assert last.info.run_id == run.info.run_id
    assert last.info.status == "FINISHED"  # fetched again from the store
    assert last.info.end_time == rt.same_run(run.info.run_id).info.end_time


def test_get_or_start_run_leaves_the_run_active(rt):
    w = rt.w.api
    assert w.active_run() is None
    w.log_param("implicit", "yes")
    active = w.active_run()
    assert active is not None
    w.log_metric("m", 1.0)
    w.set_tag("t", "v")
    rid = active.info.run_id
    assert w.active_run().info.run_id == rid
    got = rt.same_run(rid)
    assert got.info.status == "RUNNING"
    assert got.data.params == {"implicit": "yes"} and got.data.metrics == {"m": 1.0}
    w.end_run()
    assert rt.same_run(rid).info.status == "FINISHED"


def test_active_run_is_per_thread(rt):
    w = rt.w.api
    seen: dict = {}

    def worker():
        try:
            seen["active_before"] = w.active_run()
            with w.start_run(run_name="threaded") as own:  # not nested: this thread has none
                seen["own"] = own.info.run_id
                seen["active_inside"] = w.active_run().info.run_id
            seen["active_after"] = w.active_run()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            seen["error"] = exc

    with w.start_run(run_name="main") as main:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert w.active_run().info.run_id == main.info.run_id
    if "error" in seen:
        raise seen["error"]
    assert seen["active_before"] is None
    assert seen["active_inside"] == seen["own"]
    assert seen["active_after"] is None
    threaded = rt.same_run(seen["own"])
    assert threaded.info.status == "FINISHED"
    assert "mlflow.parentRunId" not in threaded.data.tags
    assert user_tags(threaded.data.tags) == {"mlflow.runName": "threaded", **context_tags()}


def test_tracking_and_registry_uri_getters(rt):
    for side in (rt.w, rt.r):
        api = side.api
        assert api.get_tracking_uri() == rt.uri
        assert api.get_registry_uri() == rt.uri  # the registry follows the tracking URI
    client = rt.r.client
    assert client.tracking_uri == rt.uri
    assert rt.r.tracking.MlflowClient is rt.r.MlflowClient  # also <impl>.tracking.MlflowClient


def test_get_run_fluent(rt):
    w = rt.w.api
    with w.start_run() as run:
        w.log_param("p", "v")
    for side in (rt.w, rt.r):
        got = side.api.get_run(run.info.run_id)
        assert got.data.params == {"p": "v"}
        raises_mlflow(side, side.api.get_run, "0" * 32, message=_missing_run(rt, "0" * 32),
                      code="RESOURCE_DOES_NOT_EXIST")
