"""What the fault tests injected and what came through, counted by the tests as they run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(slots=True)
class FaultCounts:
    injected: int = 0
    survived: int = 0
    articles_lost: int = 0
    duplicates: int = 0


class FaultTally:
    """One row per fault class; printed by the terminal summary hook in conftest.py."""

    def __init__(self) -> None:
        self.rows: dict[str, FaultCounts] = defaultdict(FaultCounts)
        self.notes: list[str] = []

    def injected(self, fault_class: str, count: int = 1) -> None:
        self.rows[fault_class].injected += count

    def survived(self, fault_class: str, *, lost: int = 0, duplicates: int = 0, count: int = 1) -> None:
        """Record an outcome; only a fault with nothing lost and nothing doubled counts as survived."""
        row = self.rows[fault_class]
        row.articles_lost += lost
        row.duplicates += duplicates
        if lost == 0 and duplicates == 0:
            row.survived += count

    def note(self, fault_class: str, text: str) -> None:
        """A line of detail for the summary, e.g. where the kills landed."""
        self.notes.append(f"{fault_class}: {text}")

    def total(self) -> FaultCounts:
        total = FaultCounts()
        for row in self.rows.values():
            total.injected += row.injected
            total.survived += row.survived
            total.articles_lost += row.articles_lost
            total.duplicates += row.duplicates
        return total


TALLY = FaultTally()
