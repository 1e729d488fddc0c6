"""``-p tests.plain_jsonschema``, before ``-p nbmake`` (scripts/test): the test session's
jsonschema without rfc3987-syntax.

nbmake imports nbformat and so jsonschema, which imports rfc3987-syntax for the ``iri``
formats where it is installed (JupyterLab's jupyter-events brings it) and builds an Earley
grammar on import: ~1.8 s of CPU in the session and again in each xdist worker. No
contract uses an ``iri`` format, and the harness's own Python validator leaves the package
out the same way (``harness.contracts._schemas.python_validator_class``): the tests then
judge with the jsonschema that a harness process has.
"""

from __future__ import annotations

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # import fails
