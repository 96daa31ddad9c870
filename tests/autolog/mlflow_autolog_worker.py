"""Real MLflow's statsmodels autolog on the cases of ``alcases``, written to JSON.

Usage: ``python mlflow_autolog_worker.py OUT.json NAME...`` from an empty working directory.
For each case: the runs the fit created (params, metrics, tag keys, status, parent run, artifact
list, the first four lines of model_summary.txt) and the warnings MLflow logged during the fit.
MLflow and mlflow_c both patch statsmodels, so this runs in its own process.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings

warnings.simplefilter("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mlflow  # noqa: E402
import mlflow.statsmodels  # noqa: E402

import alcases  # noqa: E402


class _Sink(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main(out_path: str, names: list[str]) -> None:
    uri = "sqlite:///" + os.path.join(os.getcwd(), "mlflow.db")
    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient(tracking_uri=uri)
    sink = _Sink()
    logging.getLogger("mlflow").addHandler(sink)
    mlflow.statsmodels.autolog(log_models=False)
    out = {}
    for name in names:
        before = {r.info.run_id for r in client.search_runs(["0"], max_results=10000)}
        sink.messages.clear()
        alcases.CASES[name].fit()
        warned = [m for m in sink.messages if not m.startswith("Created MLflow autologging run")]
        runs = []
        for r in client.search_runs(["0"], max_results=10000):
            if r.info.run_id in before:
                continue
            arts = sorted(f.path for f in client.list_artifacts(r.info.run_id))
            head = None
            if "model_summary.txt" in arts:
                local = client.download_artifacts(r.info.run_id, "model_summary.txt",
                                                   os.getcwd())
                with open(local, "rb") as fh:
                    raw = fh.read()
                text = raw.decode("utf-8")
                head = {"first4": text.split("\n")[:4], "trailing_newline": text.endswith("\n"),
                        "nlines": len(text.split("\n"))}
                os.remove(local)
            runs.append({
                "params": dict(r.data.params),
                "metrics": dict(r.data.metrics),
                "tag_keys": sorted(k for k in r.data.tags
                                   if not k.startswith("mlflow.source.git.")),
                "autologging": r.data.tags.get("mlflow.autologging"),
                "status": r.info.status,
                "artifacts": arts,
                "summary": head,
            })
        out[name] = {"runs": runs, "warnings": warned}
    with open(out_path, "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
