"""The change ledger: what changed in the account before an alarm — deploys, configuration, capacity — kept as
it happens (an EventBridge rule → ``handlers/changes.py`` → ``ChangeLedger`` in the incidents table) and found
for the card (``ChangeFinder.before``), from CloudTrail's LookupEvents where the ledger has no records.

A domain package: it returns values (``Change``, ``Changes``) and knows nothing of Slack. Its modules:
``model`` (the values), ``parse`` and ``sources/`` (events → changes), ``resources`` (the names changes are filed
and found under), ``ledger`` (and ``ledger_items``: what its items hold), ``lookup``, ``finder``, ``links``,
``apinames``.
"""

from __future__ import annotations

from bot.changes.model import Change, Changes, Diff, Ignored, UnknownChange

__all__ = ["Change", "Changes", "Diff", "Ignored", "UnknownChange"]
