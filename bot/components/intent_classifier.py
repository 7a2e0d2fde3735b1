"""Rasa component: Rasa's logistic-regression intent classifier with two changes.

1. **``C`` and ``max_iter`` are settings.** Rasa's ``LogisticRegressionClassifier`` fixes the
   regularisation at scikit-learn's default (C=1) and stops after 100 iterations, which does not
   converge on 22 intents x 50,000 count features (a ConvergenceWarning on every training) and
   under-fits the short messages; cross-validation picks the value in config.yml
   (``python -m bench.nlu_bench``).
2. **The weights are stored column-major.** scikit-learn scores a sparse message as
   ``X @ coef_.T``; with the row-major ``coef_`` scipy first copies the whole transposed matrix
   (22 x 50,000 floats, 1 ms per message under load, cProfile). Column-major weights make that
   transpose a view. The predictions are identical.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentClassifier(LogisticRegressionClassifier):
    """Logistic regression over the featurizers' sentence features (see module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's defaults plus ``C`` (inverse regularisation strength)."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0,
                "max_iter": 1000}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def _column_major(self) -> None:
        if hasattr(self.clf, "coef_"):
            self.clf.coef_ = np.asfortranarray(self.clf.coef_)

    def train(self, training_data: TrainingData) -> Resource:
        """Train as Rasa does, then store the weights column-major."""
        resource = super().train(training_data)
        self._column_major()
        return resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentClassifier:
        """Load as Rasa does, then store the weights column-major."""
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        component._column_major()
        return component

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """``C`` must be a positive number."""
        value = config.get("C", 1.0)
        if not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"IntentClassifier: C must be > 0, not {value!r}")
