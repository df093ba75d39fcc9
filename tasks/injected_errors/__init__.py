"""The injected_errors task (error localisation on error-injected proofs)."""

from verifier_eval.tasks.injected_errors.injected_errors import injected_errors

__all__ = ["injected_errors"]
