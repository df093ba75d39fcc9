"""The embedded default verifier: sentence embeddings of the whole proof + a logistic head.

Runs offline on the CPU with no API key (inspect model ``embedded/minilm-opc``). Modules:
``features`` (embedding features), ``head`` (numpy inference from ``head.json``), ``train``
(``python -m verifier_eval.embedded.train``) and ``provider`` (the inspect ``@modelapi``).
"""
