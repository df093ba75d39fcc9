"""Training companion: error-injected proof data, GSPO training, OpenAI RFT, checkpoint scoring.

It imports the core (``verifier_eval.verdict``, ``verifier_eval.rewards``,
``verifier_eval.records``) and is never imported by it. See ``verifier_eval/train/README.md``
for the commands.
"""
