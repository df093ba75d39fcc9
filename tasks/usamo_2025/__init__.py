"""USAMO 2025 verifier benchmark."""

from verifier_eval.tasks.usamo_2025.usamo_2025 import usamo_2025

__all__ = ["usamo_2025"]
