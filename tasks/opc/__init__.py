"""Open Proof Corpus (OPC) judge test split: 434 LLM proofs with binary expert labels."""

from verifier_eval.tasks.opc.opc import opc

__all__ = ["opc"]
