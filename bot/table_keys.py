"""Every key family of the incidents table, named once: its prefix, how its keys are built, how long its items
live, what they hold. The table has one string hash key ``pk`` and the TTL attribute ``expiration``; the stores
stay in their domains and take their keys and TTLs from here. Not for: what the items mean or when they are
written (each family names its store).

Deployed tables hold these keys: a key must keep its spelling byte for byte (``tests/unit/test_table_keys.py``
and ``tests/functional/test_table_key_families.py`` pin them). ``template.yaml`` names two families again, as
the leading keys the public Slack function may write (``incident#*``, ``signature#*``).

| family               | key                                             | TTL      | where (``bot.``)           |
|----------------------|-------------------------------------------------|----------|----------------------------|
| `incident#`          | `incident#<alarm ARN>`                          | 30 days  | lifecycle.store            |
| `storm#`             | `storm#<channel>#[logs#]<window>`: the head     | 2 days   | lifecycle.storm_store      |
| `storm#…#<seq>`      | `<storm key>#<seq>`: an entry or its tombstone  | 2 days   | lifecycle.storm_store      |
| `storm#…#summary`    | `<storm key>#summary`                           | 2 days   | lifecycle.storm_store      |
| `check#`             | `check#<region>#<check name>`                   | none     | checks.state               |
| `logerr#`            | `logerr#<sha256(group, fingerprint)[:24]>`      | 30 days  | logerrors.ledger           |
| `logerr-batch#`      | `logerr-batch#logs#<sha256(payload)[:32]>`      | 7 hours  | logerrors.ledger           |
| `logerr-new#`        | `logerr-new#<sha256(group)[:24]>#<minute>`      | 1 hour   | logerrors.ledger           |
| `logerr-notes#`      | `logerr-notes#<channel>#<minute>`               | 1 hour   | logerrors.ledger           |
| `signature#`         | `signature#<Slack request signature>`           | 31 min   | slack.edge.seen_signatures |
| `escalation#`        | `escalation#<minute>#<shard>`: incidents due    | 2 days¹  | lifecycle.escalation       |
| `escalation#swept`   | the last minute a tick read and carried         | 2 days¹  | lifecycle.escalation       |
| `lookout#once`       | `lookout#once#<md5 of {"key": <change key>}>`   | 24 hours | lifecycle.once             |
| `logs#` (change key) | `logs#<sha256(payload)[:32]>`, in a claim       | 24 hours | logerrors.forwarder        |
| `digest#` (change)   | `digest#<ISO year>-W<week>`, in a claim         | 8 days   | analytics.schedule         |
| `escalate#` (change) | `escalate#<alarm ARN>#<opened at>#<phase>`      | 24 hours | lifecycle.escalation       |
| `change#`            | `change#<resource>#<hour>`: changes to it then² | 2 days   | changes.ledger             |
| `change#ledger`      | since when the ledger has been recording        | 2 days³  | changes.ledger             |
| `change-state#`      | `change-state#<resource>`: its last settings    | 30 days  | changes.ledger             |

``<minute>`` is minutes since the epoch, ``<window>`` the storm window's number (seconds since the epoch divided
by the window); ¹ an ``escalation#`` minute lives two days past that minute, however far ahead it lies, and
``<shard>`` (0–3, from the ARN's SHA-256) spreads one minute's incidents over four items, so that a storm of
thousands due in the same minute stays far below DynamoDB's 400 KB per item. Powertools Idempotency writes the
claims itself (``key_prefix``); their keys hash the change key (an alarm's ``change_key``, ``message|<SNS
message id>``, ``logs#…``, ``digest#…``, ``escalate#…``), so ``logs#``, ``digest#`` and ``escalate#`` never
appear as keys of their own.

² ``<hour>`` is hours since the epoch, ``<resource>`` a key of ``bot.changes.resources`` (``lambda:orders-api``,
``account:123456789012``; one longer than ``CHANGE_RESOURCE_CHARS`` by its SHA-256); an hour's item holds at most
``changes.ledger.PER_HOUR`` changes (the table's one hash key allows no sort key: a window is read as its hours'
items, in one BatchGetItem) and lives two days past its hour. ³ refreshed while changes arrive: a ledger that saw
none for two days reads as not deployed, and the card falls back to CloudTrail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, KeysAndAttributesUnionTypeDef

KEY = "pk"
"""The table's string hash key."""
TTL_ATTRIBUTE = "expiration"
"""The table's TTL attribute: seconds since the epoch."""

