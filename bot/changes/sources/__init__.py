"""One reader per service whose changes the ledger keeps: each turns a CloudTrail call (``bot.changes.cloudtrail``)
or the service's own EventBridge event into a ``Change``. ``bot.changes.parse`` dispatches to them, a call only
when it succeeded and is one of the reader's ``EVENT_NAMES`` (the rest it ignores)."""
