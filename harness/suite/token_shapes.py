"""What Atlassian credentials look like, whatever they are called: the harness's own rule
for detect-secrets (``AtlassianTokenDetector``) and for the raw-text pass of the cassette
audit (``harness.suite.secret_scan``).

- ``ATATT3x...``: an Atlassian account API token (Basic auth with an e-mail);
- ``ATCTT3x...``: an organization admin API key (Bearer, the cookbook's org API key);
- ``ATBB...``: a Bitbucket app password.

detect-secrets loads this file by path (``file://``), so it imports nothing of the harness.
"""

from __future__ import annotations

import re

from detect_secrets.plugins.base import RegexBasedDetector

#: The known prefixes followed by the token's alphabet, long enough not to be a word.
ATLASSIAN_TOKEN = re.compile(r"\b(?:ATATT3x|ATCTT3x|ATBB)[A-Za-z0-9_\-+/=]{20,}")


class AtlassianTokenDetector(RegexBasedDetector):
    """An Atlassian API token, admin API key or Bitbucket app password, by its shape."""

    secret_type = "Atlassian Token"
    denylist = (ATLASSIAN_TOKEN,)
