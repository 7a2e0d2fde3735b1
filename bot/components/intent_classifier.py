"""Rasa component: Rasa's logistic-regression intent classifier with three changes.

1. **``C`` and ``max_iter`` are settings.** Rasa's ``LogisticRegressionClassifier`` fixes the
   regularisation at scikit-learn's default (C=1) and stops after 100 iterations, which does not
   converge on 22 intents x 50,000 count features (a ConvergenceWarning on every training) and
   under-fits the short messages; cross-validation picks the value in config.yml
   (``python -m bench.nlu_bench``).
2. **The weights are stored column-major.** scikit-learn scores a sparse message as
   ``X @ coef_.T``; with the row-major ``coef_`` scipy first copies the whole transposed matrix
   (22 x 50,000 floats, 1 ms per message under load, cProfile). Column-major weights make that
   transpose a view. The predictions are identical.
3. **Optional tf-idf weighting** (``tfidf: true``): the featurizers' counts become
   ``1 + log(count)`` times the feature's inverse document frequency, each message scaled to
   unit length (scikit-learn's ``TfidfTransformer``, fitted on the training messages and kept
   in the model as ``idf.npy``). Frequent character n-grams ("in", "er") then weigh less than
   the rare ones that name a need.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfTransformer

_IDF_FILE = "idf.npy"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentClassifier(LogisticRegressionClassifier):
    """Logistic regression over the featurizers' sentence features (see module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's defaults plus ``C`` (inverse regularisation strength)."""
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0,
                "max_iter": 1000, "tfidf": False}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
        self._tfidf: TfidfTransformer | None = None

    def _column_major(self) -> None:
        if hasattr(self.clf, "coef_"):
            self.clf.coef_ = np.asfortranarray(self.clf.coef_)

    def _create_X(self, messages: list[Message]) -> csr_matrix:  # noqa: N802 - Rasa's name
        matrix = super()._create_X(messages)
        return self._tfidf.transform(matrix) if self._tfidf is not None else matrix

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the tf-idf weights (if configured) and the classifier; weights column-major."""
        self._tfidf = None
        matrix, labels = self._create_training_matrix(training_data)
        if matrix.shape[0] == 0:
            return self._resource
        if self.config["tfidf"]:
            self._tfidf = TfidfTransformer(sublinear_tf=True).fit(matrix)
            matrix = self._tfidf.transform(matrix)
        self.clf.fit(matrix, labels)
        self.persist()
        self._column_major()
        return self._resource

    def persist(self) -> None:
        """Rasa's skops file, plus the idf vector when tf-idf is on."""
        super().persist()
        if self._tfidf is not None:
            with self._model_storage.write_to(self._resource) as directory:
                np.save(Path(directory) / _IDF_FILE, self._tfidf.idf_)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentClassifier:
        """Load as Rasa does, then store the weights column-major."""
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        component._column_major()
        if component.config["tfidf"]:
            try:
                with model_storage.read_from(resource) as directory:
                    idf = np.load(Path(directory) / _IDF_FILE)
            except (ValueError, FileNotFoundError, OSError):
                idf = None
            if idf is not None:
                component._tfidf = TfidfTransformer(sublinear_tf=True)
                component._tfidf.idf_ = idf
        return component

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """``C`` must be a positive number."""
        value = config.get("C", 1.0)
        if not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"IntentClassifier: C must be > 0, not {value!r}")
