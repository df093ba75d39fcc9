"""Stress suite: verifier grades under manipulated, degraded and known-good rewrites of answers."""

from verifier_eval.tasks.stress.stress import stress

__all__ = ["stress"]
