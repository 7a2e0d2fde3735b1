"""Start Rasa's server (`python -m bot.rasa_server run ...`) with two fixes the launcher needs.

1. **The action response's schema is checked once, not on every action call.** Rasa 3.6.21
   validates each action server response with `jsonschema.validate(response, schema)`
   (`RemoteAction._validate_action_result`), and jsonschema 4 re-validates the large, `$ref`-heavy
   events schema against its meta-schema on every call: 14 ms of CPU per action call here, about
   two thirds of Rasa's time per message under load (cProfile, bench/load_bench.py). Building
   the validator once keeps the same validation of every response for about 0.4 ms.
2. **Event classes are looked up in a table.** Loading a tracker from the tracker store turns
   every stored event into an object through `Event.resolve_by_type`, which walks the whole
   `Event` class tree for each event: about an eighth of Rasa's time per message. The table is
   built from the same walk (first match wins, as in Rasa) and walked again for an unknown name.
3. **Redis tickets are issued and returned atomically.** Rasa's `RedisLockStore` reads the
   conversation's ticket lock, changes it in Python and writes it back; two Rasa servers that
   get messages of one conversation at the same moment can both draw the same ticket and run
   together, and the SQL tracker store then drops one turn's events (it appends "events beyond
   the count already stored"). Found by tests/test_scale_out.py; Rasa's reviewers called it
   "far from atomic" (RasaHQ/rasa#3933). Here each change is a Redis WATCH/MULTI transaction.
4. **A failed message is logged without its text.** When handling a message fails, Rasa's REST
   channel logs the user's text and the handler's local variables at ERROR; only the kind of
   error is kept (tests/test_privacy.py).
5. **The HTTP API token does not appear on the command line**, where every local user can read it
   (`ps`, /proc/<pid>/cmdline): it is taken from the environment (`RASA_TOKEN`) and handed to
   Rasa's own argument parser inside this process.

Everything else is `rasa run` unchanged (same arguments, same code path).
"""
from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any


def cache_action_response_validation() -> None:
    """Replace RemoteAction._validate_action_result by one that reuses a built validator."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # what jsonschema.validate() repeats on every call
    validator = cls(schema)

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error

    RemoteAction._validate_action_result = validate  # type: ignore[method-assign]


def cache_event_type_lookup() -> None:
    """Replace Event.resolve_by_type by a dictionary lookup with the same results."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    walk = Event.resolve_by_type
    table: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None
                        ) -> type[Event] | None:
        found = table.get(type_name)
        if found is None:
            for cls in all_subclasses(Event):
                table.setdefault(cls.type_name, cls)
            found = table.get(type_name)
        return found if found is not None else walk(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def make_redis_tickets_atomic() -> None:
    """Issue and return tickets of RedisLockStore in optimistic Redis transactions."""
    import json
    from collections.abc import Callable

    import redis
    from rasa.core.lock import TicketLock
    from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

    Change = Callable[[TicketLock | None], tuple[TicketLock | None, Any]]

    def transact(store: RedisLockStore, conversation_id: str, change: Change) -> Any:
        key = store.key_prefix + conversation_id
        with store.red.pipeline() as pipe:
            for _ in range(1000):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    lock, result = change(lock)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # someone changed the lock meanwhile: read it again
        raise LockError(f"lock of conversation {conversation_id!r} is too contended")

    def issue_ticket(self: RedisLockStore, conversation_id: str,
                     lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return transact(self, conversation_id, change)
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def cleanup(self: RedisLockStore, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        transact(self, conversation_id, change)

    RedisLockStore.issue_ticket = issue_ticket  # type: ignore[method-assign]
    RedisLockStore.cleanup = cleanup  # type: ignore[method-assign]


class _RedactFailures(logging.Filter):
    """Replace a REST channel failure record (text, sender, locals) by the exception type."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if "rest.message.received.failure" in message or '"text"' in message:
            kinds = sorted(set(re.findall(r'"exc_type": "(\w+)"', message)))
            record.msg = "handling a message failed: %s (message text withheld)"
            record.args = (", ".join(kinds) or "unknown error",)
            record.exc_info = None
            record.exc_text = None
        return True


def redact_channel_failures() -> None:
    logging.getLogger("rasa.core.channels.rest").addFilter(_RedactFailures())


def rasa_arguments(args: list[str]) -> list[str]:
    """`rasa` arguments with the API token from RASA_TOKEN added in the '=' form (a token may
    start with '-', which argparse would read as the next option)."""
    token = os.environ.get("RASA_TOKEN")
    if token and not any(a.startswith("--auth-token") for a in args):
        return [*args, f"--auth-token={token}"]
    return list(args)


def main() -> None:
    redact_channel_failures()
    cache_action_response_validation()
    cache_event_type_lookup()
    make_redis_tickets_atomic()
    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:])]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
