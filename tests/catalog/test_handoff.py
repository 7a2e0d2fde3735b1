"""Handoff requests: stored without message text, deletable per conversation and by age."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, update

from services_catalog.db import session_scope
from services_catalog.handoff import (
    create_handoff,
    delete_for_conversation,
    delete_older_than,
    list_handoffs,
    mark_done,
)
from services_catalog.models import HandoffRequest


def test_table_has_no_message_text(empty_engine):
    columns = {c["name"] for c in inspect(empty_engine).get_columns("handoff_request")}
    assert columns == {"id", "conversation_id", "language", "topic", "created_at", "status"}
    staff = {c["name"] for c in inspect(empty_engine).get_columns("staff_user")}
    assert staff == {"id", "username", "password_hash", "failed_attempts", "locked_until",
                     "created_at"}


def test_create_list_done_delete(empty_engine):
    with session_scope(empty_engine) as session:
        first = create_handoff(session, "conv-a", "fa", "housing")
        create_handoff(session, "conv-b", "de", None)
        create_handoff(session, "conv-a", "fa", "health")
    assert first["status"] == "open" and first["created_at"].endswith("+00:00")
    with session_scope(empty_engine) as session:
        assert len(list_handoffs(session)) == 3
        assert mark_done(session, first["id"])
    with session_scope(empty_engine) as session:
        assert len(list_handoffs(session)) == 2
        assert len(list_handoffs(session, status=None)) == 3
        assert delete_for_conversation(session, "conv-a") == 2
        assert [h["conversation_id"] for h in list_handoffs(session, None)] == ["conv-b"]


def test_delete_older_than(empty_engine):
    now = dt.datetime.now(dt.timezone.utc)
    with session_scope(empty_engine) as session:
        old = create_handoff(session, "old", "en")
        create_handoff(session, "new", "en")
        session.execute(update(HandoffRequest).where(HandoffRequest.id == old["id"])
                        .values(created_at=now - dt.timedelta(days=40)))
    with session_scope(empty_engine) as session:
        assert delete_older_than(session, 30) == 1
        assert [h["conversation_id"] for h in list_handoffs(session)] == ["new"]


@pytest.mark.parametrize("args, parameter", [
    (("", "de", None), "conversation_id"), (("c", "xx", None), "language"),
    (("c", "de", "astrology"), "topic")])
def test_invalid_handoff(empty_engine, args, parameter):
    with pytest.raises(ValueError, match=f"^{parameter}"), \
            session_scope(empty_engine) as session:
        create_handoff(session, *args)
