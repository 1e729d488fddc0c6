"""`harness bench`: the benchmark of the suite, the sandbox, the contracts and live runs.

Loaded only when ``harness bench`` runs (or a run loads ``-p harness.bench.plugin``), so
no other command pays for it.
"""
