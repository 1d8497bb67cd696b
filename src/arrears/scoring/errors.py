"""Errors raised by the scoring part of the product."""

from __future__ import annotations

from arrears.errors import ArrearsError, InvalidInput, NotFound


class BadTrainingData(InvalidInput):
    """The data cannot train a model (target, columns, sizes)."""

    code = "bad_training_data"


class BadModel(InvalidInput):
    """A model directory or archive is missing, damaged or of an unknown version."""

    code = "bad_model"


class ModelNotFound(NotFound):
    code = "model_not_found"


class NotEnoughHistory(ArrearsError):
    """The book has too little matured history to train a behaviour model."""

    code = "not_enough_history"
    status = 409
