"""IMO 2025 verifier benchmark."""

from verifier_eval.tasks.imo_2025.imo_2025 import imo_2025

__all__ = ["imo_2025"]
