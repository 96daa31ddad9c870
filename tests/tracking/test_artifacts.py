"""Run artifacts: log_artifact(s), log_text, log_dict, get_artifact_uri; listing and download."""

from __future__ import annotations

import pytest

from trackconf import file_info_view, raises_mlflow


@pytest.fixture
def src(tmp_path):
    """A small directory tree to log: a.txt, sub/b.txt, sub/deeper/c.bin."""
    root = tmp_path / "src"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("A")
    (root / "sub" / "b.txt").write_text("BB\n")
    (root / "sub" / "deeper" / "c.bin").write_bytes(bytes(range(256)))
    return root


def _log_everything(w, src):
    w.log_artifact(str(src / "a.txt"))
    w.log_artifact(str(src / "a.txt"), "x/y")
    w.log_artifacts(str(src / "sub"), "tree")
    w.log_artifacts(str(src / "sub"))
    w.log_text("hello\nworld", "dir/hello.txt")
    w.log_text("ünïcode ✓", "dir/u.txt")
    w.log_dict({"b": [1, 2], "a": {"c": None}}, "d.json")
    w.log_dict({"b": [1, 2], "a": {"c": None}}, "d.yaml")
    w.log_dict({"b": 1}, "d.txt")  # neither .json nor .yaml: JSON


EXPECTED_FILES = {
    "a.txt": b"A",
    "x/y/a.txt": b"A",
    "tree/b.txt": b"BB\n",
    "tree/deeper/c.bin": bytes(range(256)),
    "b.txt": b"BB\n",
    "deeper/c.bin": bytes(range(256)),
    "dir/hello.txt": b"hello\nworld",  # as is: no newline added
    "dir/u.txt": "ünïcode ✓".encode(),
    "d.json": b'{\n  "b": [\n    1,\n    2\n  ],\n  "a": {\n    "c": null\n  }\n}',
    "d.yaml": b"a:\n  c: null\nb:\n- 1\n- 2\n",
    "d.txt": b'{\n  "b": 1\n}',
}


def test_logged_files_are_where_the_run_says(rt, src):
    w = rt.w.api
    with w.start_run() as run:
        _log_everything(w, src)
        assert w.get_artifact_uri() == run.info.artifact_uri
        assert w.get_artifact_uri("d.json") == run.info.artifact_uri + "/d.json"
    got = rt.same_run(run.info.run_id)
    root = rt.local_path(got.info.artifact_uri)
    assert root == rt.local_path(rt.experiment_location(got.info.experiment_id)) / \
        run.info.run_id / "artifacts"
    on_disk = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert on_disk == EXPECTED_FILES


def test_list_artifacts(rt, src):
    w = rt.w.api
    with w.start_run() as run:
        _log_everything(w, src)
    rid = run.info.run_id
    r = rt.r.client
    assert all(isinstance(f, rt.r.entities.FileInfo) for f in r.list_artifacts(rid))
    assert file_info_view(r.list_artifacts(rid)) == [
        ("a.txt", False, 1), ("b.txt", False, 3), ("d.json", False, 57), ("d.txt", False, 12),
        ("d.yaml", False, 24), ("deeper", True, None), ("dir", True, None),
        ("tree", True, None), ("x", True, None)]
    assert file_info_view(r.list_artifacts(rid, "tree")) == [
        ("tree/b.txt", False, 3), ("tree/deeper", True, None)]
    assert file_info_view(r.list_artifacts(rid, "tree/deeper")) == [
        ("tree/deeper/c.bin", False, 256)]
    assert file_info_view(r.list_artifacts(rid, "x")) == [("x/y", True, None)]
    assert r.list_artifacts(rid, "nope") == []
    assert r.list_artifacts(rid, "d.json") == []  # a file lists as nothing
    for path in (None, "tree", "x/y", "nope"):
        assert file_info_view(r.list_artifacts(rid, path)) == \
            file_info_view(rt.w.client.list_artifacts(rid, path))


def test_download_artifacts(rt, src, tmp_path):
    w = rt.w.api
    with w.start_run() as run:
        _log_everything(w, src)
    rid = run.info.run_id
    r = rt.r.client
    dst = tmp_path / "dl"
    dst.mkdir()
    path = r.download_artifacts(rid, "dir/hello.txt", str(dst))
    assert path == str(dst / "hello.txt")
    assert (dst / "hello.txt").read_bytes() == b"hello\nworld"
    path = r.download_artifacts(rid, "tree", str(dst))
    assert path == str(dst / "tree")
    assert sorted(str(p.relative_to(dst / "tree")) for p in (dst / "tree").rglob("*")) == [
        "b.txt", "deeper", "deeper/c.bin"]
    assert (dst / "tree" / "deeper" / "c.bin").read_bytes() == bytes(range(256))
    raises_mlflow(rt.r, r.download_artifacts, rid, "nope", str(dst),
                  code="RESOURCE_DOES_NOT_EXIST",
                  message="Failed to download artifacts from path 'nope', please ensure that "
                          "the path is correct.")


def test_client_artifact_logging(rt, src):
    client = rt.w.client
    run = client.create_run("0")
    rid = run.info.run_id
    client.log_artifact(rid, str(src / "a.txt"), "c")
    client.log_artifacts(rid, str(src / "sub"), "s")
    client.log_text(rid, "t", "t.txt")
    client.log_dict(rid, {"k": "v"}, "k.json")
    client.set_terminated(rid)
    got = rt.r.client
    assert file_info_view(got.list_artifacts(rid)) == [
        ("c", True, None), ("k.json", False, 14), ("s", True, None), ("t.txt", False, 1)]
    assert file_info_view(got.list_artifacts(rid, "c")) == [("c/a.txt", False, 1)]


def test_log_artifact_errors(rt, tmp_path):
    w = rt.w.api
    with w.start_run() as run:
        missing = str(tmp_path / "nope.txt")
        # MLflow lets the OSError through (mlflow_c may raise a subclass of both)
        with pytest.raises(FileNotFoundError):
            w.log_artifact(missing)
        # QUIRK: logging a missing directory silently logs nothing
        w.log_artifacts(str(tmp_path / "no-such-dir"))
    assert rt.r.client.list_artifacts(run.info.run_id) == []
