"""Git context tags of the running program (``sys.argv[0]``), as MLflow records them.

MLflow reads them with GitPython when it is installed; so does this helper, once per process,
so runs logged by mlflow_c carry the same ``mlflow.source.git.*`` tags. Nothing when GitPython is
missing or the program is not in a repository (or is ignored by it).
"""
from __future__ import annotations

import os
import sys


def git_tags() -> dict:
    main = sys.argv[0] if sys.argv and sys.argv[0] else None
    if main is None:
        return {}
    try:
        from git import Repo  # GitPython
    except Exception:
        return {}
    path = main
    try:
        if os.path.isfile(path):
            path = os.path.dirname(os.path.abspath(path))
        repo = Repo(path, search_parent_directories=True)
        if path in repo.ignored(path):
            return {}
        tags = {"mlflow.source.git.commit": repo.head.commit.hexsha}
    except Exception:
        return {}
    try:
        tags["mlflow.source.git.branch"] = repo.active_branch.name
    except Exception:
        pass
    try:
        tags["mlflow.source.git.repoURL"] = repo.remote().url
    except Exception:
        pass
    return tags
