"""vcrpy's ``--record-mode``, as every vcrpy and pytest-recording user types it, mapped onto
the suite's modes.

==================  ====================================  ==============================
``--record-mode``   vcrpy's meaning                       a scenario runs in
==================  ====================================  ==============================
``none``            replay; an unrecorded request fails   ``replay`` (= ``--mode replay``)
``once``            replay a cassette that exists,        ``replay`` if its cassette
                    record one that does not              exists, else ``record``
``new_episodes``    replay what was recorded, record      ``record``, the cassette kept
                    (append) the new requests             and added to
``all``             record everything again               ``record`` (= ``--mode record``)
==================  ====================================  ==============================

Recording goes to the embedded sandbox, or to ``--base-url``. A replayed scenario never
touches the network (``pytest-socket`` blocks it); a recorded one talks to its target.
With ``new_episodes`` the target does not see the requests answered from the cassette, so
a new request that depends on them (an order naming a replayed provisioning request)
meets a server that never saw it: re-record that scenario with ``all``.
"""

from __future__ import annotations

from enum import StrEnum

from .modes import Mode


class RecordMode(StrEnum):
    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"


#: What ``--mode replay`` and ``--mode record`` are in vcrpy's words.
_OF_MODE = {Mode.REPLAY: RecordMode.NONE, Mode.RECORD: RecordMode.ALL}


class RecordModeError(ValueError):
    """``--mode`` and ``--record-mode`` say different things; the message says how."""


def resolve(mode: str | None, record_mode: str | None) -> tuple[Mode, RecordMode | None]:
    """The run's mode and record mode from ``--mode`` (None: not given) and
    ``--record-mode`` (None: not given).

    ``--record-mode`` alone picks the mode (``none``: replay; the others: record);
    with ``--mode replay`` only ``none`` fits, with ``--mode record`` any but ``none``;
    local and live modes use no cassettes.
    """
    chosen = Mode(mode) if mode else None
    if record_mode is None:
        chosen = chosen or Mode.LOCAL
        return chosen, _OF_MODE.get(chosen)
    wanted = RecordMode(record_mode)
    implied = Mode.REPLAY if wanted is RecordMode.NONE else Mode.RECORD
    if chosen is None or chosen is implied:
        return implied, wanted
    if chosen in (Mode.LOCAL, Mode.LIVE):
        raise RecordModeError(
            f"--record-mode={wanted.value} uses cassettes; --mode {chosen.value} does not: "
            "give one of them"
        )
    raise RecordModeError(
        f"--mode {chosen.value} and --record-mode={wanted.value} disagree: "
        f"--record-mode={wanted.value} alone means --mode {implied.value}"
    )


def scenario_mode(record_mode: RecordMode, cassette_exists: bool) -> Mode:
    """How one scenario runs: replayed from its cassette, or recorded."""
    if record_mode is RecordMode.NONE:
        return Mode.REPLAY
    if record_mode is RecordMode.ONCE and cassette_exists:
        return Mode.REPLAY
    return Mode.RECORD
