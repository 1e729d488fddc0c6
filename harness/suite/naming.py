"""The names a run gives what it creates: new sites, order ids and item ids.

Where the org is reset before each scenario (the embedded sandbox, ``--reset-sandbox``,
replay) names are deterministic, so a re-recording repeats its cassettes: site
``<prefix>-<label>`` (``acme-conf`` with the default profile), order ids a UUID of the
scenario and call count, item ids ``O1``, ``O2``... Against a shared org (live mode;
record mode against a host that is not loopback or not reset) every run is fresh
(ASM-034): a site name, once provisioned, is the org's for good, so each carries the run
id, and a hash of the scenario so that scenarios running at once (``-n``) never collide:
``<prefix>-<run id>-<label>-<hash>``; order and item ids carry the run id too.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field

#: The namespace of the suite's deterministic UUIDs (unchanged: the cassettes hold them).
NAMESPACE = uuid.UUID("b7a1d2c4-6f1e-4f5a-9c3d-2e8b7a6f5d40")
#: A prefix the user may set with --site-prefix.
PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
#: A run id: lower-case letters and digits.
RUN_ID = re.compile(r"^[a-z0-9]{4,12}$")
#: A label of a new site in the features ("conf" in 'on a new site "conf"').
LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class NamingError(ValueError):
    """A prefix, run id or label that cannot make a valid site name; says which and why."""


def new_run_id() -> str:
    """A fresh run id: 8 random lower-case letters and digits (about 41 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def check_prefix(prefix: str) -> str:
    if not PREFIX.fullmatch(prefix):
        raise NamingError(
            f"site prefix {prefix!r}: a site prefix is a lower-case letter, then up to 23 "
            "lower-case letters, digits or hyphens"
        )
    return prefix


def check_run_id(run_id: str) -> str:
    if not RUN_ID.fullmatch(run_id):
        raise NamingError(f"run id {run_id!r}: 4 to 12 lower-case letters and digits")
    return run_id


@dataclass(frozen=True)
class Naming:
    """How one run names things. ``run_id`` None: deterministic names. ``taken``: the
    org's own site names, which a deterministic new site never gets (an org's sites may
    begin with its prefix: ``corp-jira`` beside prefix ``corp``)."""

    prefix: str
    run_id: str | None = None
    taken: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        check_prefix(self.prefix)
        if self.run_id is not None:
            check_run_id(self.run_id)

    @property
    def fresh(self) -> bool:
        return self.run_id is not None

    def site(self, label: str, scenario_key: str) -> str:
        """The name of the new site a scenario calls ``label``."""
        if not LABEL.fullmatch(label):
            raise NamingError(
                f"new site label {label!r}: up to 20 lower-case letters, digits and inner hyphens"
            )
        if self.run_id is None:
            name, count = f"{self.prefix}-{label}", 1
            while name in self.taken:  # the first free one, the same every run
                count += 1
                name = f"{self.prefix}-{label}-{count}"
            return name
        digest = hashlib.sha256(f"{scenario_key}/{label}".encode()).hexdigest()[:4]
        return f"{self.prefix}-{self.run_id}-{label}-{digest}"

    def uuid(self, scenario_key: str, count: int) -> str:
        """The ``count``-th UUID of a scenario (order ids)."""
        scope = scenario_key if self.run_id is None else f"{self.run_id}/{scenario_key}"
        return str(uuid.uuid5(NAMESPACE, f"{scope}#{count}"))

    @property
    def item_id_format(self) -> str:
        """``OrderBuilder``'s ``item_id_format``: ``O{n}``, or ``O{n}-<run id>``."""
        return "O{n}" if self.run_id is None else f"O{{n}}-{self.run_id}"

    def item_id(self, label: str) -> str:
        """The item id the features call ``label`` (``O2``) in this run."""
        found = re.fullmatch(r"O(\d+)", label)
        if found is None:
            raise NamingError(f"item label {label!r}: the features name items O1, O2, ...")
        return self.item_id_format.format(n=int(found[1]))
