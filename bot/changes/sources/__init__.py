"""One reader per service whose changes the ledger keeps: each turns a CloudTrail call (``bot.changes.cloudtrail``)
or the service's own EventBridge event into a ``Change``. ``bot.changes.parse`` dispatches to them."""
