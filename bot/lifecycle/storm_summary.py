"""What a storm's summary says, folded from its entries in order: how many alarms and how many still firing,
the highest severity among them, everyone their tags call (a storm never downgrades a page), and the first
alarms by name. Pure values; the storm desk keeps them, the messenger draws them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.lifecycle.decisions import StormEntry
    from bot.lifecycle.storm_store import Summary

TOP = 40
"""Alarms the summary lists by name; the rest are counted (every one is in the thread)."""
MENTIONS = 10
_RANKED = re.compile(r"(?:SEV|P)[ _-]?(\d+)")
_WORDS = {"CRITICAL": 0, "CRIT": 0, "HIGH": 1, "MAJOR": 1, "MEDIUM": 2, "WARNING": 2, "MINOR": 3, "LOW": 3}


def severity_rank(label: str) -> int:
    """Lower is more severe: SEV0/P0/CRITICAL 0, SEV1/P1/HIGH 1, … ; a label we cannot rank comes after all."""
    if not label:
        return 1000
    ranked = _RANKED.fullmatch(label.upper())
    if ranked:
        return int(ranked.group(1))
    return _WORDS.get(label.upper(), 100)


def fold(summary: Summary, entries: Iterable[tuple[int, StormEntry]]) -> tuple[Summary, list[str]]:
    """``summary`` with ``entries`` (sequence number, entry; tombstones skipped) counted in; and the mentions
    that are new to this storm, which the round's reply calls (editing a message notifies nobody)."""
    folded = replace(summary, mentions=list(summary.mentions), top=[e.copy() for e in summary.top])
    new_mentions: list[str] = []
    for seq, entry in entries:
        if seq <= folded.through:
            continue  # counted in an earlier round (a successor resuming a round)
        folded.through = seq
        if entry.get("tombstone"):
            continue
        folded.alarms += 1 if entry.get("opening") else 0
        was_firing = entry.get("was") == "ALARM" and not entry.get("opening")  # an opening starts afresh
        folded.firing += (entry.get("state") == "ALARM") - was_firing
        if severity_rank(entry.get("severity", "")) < severity_rank(folded.severity):
            folded.severity = entry["severity"]
        for mention in (entry.get("mention") or "").split():
            if mention not in folded.mentions and len(folded.mentions) < MENTIONS:
                folded.mentions.append(mention)
                new_mentions.append(mention)
        listed = next((e for e in folded.top if e["arn"] == entry["arn"]), None)
        if listed is not None:
            listed.update({"state": entry["state"], "reason": entry.get("reason", ""), "at": entry.get("at", 0)})
        elif len(folded.top) < TOP:
            folded.top.append(
                {
                    "arn": entry["arn"],
                    "name": entry["name"],
                    "state": entry["state"],
                    "reason": entry.get("reason", ""),
                    "at": entry.get("at", 0),
                }
            )
    folded.firing = max(0, folded.firing)
    return folded, new_mentions