HOUR = 3600
DAY = 24 * HOUR

INCIDENT = "incident#"
INCIDENT_TTL_S = 30 * DAY
STORM = "storm#"
STORM_TTL_S = 2 * DAY
STORM_SUMMARY = "summary"
LOG_ERRORS_STORM = "logs"
"""The storm family of log-error kinds: their own count per channel, so a flood of lines never groups alarms."""
CHECK = "check#"
LOG_KIND = "logerr#"
LOG_KIND_TTL_S = 30 * DAY
LOG_BATCH = "logerr-batch#"
LOG_BATCH_TTL_S = 7 * HOUR
"""Beyond Lambda's longest asynchronous retry (6 hours): a retried delivery still finds what it counted."""
LOG_NEW_KINDS = "logerr-new#"
LOG_NEW_KINDS_TTL_S = HOUR
LOG_NOTES = "logerr-notes#"
LOG_NOTES_TTL_S = HOUR
SIGNATURE = "signature#"
SIGNATURE_TTL_S = 31 * 60
"""Longer than any signed request is accepted: Slack's five minutes at the door, a command's run up to 30
minutes (``front.RUN_MAX_AGE_S``, Lambda holding the async event back), a minute of clock skew."""
ONCE_PREFIX = "lookout#once"
"""Powertools Idempotency's ``key_prefix``: the Lambda functions and ``lookout replay`` share the claims."""
ONCE_TTL_S = DAY
"""How long a completed claim turns duplicates away (Powertools' ``expires_after_seconds``)."""
LOG_DELIVERY = "logs#"
DIGEST = "digest#"
DIGEST_TTL_S = 8 * DAY
"""A week's digest claim outlives the week, so every delivery and retry of that week's run finds it."""
ESCALATION = "escalation#"
ESCALATION_TTL_S = 2 * DAY
"""Past its minute: far longer than the sweep looks back (``bot.lifecycle.escalation.LOOK_BACK``)."""
ESCALATION_SHARDS = 4
ESCALATION_SWEPT = f"{ESCALATION}swept"
"""The sweep's cursor: a tick after missed ones reads the minutes they left (``bot.lifecycle.escalation``)."""
ESCALATION_STEP = "escalate#"
CHANGE = "change#"
CHANGE_TTL_S = 2 * DAY
"""Past the hour a change happened in: the card looks back an hour; CloudTrail's LookupEvents covers older ones."""
CHANGE_LEDGER = f"{CHANGE}ledger"
CHANGE_STATE = "change-state#"
CHANGE_STATE_TTL_S = 30 * DAY
"""A resource's last seen settings name the old value of its next change: kept longer than the changes."""
CHANGE_RESOURCE_CHARS = 512


def incident(alarm_arn: str) -> str:
    """An alarm's incident: its message, state, history, acknowledgement, silence and storm entry."""
    return f"{INCIDENT}{alarm_arn}"


def storm(channel: str, window: int, family: str = "") -> str:
    """A storm's head: its counters, what has been shown, the flusher's lease, the summary message."""
    return f"{STORM}{channel}#{family + '#' if family else ''}{window}"


def storm_entry(storm_key: str, seq: int) -> str:
    """Entry ``seq`` of a storm: one alarm's state change, or the tombstone of a number given up."""
    return f"{storm_key}#{seq}"


def storm_summary(storm_key: str) -> str:
    """What a storm's summary message shows, folded from its entries."""
    return f"{storm_key}#{STORM_SUMMARY}"


def log_errors_storm(storm_key: str) -> bool:
    """Whether ``storm_key`` counts log-error kinds (``storm(channel, window, LOG_ERRORS_STORM)``). A channel
    is never empty and holds no ``#`` but a leading one, so a channel named ``#logs`` is not the family."""
    middle = storm_key.removeprefix(STORM).rsplit("#", 1)[0]  # the channel, and the family if there is one
    return middle.endswith(f"#{LOG_ERRORS_STORM}") and middle != f"#{LOG_ERRORS_STORM}"


