"""spanrel's model: span-based joint entity and relation extraction with attention.

Public doors (everything else is internal):

- ``train(train_data, dev_data, types, out_dir, **options) -> TrainResult`` (see ``trainer``)
- ``Predictor.load(model_dir, device="auto").predict(texts_or_docs, batch_size) -> [Prediction]``
- ``Predictor.suggest_relations(texts_or_docs, entities)`` -> per input, the
  ``PredictedRelation``s between given (e.g. annotator-confirmed) entity spans
- ``Predictor.evaluate(data)`` -> SpERT-style metrics dict
- ``default_encoder_dir()`` -> the bundled all-MiniLM-L6-v2 directory (or $SPANREL_ENCODER_DIR)
- ``load_documents(path_or_documents)`` -> ``Doc``s, the model's input (see ``documents``: the
  one adapter from ``converters`` documents; SpERT files are read by ``converters.spert``)

Nothing here imports ``db`` or ``app``.
"""

from .config import ModelConfig, TrainConfig
from .documents import Doc, load_documents
from .encoder import default_encoder_dir
from .evaluator import evaluate_tuples, score
from .prediction import PredictedEntity, PredictedRelation, Prediction
from .predictor import Predictor
from .progress import TrainingCancelled, TrainProgress, TrainResult
from .trainer import Trainer, train
from .types import TypeInventory

__all__ = [
    "Doc",
    "ModelConfig",
    "PredictedEntity",
    "PredictedRelation",
    "Prediction",
    "Predictor",
    "TrainConfig",
    "TrainProgress",
    "TrainResult",
    "Trainer",
    "TrainingCancelled",
    "TypeInventory",
    "default_encoder_dir",
    "evaluate_tuples",
    "load_documents",
    "score",
    "train",
]
