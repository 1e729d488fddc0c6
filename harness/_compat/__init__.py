"""Where the harness reaches past another library's documented API: one module per
library, each small, each tested against the installed version (``tests/compat``) so that
an upgrade that changes what it relies on fails there, loudly, and nowhere else; the
library is pinned to the minor versions tested (``pyproject.toml``).

- ``uvicorn``: closing a connection on purpose (the sandbox's ``drop`` faults);
- ``pytest_bdd``: which scenario (and which example of an outline) a collected item runs.

No other module of the harness names a private attribute of another library
(``tests/test_architecture.py`` checks it).
"""