def check(region: str, name: str) -> str:
    """A check's standing in a region: passing or failing, failures in a row, the transition to announce."""
    return f"{CHECK}{region}#{name}"


def log_kind(digest: str) -> str:
    """An error kind's tally: lines counted, first and last sighting, its name, when it was last announced."""
    return f"{LOG_KIND}{digest}"


def log_kind_digest(kind_key: str) -> str:
    """The digest a kind's key names (its card's ARN ends with it)."""
    return kind_key.removeprefix(LOG_KIND)


def log_delivery(digest: str) -> str:
    """A log delivery's name (its payload's digest): the change key of its claim, and part of ``log_batch``."""
    return f"{LOG_DELIVERY}{digest}"


def log_batch(delivery: str) -> str:
    """The kinds a log delivery (``log_delivery``) counted, so that Lambda's retry does not count them again."""
    return f"{LOG_BATCH}{delivery}"


def log_new_kinds(group_digest: str, minute: int) -> str:
    """A log group's minute: the new kinds given one of its places, and the kinds held back beyond them."""
    return f"{LOG_NEW_KINDS}{group_digest}#{minute}"


def log_notes(channel: str, minute: int) -> str:
    """How many repeat notes a channel was sent in a minute."""
    return f"{LOG_NOTES}{channel}#{minute}"


def signature(sig: str) -> str:
    """A Slack request signature already seen, and the invocation that holds it (the replay memory)."""
    return f"{SIGNATURE}{sig}"


def digest(year: int, week: int) -> str:
    """A week's digest run (ISO year and week): the change key of the claim that posts it once."""
    return f"{DIGEST}{year}-W{week:02d}"


def escalation(minute: int, shard: int) -> str:
    """One of a minute's index items: the ARNs (a string set) of incidents whose escalation step is due then."""
    return f"{ESCALATION}{minute}#{shard}"


def escalation_shard(alarm_arn: str) -> int:
    """Which of a minute's ``ESCALATION_SHARDS`` items holds ``alarm_arn`` (stable across processes)."""
    return hashlib.sha256(alarm_arn.encode()).digest()[0] % ESCALATION_SHARDS


def escalation_step(alarm_arn: str, opened_at: float, phase: int) -> str:
    """One escalation step of one incident (the alarm's opening time names it): the change key of the claim
    that takes it once."""
    return f"{ESCALATION_STEP}{alarm_arn}#{opened_at!r}#{phase}"


def change(resource: str, hour: int) -> str:
    """The changes to ``resource`` (a ``bot.changes.resources`` key) in hour ``hour`` since the epoch."""
    return f"{CHANGE}{_resource(resource)}#{hour}"


def change_state(resource: str) -> str:
    """``resource``'s settings as its last change reported them (Lambda's memory, an alias's version)."""
    return f"{CHANGE_STATE}{_resource(resource)}"


def _resource(resource: str) -> str:
    if len(resource) <= CHANGE_RESOURCE_CHARS:
        return resource
    return "sha256:" + hashlib.sha256(resource.encode()).hexdigest()


@dataclass(frozen=True)
class Family:
    prefix: str
    ttl_s: int | None
    """None: the items stay (a check's standing lasts as long as the check)."""
    store: str


