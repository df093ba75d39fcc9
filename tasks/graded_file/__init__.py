"""A lab's own human-graded proofs (JSONL or CSV) as a verifier benchmark."""

from verifier_eval.tasks.graded_file.graded_file import graded_file

__all__ = ["graded_file"]
