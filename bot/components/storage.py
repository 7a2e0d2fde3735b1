"""A JSON document in Rasa's model storage: how the rule components keep what they compiled.

Both ``RuleEntityExtractor`` and ``IntentLexiconFeaturizer`` compile YAML phrase lists at
training time and must find exactly that compilation in the trained model later, even if the
YAML files have changed since.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def persist_json(storage: ModelStorage, resource: Resource, filename: str, data: Any) -> None:
    """Write ``data`` as ``filename`` into the component's resource."""
    with storage.write_to(resource) as directory:
        (Path(directory) / filename).write_text(json.dumps(data, ensure_ascii=False),
                                                encoding="utf-8")


def load_json(storage: ModelStorage, resource: Resource, filename: str) -> Any | None:
    """The document persisted by ``persist_json``, or None when the model has none."""
    try:
        with storage.read_from(resource) as directory:
            return json.loads((Path(directory) / filename).read_text("utf-8"))
    except (ValueError, FileNotFoundError, OSError):
        return None
