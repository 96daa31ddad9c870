"""conda.yaml, python_env.yaml, requirements.txt and constraints.txt: MLflow 3.17's rules
(contract §2), checked against explicit expectations built from the installed distributions.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import textwrap

import mlflow.statsmodels
import pytest
import yaml

import mlflow_c.statsmodels
from rootconf import FAST_REQS

MLFLOW_PIN = "mlflow==3.17.2"
PYTHON_VERSION = platform.python_version()
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pin(name):
    return f"{name}=={importlib.metadata.version(name)}"


def _build_pin(name):
    """python_env.yaml's build dependency: pinned when installed, the bare name when not
    (a fresh venv has no `wheel`)."""
    try:
        return _pin(name)
    except importlib.metadata.PackageNotFoundError:
        return name


DEFAULTS = [_pin("numpy"), _pin("pandas"), _pin("scipy"), _pin("statsmodels")]


def _save(results, path, **kwargs):
    mlflow_c.statsmodels.save_model(results, str(path), **kwargs)
    return path


def _requirements(path):
    return (path / "requirements.txt").read_text().split("\n")


def _conda(path):
    return yaml.safe_load((path / "conda.yaml").read_text())


def _conda_pip(path):
    deps = _conda(path)["dependencies"]
    pip_sections = [d for d in deps if isinstance(d, dict)]
    assert len(pip_sections) == 1
    return pip_sections[0]["pip"]


def _expected_conda_text(pip_list):
    lines = ["channels:", "- conda-forge", "dependencies:", f"- python={PYTHON_VERSION}",
             f"- pip<={importlib.metadata.version('pip')}", "- pip:"]
    lines += [f"  - {req}" for req in pip_list]
    lines += ["name: mlflow-env", ""]
    return "\n".join(lines)


def _expected_python_env_text():
    build = [_build_pin("pip"), _build_pin("setuptools"), _build_pin("wheel")]
    return "\n".join([f"python: {PYTHON_VERSION}", "build_dependencies:",
                      *[f"- {b}" for b in build], "dependencies:", "- -r requirements.txt", ""])


# ------------------------------------------------------------------ defaults


def test_mlflow_is_the_targeted_release():
    assert mlflow.__version__ == "3.17.2"


def test_default_requirements_contents(ols_results, model_path):
    _save(ols_results, model_path)
    text = (model_path / "requirements.txt").read_text()
    assert text == "\n".join([MLFLOW_PIN, *DEFAULTS])
    assert not text.endswith("\n")
    assert (model_path / "conda.yaml").read_text() == _expected_conda_text([MLFLOW_PIN,
                                                                            *DEFAULTS])
    assert (model_path / "python_env.yaml").read_text() == _expected_python_env_text()
    assert not (model_path / "constraints.txt").exists()


def test_default_requirements_of_other_models_are_pinned_and_sorted(zoo_results, tmp_path):
    for name in ("arima", "gee", "holt_winters"):
        path = _save(zoo_results(name), tmp_path / name)
        reqs = _requirements(path)
        assert reqs[0] == MLFLOW_PIN
        assert set(DEFAULTS) <= set(reqs[1:]), name
        assert reqs[1:] == sorted(reqs[1:]), name
        for req in reqs[1:]:
            dist, _, version = req.partition("==")
            assert version == importlib.metadata.version(dist), req
        assert _conda_pip(path) == reqs


def test_get_default_pip_requirements():
    reqs = mlflow_c.statsmodels.get_default_pip_requirements()
    assert reqs == [_pin("statsmodels")]
    assert reqs == mlflow.statsmodels.get_default_pip_requirements()


def test_get_default_conda_env_equals_mlflow():
    ours = mlflow_c.statsmodels.get_default_conda_env()
    assert ours == mlflow.statsmodels.get_default_conda_env()
    assert ours == {
        "name": "mlflow-env",
        "channels": ["conda-forge"],
        "dependencies": [f"python={PYTHON_VERSION}", f"pip<={importlib.metadata.version('pip')}",
                         {"pip": [MLFLOW_PIN, _pin("statsmodels")]}],
    }


def test_get_default_conda_env_returns_a_fresh_dict():
    first = mlflow_c.statsmodels.get_default_conda_env()
    first["dependencies"].append("pytest")
    first["name"] = "changed"
    second = mlflow_c.statsmodels.get_default_conda_env()
    assert second["name"] == "mlflow-env"
    assert "pytest" not in second["dependencies"]


def test_python_env_yaml_uses_current_python_even_with_conda_python(ols_results, model_path):
    conda_env = {"name": "e", "channels": ["defaults"],
                 "dependencies": ["python=3.9", {"pip": ["statsmodels"]}]}
    _save(ols_results, model_path, conda_env=conda_env)
    assert (model_path / "python_env.yaml").read_text() == _expected_python_env_text()


# ------------------------------------------------------------------ §2.4 cases


@pytest.fixture
def req_file(tmp_path):
    path = tmp_path / "req.txt"
    path.write_text("a")
    return path


def test_pip_requirements_file_path(ols_results, model_path, req_file):
    _save(ols_results, model_path, pip_requirements=str(req_file))
    assert _requirements(model_path) == [MLFLOW_PIN, "a"]
    assert _conda_pip(model_path) == [MLFLOW_PIN, "a"]


def test_pip_requirements_dash_r(ols_results, model_path, req_file):
    _save(ols_results, model_path, pip_requirements=[f"-r {req_file}", "b"])
    assert _requirements(model_path) == [MLFLOW_PIN, "a", "b"]


def test_pip_requirements_dash_c(ols_results, model_path, req_file):
    _save(ols_results, model_path, pip_requirements=[f"-c {req_file}", "b"])
    assert _requirements(model_path) == [MLFLOW_PIN, "b", "-c constraints.txt"]
    assert (model_path / "constraints.txt").read_text() == "a"
    assert _conda_pip(model_path) == [MLFLOW_PIN, "b", "-c constraints.txt"]


def test_extra_pip_requirements_file_path(ols_results, model_path, req_file):
    _save(ols_results, model_path, extra_pip_requirements=str(req_file))
    assert _requirements(model_path) == [MLFLOW_PIN, *DEFAULTS, "a"]


def test_extra_pip_requirements_dash_r(ols_results, model_path, req_file):
    _save(ols_results, model_path, extra_pip_requirements=[f"-r {req_file}", "b"])
    assert _requirements(model_path) == [MLFLOW_PIN, *DEFAULTS, "a", "b"]


def test_extra_pip_requirements_dash_c(ols_results, model_path, req_file):
    _save(ols_results, model_path, extra_pip_requirements=[f"-c {req_file}", "b"])
    assert _requirements(model_path) == [MLFLOW_PIN, *DEFAULTS, "b", "-c constraints.txt"]
    assert (model_path / "constraints.txt").read_text() == "a"


def test_observed_constraints_case(ols_results, model_path, tmp_path):
    cons = tmp_path / "cons.txt"
    cons.write_text("numpy<3\n")
    _save(ols_results, model_path, pip_requirements=["statsmodels", f"-c {cons}"])
    assert (model_path / "requirements.txt").read_text() == \
        "mlflow==3.17.2\nstatsmodels\n-c constraints.txt"
    assert (model_path / "constraints.txt").read_text() == "numpy<3"
    assert (model_path / "conda.yaml").read_text() == _expected_conda_text(
        [MLFLOW_PIN, "statsmodels", "-c constraints.txt"])


def test_multiple_constraint_files_are_concatenated(ols_results, model_path, tmp_path):
    (tmp_path / "c1.txt").write_text("numpy<3\nscipy>1\n")
    (tmp_path / "c2.txt").write_text("# header\npandas<4\n")
    _save(ols_results, model_path, pip_requirements=[
        f"-c {tmp_path / 'c1.txt'}", "statsmodels", f"-c {tmp_path / 'c2.txt'}"])
    assert _requirements(model_path) == [MLFLOW_PIN, "statsmodels", "-c constraints.txt"]
    assert (model_path / "constraints.txt").read_text() == "numpy<3\nscipy>1\npandas<4"


def test_extra_pip_requirements_merge_with_defaults(ols_results, model_path):
    _save(ols_results, model_path, extra_pip_requirements=["pandas", "requests"])
    assert _requirements(model_path) == [MLFLOW_PIN, *DEFAULTS, "requests"]


def test_pip_requirements_replace_the_defaults(ols_results, model_path):
    _save(ols_results, model_path, pip_requirements=FAST_REQS)
    assert (model_path / "requirements.txt").read_text() == "mlflow==3.17.2\nstatsmodels"
    assert (model_path / "conda.yaml").read_text() == _expected_conda_text(
        [MLFLOW_PIN, "statsmodels"])


def test_blank_lines_and_comments_are_skipped(ols_results, model_path, tmp_path):
    f = tmp_path / "reqs.txt"
    f.write_text("# top comment\n\n   \nstatsmodels\n  # indented comment\nscipy\n")
    _save(ols_results, model_path, pip_requirements=str(f))
    assert _requirements(model_path) == [MLFLOW_PIN, "statsmodels", "scipy"]


def test_nested_dash_r_is_relative_to_the_including_file(ols_results, model_path, tmp_path):
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "inner.txt").write_text("pandas\n")
    (nested / "outer.txt").write_text("-r inner.txt\nscipy\n")
    _save(ols_results, model_path, pip_requirements=[f"-r {nested / 'outer.txt'}", "numpy"])
    assert _requirements(model_path) == [MLFLOW_PIN, "pandas", "scipy", "numpy"]


def test_relative_requirements_file_is_resolved_from_cwd(ols_results, tmp_path, monkeypatch):
    (tmp_path / "reqs.txt").write_text("statsmodels\n")
    monkeypatch.chdir(tmp_path)
    _save(ols_results, tmp_path / "m1", pip_requirements="reqs.txt")
    _save(ols_results, tmp_path / "m2", pip_requirements=["-r reqs.txt"])
    assert _requirements(tmp_path / "m1") == [MLFLOW_PIN, "statsmodels"]
    assert _requirements(tmp_path / "m2") == [MLFLOW_PIN, "statsmodels"]


@pytest.mark.parametrize("reqs, pinned", [
    (["mlflow-skinny==3.0.0", "statsmodels"], False),
    (["mlflow-tracing", "statsmodels"], False),
    (["mlflow[gateway]", "statsmodels"], False),
    (["MLflow>=2"], False),
    (["mlflow==2.9.0"], False),
    (["git+https://github.com/mlflow/mlflow.git@master"], False),
    (["mlflow @ git+https://github.com/mlflow/mlflow@branch_2.0"], False),
    (["mlflowx", "statsmodels"], True),
    (["my-mlflow-plugin"], True),
    (["statsmodels"], True),
], ids=["skinny", "tracing", "extras", "mixed-case", "other-pin", "git-url", "direct-ref",
        "prefix-name", "plugin-name", "absent"])
def test_mlflow_pin_inserted_only_when_mlflow_is_absent(ols_results, model_path, reqs, pinned):
    _save(ols_results, model_path, pip_requirements=reqs)
    expected = ([MLFLOW_PIN] if pinned else []) + reqs
    assert _requirements(model_path) == expected


@pytest.mark.parametrize("reqs, expected", [
    (["statsmodels", "statsmodels==0.15.0"], ["statsmodels==0.15.0"]),
    (["statsmodels==0.15.0", "statsmodels"], ["statsmodels==0.15.0"]),
    (["numpy", "numpy"], ["numpy"]),
    (["pkga[x]", "pkga[y]>=1"], ["pkga[x,y]>=1"]),
    (["scipy", "numpy", "scipy"], ["scipy", "numpy"]),
], ids=["pin-wins", "pin-first", "identical", "extras-merge", "order-of-first"])
def test_pip_requirements_are_deduplicated(ols_results, model_path, reqs, expected):
    _save(ols_results, model_path, pip_requirements=reqs)
    assert _requirements(model_path) == [MLFLOW_PIN, *expected]


def test_conda_env_dict(ols_results, model_path):
    conda_env = {"name": "e", "channels": ["defaults"],
                 "dependencies": ["python=3.9", {"pip": ["statsmodels"]}]}
    _save(ols_results, model_path, conda_env=conda_env)
    assert (model_path / "requirements.txt").read_text() == "mlflow==3.17.2\nstatsmodels"
    assert (model_path / "conda.yaml").read_text() == (
        "channels:\n- defaults\ndependencies:\n- python=3.9\n- pip:\n  - mlflow==3.17.2\n"
        "  - statsmodels\nname: e\n")


def test_conda_env_yaml_file(ols_results, model_path, tmp_path):
    env_file = tmp_path / "env.yml"
    env_file.write_text("name: from-file\nchannels: [conda-forge]\n"
                        "dependencies:\n  - python=3.10\n  - pip:\n    - scipy\n")
    _save(ols_results, model_path, conda_env=str(env_file))
    assert _requirements(model_path) == [MLFLOW_PIN, "scipy"]
    assert _conda(model_path) == {"name": "from-file", "channels": ["conda-forge"],
                                  "dependencies": ["python=3.10",
                                                   {"pip": [MLFLOW_PIN, "scipy"]}]}


def test_conda_env_without_pip_section_gets_one(ols_results, model_path):
    conda_env = {"name": "e", "channels": ["defaults"], "dependencies": ["python=3.9", "numpy"]}
    _save(ols_results, model_path, conda_env=conda_env)
    assert _conda(model_path)["dependencies"] == ["python=3.9", "numpy", {"pip": [MLFLOW_PIN]}]
    assert (model_path / "requirements.txt").read_text() == MLFLOW_PIN


def test_conda_env_with_mlflow_is_kept_and_not_deduplicated(ols_results, model_path):
    pip_list = ["mlflow", "statsmodels", "statsmodels"]
    conda_env = {"name": "e", "channels": [], "dependencies": [{"pip": list(pip_list)}]}
    _save(ols_results, model_path, conda_env=conda_env)
    assert _requirements(model_path) == pip_list
    assert _conda_pip(model_path) == pip_list


def test_conda_env_with_constraints(ols_results, model_path, tmp_path):
    cons = tmp_path / "cons.txt"
    cons.write_text("numpy<3")
    conda_env = {"name": "e", "channels": ["defaults"],
                 "dependencies": ["python=3.9", {"pip": ["statsmodels", f"-c {cons}"]}]}
    _save(ols_results, model_path, conda_env=conda_env)
    assert _requirements(model_path) == [MLFLOW_PIN, "statsmodels", "-c constraints.txt"]
    assert (model_path / "constraints.txt").read_text() == "numpy<3"
    assert _conda_pip(model_path) == [MLFLOW_PIN, "statsmodels", "-c constraints.txt"]


def test_default_conda_env_plus_pytest_is_saved_unchanged(ols_results, model_path):
    conda_env = mlflow_c.statsmodels.get_default_conda_env()
    conda_env["dependencies"].append("pytest")
    _save(ols_results, model_path, conda_env=conda_env)
    assert _conda(model_path) == conda_env
    assert _requirements(model_path) == [MLFLOW_PIN, _pin("statsmodels")]


def test_conda_pip_list_always_equals_requirements(ols_results, tmp_path, req_file):
    variants = [{}, {"pip_requirements": ["statsmodels", f"-c {req_file}"]},
                {"extra_pip_requirements": ["requests"]},
                {"conda_env": {"dependencies": [{"pip": ["x", f"-r {req_file}"]}]}}]
    for i, kwargs in enumerate(variants):
        path = _save(ols_results, tmp_path / f"v{i}", **kwargs)
        assert _conda_pip(path) == _requirements(path), kwargs


def test_missing_dash_r_file_fails_without_leaving_a_directory(ols_results, model_path,
                                                              tmp_path):
    with pytest.raises(OSError):
        _save(ols_results, model_path, pip_requirements=[f"-r {tmp_path / 'absent.txt'}"])
    assert not model_path.exists()


# ------------------------------------------------------------------ local version labels

_LABEL_SCRIPT = textwrap.dedent(r"""
    import json, logging, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import statsmodels
    import statsmodels.api as sm
    import mlflow_c.statsmodels as mlc
    import mlflow.statsmodels as real

    def main():
        rng = np.random.default_rng(0)
        X = sm.add_constant(rng.normal(size=(40, 2)))
        y = X @ [1.0, 2.0, 3.0] + rng.normal(size=40)
        res = sm.OLS(y, X).fit()
        mlc.save_model(res, sys.argv[1])
        with open(sys.argv[1] + "/requirements.txt") as f:
            requirements = f.read().split("\n")
        import yaml
        with open(sys.argv[1] + "/MLmodel") as f:
            flavor_version = yaml.safe_load(f)["flavors"]["statsmodels"]["statsmodels_version"]
        print(json.dumps({
            "ours": mlc.get_default_pip_requirements(),
            "mlflow": real.get_default_pip_requirements(),
            "requirements": requirements,
            "flavor_version": flavor_version,
            "module_version": statsmodels.__version__,
            "conda_pip": mlc.get_default_conda_env()["dependencies"][-1]["pip"],
        }))

    main()
""")


def _fake_distribution(site, name, version):
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "RECORD").write_text("")


def test_local_version_labels_are_stripped(tmp_path):
    site = tmp_path / "fake_site"
    _fake_distribution(site, "statsmodels", "9.8.7+dfsg")
    _fake_distribution(site, "numpy", "7.7.7+local.build1")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), REPO_ROOT, env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", _LABEL_SCRIPT, str(tmp_path / "model")],
                          capture_output=True, text=True, env=env, cwd=str(tmp_path),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # oracle: MLflow sees the fake metadata and strips the label
    assert out["mlflow"] == ["statsmodels==9.8.7"]
    assert out["ours"] == ["statsmodels==9.8.7"]
    assert out["conda_pip"] == [MLFLOW_PIN, "statsmodels==9.8.7"]
    assert out["requirements"][0] == MLFLOW_PIN
    assert "statsmodels==9.8.7" in out["requirements"]
    assert "numpy==7.7.7" in out["requirements"]
    assert not any("+" in r for r in out["requirements"])
    # the flavor records statsmodels.__version__ unmodified
    assert out["flavor_version"] == out["module_version"]
