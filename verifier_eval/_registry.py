# ruff: noqa: F401
"""What inspect looks up by name (``verifier_eval/<name>``): tasks, solvers, scorers, models."""

from verifier_eval.embedded.provider import EmbeddedVerifierAPI
from verifier_eval.providers.baseline import BaselineVerifierAPI
from verifier_eval.providers.gguf import GGUFVerifierAPI
from verifier_eval.providers.replay import ReplayVerifierAPI
from verifier_eval.providers.tinker import TinkerVerifierAPI
from verifier_eval.scorers.confidence import confidence_scorer
from verifier_eval.scorers.reducer import verdict_mean
from verifier_eval.solvers.verifier import proof_verifier
from verifier_eval.tasks.graded_file import graded_file
from verifier_eval.tasks.imo_2025 import imo_2025
from verifier_eval.tasks.injected_errors import injected_errors
from verifier_eval.tasks.opc import opc
from verifier_eval.tasks.stress import stress
from verifier_eval.tasks.usamo_2025 import usamo_2025
