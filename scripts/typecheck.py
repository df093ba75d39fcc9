"""Run mypy --strict over the one import namespace.

The repository keeps `tasks/`, `solvers/`, `scorers/` and `dashboard/` at the top level but they
import as `verifier_eval.tasks`, ...; mypy maps modules to folders by path, so it is pointed at a
symlink view of the package as it is installed (build/typecheck/verifier_eval).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = ("tasks", "solvers", "scorers", "dashboard")


def main() -> int:
    view = ROOT / "build" / "typecheck" / "verifier_eval"
    view.mkdir(parents=True, exist_ok=True)
    for entry in view.iterdir():
        entry.unlink()
    for entry in (ROOT / "verifier_eval").iterdir():
        if entry.name != "__pycache__":
            (view / entry.name).symlink_to(entry)
    for folder in MAPPED:
        (view / folder).symlink_to(ROOT / folder)
    env = {**os.environ, "MYPYPATH": str(view.parent)}
    cmd = [sys.executable, "-m", "mypy", "-p", "verifier_eval", *sys.argv[1:]]
    return subprocess.call(cmd, cwd=view.parent, env=env)


if __name__ == "__main__":
    sys.exit(main())
