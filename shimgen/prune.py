"""Decide whether a stub on disk can be removed: untouched since generation and due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shimgen.manifest import ShimRecord
from shimgen.render import is_generated_shim

UNCHANGED = "unchanged"  # generated text, and the hash the manifest records
EDITED = "edited"  # has the marker header, but the text no longer matches its hash
OTHER_VERSION = "other-version"  # untouched stub, but not the one the manifest records
NOT_A_SHIM = "not-a-shim"  # no marker header: someone replaced the stub with code
MISSING = "missing"  # the file is gone


@dataclass(frozen=True)
class StubCheck:
    """The state of one stub compared with its manifest record."""

    record: ShimRecord
    state: str  # one of UNCHANGED, EDITED, OTHER_VERSION, NOT_A_SHIM, MISSING
    due: bool  # the removal date has passed

    @property
    def removable(self) -> bool:
        """Whether deleting the file loses nothing but the generated stub and its date has passed."""
        return self.state == UNCHANGED and self.due


def check_stub(record: ShimRecord, text: str | None, today: date) -> StubCheck:
    """Compare the stub ``text`` (None when the file is missing) with its manifest ``record``."""
    return StubCheck(record=record, state=stub_state(record, text), due=is_due(record, today))


def stub_state(record: ShimRecord, text: str | None) -> str:
    """Classify the stub ``text`` against ``record`` as one of the state constants."""
    if text is None:
        return MISSING
    header = is_generated_shim(text)
    if header is None:
        return NOT_A_SHIM
    if not header.unchanged:
        return EDITED
    if header.hash != record.hash:
        return OTHER_VERSION
    return UNCHANGED


def is_due(record: ShimRecord, today: date) -> bool:
    """Return True when ``today`` is after the record's remove-after date.

    A remove-after date that is not an ISO date counts as not due, so that a bad record
    never deletes a stub.
    """
    try:
        remove_after = date.fromisoformat(record.remove_after)
    except ValueError:
        return False
    return today > remove_after
