"""Package list for the card's layout: top-level folders installed under one namespace.

`tasks/`, `solvers/`, `scorers/` and `dashboard/` stay at the top of the repository (the design
card) but install as `verifier_eval.tasks`, ... so nothing generic such as `tasks` lands in
site-packages. `package-dir` in pyproject.toml maps the roots; this file lists their sub-packages.
"""

from setuptools import find_packages, setup

MAPPED_FOLDERS = ("tasks", "solvers", "scorers", "dashboard")

packages = ["verifier_eval", *find_packages(include=["verifier_eval.*"])]
package_dir = {"verifier_eval": "verifier_eval"}
for folder in MAPPED_FOLDERS:
    packages.append(f"verifier_eval.{folder}")
    package_dir[f"verifier_eval.{folder}"] = folder
    for sub in find_packages(where=folder):
        packages.append(f"verifier_eval.{folder}.{sub}")

setup(packages=packages, package_dir=package_dir)