FAMILIES = (
    Family(INCIDENT, INCIDENT_TTL_S, "bot.lifecycle.store"),
    Family(STORM, STORM_TTL_S, "bot.lifecycle.storm_store"),
    Family(CHECK, None, "bot.checks.state"),
    Family(LOG_KIND, LOG_KIND_TTL_S, "bot.logerrors.ledger"),
    Family(LOG_BATCH, LOG_BATCH_TTL_S, "bot.logerrors.ledger"),
    Family(LOG_NEW_KINDS, LOG_NEW_KINDS_TTL_S, "bot.logerrors.ledger"),
    Family(LOG_NOTES, LOG_NOTES_TTL_S, "bot.logerrors.ledger"),
    Family(SIGNATURE, SIGNATURE_TTL_S, "bot.slack.edge.seen_signatures"),
    Family(ONCE_PREFIX, ONCE_TTL_S, "bot.lifecycle.once"),
    Family(LOG_DELIVERY, ONCE_TTL_S, "handlers/log_errors.py"),
    Family(DIGEST, DIGEST_TTL_S, "handlers/digest.py"),
    Family(ESCALATION, ESCALATION_TTL_S, "bot.lifecycle.escalation"),
    Family(ESCALATION_STEP, ONCE_TTL_S, "bot.lifecycle.escalation"),
    Family(CHANGE, CHANGE_TTL_S, "bot.changes.ledger"),
    Family(CHANGE_STATE, CHANGE_STATE_TTL_S, "bot.changes.ledger"),
)
"""Each family once (a storm's entries and summary live under its head's prefix)."""


# --- items, as the low-level client takes them (tests inject moto or Stubber clients) -------------------------


def key(pk: str) -> dict[str, AttributeValueTypeDef]:
    """The ``Key`` of item ``pk``."""
    return {KEY: {"S": pk}}


def expires(ttl_s: int, now: float) -> int:
    """The ``expiration`` of an item written at ``now`` that lives ``ttl_s`` seconds."""
    return int(now) + ttl_s


def item(pk: str, /, **attributes: object) -> dict[str, AttributeValueTypeDef]:
    """The ``Item`` ``pk`` with ``attributes`` as DynamoDB values (``TypeSerializer``; a float by its shortest
    decimal text)."""
    serialize = _serializer().serialize
    return {KEY: {"S": pk}, **{name: serialize(_number(value)) for name, value in attributes.items()}}


def values(**named: object) -> dict[str, AttributeValueTypeDef]:
    """``ExpressionAttributeValues``: ``values(v=3)`` is ``{":v": {"N": "3"}}``."""
    serialize = _serializer().serialize
    return {f":{name}": serialize(_number(value)) for name, value in named.items()}


def attributes(found: Mapping[str, AttributeValueTypeDef]) -> dict[str, Any]:
    """An item (or ``Attributes``) as Python values; numbers are ``Decimal``: convert where ints or floats are
    meant. ``Any`` is the deserializer's own type in boto3-stubs: a value is whatever was written (text,
    ``Decimal``, a set, a list, a map), and each store reads its own items as it wrote them."""
    deserialize = _deserializer().deserialize
    return {name: deserialize(value) for name, value in found.items()}


BATCH_GET_KEYS = 100
"""DynamoDB's limit of keys in one BatchGetItem."""


def batch_get(
    dynamodb: DynamoDBClient,
    table: str,
    keys: Sequence[str],
    *,
    consistent: bool = True,
    tries: int = 0,
    go_on: Callable[[], bool] = lambda: True,
) -> Iterator[dict[str, Any]]:
    """The items of ``keys`` that exist, as ``attributes``, in DynamoDB's order: BatchGetItem by 100 keys, asking
    again for the keys DynamoDB left unprocessed — at most ``tries`` calls a hundred keys (0: until none is left),
    and none at all once ``go_on()`` (a caller's deadline) says stop."""
    for start in range(0, len(keys), BATCH_GET_KEYS):
        chunk = keys[start : start + BATCH_GET_KEYS]
        request: Mapping[str, KeysAndAttributesUnionTypeDef] = {
            table: {"Keys": [key(k) for k in chunk], "ConsistentRead": consistent}
        }
        calls = 0
        while request:
            response = dynamodb.batch_get_item(RequestItems=request)
            calls += 1
            for raw in response.get("Responses", {}).get(table, []):
                yield attributes(raw)
            request = response.get("UnprocessedKeys") or {}
            if request and not go_on():
                return
            if calls == tries:
                break


def _number(value: object) -> object:
    """A float as the ``Decimal`` of its shortest text (``TypeSerializer`` refuses floats)."""
    return Decimal(repr(value)) if isinstance(value, float) else value


@cache
def _serializer() -> TypeSerializer:
    from boto3.dynamodb.types import TypeSerializer  # boto3 only where an item is written

    return TypeSerializer()


@cache
def _deserializer() -> TypeDeserializer:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()
