"""Requests to hand a conversation over to a person (the counsellor lookup reads them).

Only what a counsellor needs to pick the request up is stored: the conversation id, its
language and topic, when and whether it is done. Never message text: the conversation itself
stays in the tracker store, under its own deletion rules.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services_catalog.languages import check_language
from services_catalog.models import HandoffRequest
from services_catalog.taxonomy import TOPICS

STATUSES = ("open", "done")


def _as_dict(request: HandoffRequest) -> dict:
    created = request.created_at
    if created is not None and created.tzinfo is None:  # SQLite drops the offset; it is UTC
        created = created.replace(tzinfo=dt.timezone.utc)
    return {"id": request.id, "conversation_id": request.conversation_id,
            "language": request.language, "topic": request.topic,
            "created_at": created.isoformat() if created else None, "status": request.status}


def create_handoff(session: Session, conversation_id: str, language: str,
                   topic: str | None = None) -> dict:
    """Store an open request; ``topic`` must be a contract topic or None."""
    if not conversation_id or len(conversation_id) > 100:
        raise ValueError("conversation_id: required, at most 100 characters")
    check_language(language, "language")
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"topic: unknown topic {topic!r}")
    request = HandoffRequest(conversation_id=conversation_id, language=language, topic=topic,
                             created_at=dt.datetime.now(dt.timezone.utc), status="open")
    session.add(request)
    session.flush()
    return _as_dict(request)


def list_handoffs(session: Session, status: str | None = "open") -> list[dict]:
    """Requests, oldest first (``status=None`` lists all)."""
    statement = select(HandoffRequest).order_by(HandoffRequest.created_at, HandoffRequest.id)
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"status: must be one of {', '.join(STATUSES)}")
        statement = statement.where(HandoffRequest.status == status)
    return [_as_dict(r) for r in session.execute(statement).scalars()]


def mark_done(session: Session, request_id: int) -> bool:
    request = session.get(HandoffRequest, request_id)
    if request is None:
        return False
    request.status = "done"
    return True


def delete_for_conversation(session: Session, conversation_id: str) -> int:
    """Forget a conversation's requests (the user's ``delete_my_data``); returns how many."""
    result = session.execute(delete(HandoffRequest)
                             .where(HandoffRequest.conversation_id == conversation_id))
    return result.rowcount or 0


def delete_older_than(session: Session, days: int, now: dt.datetime | None = None) -> int:
    """Delete requests created more than ``days`` days ago (retention); returns how many."""
    if days < 0:
        raise ValueError("days: must be 0 or more")
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = now - dt.timedelta(days=days)
    result = session.execute(delete(HandoffRequest).where(HandoffRequest.created_at < cutoff)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0
