"""The whole stack restarted in the middle of a conversation goes on where it stopped.

On the embedded defaults (SQLite under the var dir): the conversation language and the slots live
in the tracker store, the conversation id's signing secret and Rasa's token in `var/`, so a
restart with the same VAR_DIR (even on other ports) must change nothing the user can notice.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import start_stack
from tests.reliability import reply_texts, tracker

pytestmark = pytest.mark.stack
ARABIC = re.compile(r"[\u0600-\u06FF]")


def test_restart_keeps_language_and_slots(trained_model: Path, tmp_path: Path):
    var_dir = tmp_path / "var"
    stack = start_stack(var_dir)
    try:
        cid = stack.chat("/ar")["conversation_id"]
        stack.chat("أبحث عن دورة لغة ألمانية", cid)
        answer = stack.chat('/inform{"district":"Hiltrup"}', cid)
        assert answer.get("language") == "ar"
        before = tracker(stack, cid)["slots"]
        assert (before["language"], before["district"]) == ("ar", "Hiltrup")
    finally:
        assert stack.stop() == 0

    stack = start_stack(var_dir)  # same VAR_DIR, new ports
    try:
        answer = stack.chat("أحتاج إلى طبيب", cid)
        assert answer.get("language") == "ar"
        texts = reply_texts(answer)
        assert texts and all(ARABIC.search(t) for t in texts[:1]), texts
        after = tracker(stack, cid)["slots"]
        assert (after["language"], after["district"]) == ("ar", "Hiltrup")
    finally:
        assert stack.stop() == 0
