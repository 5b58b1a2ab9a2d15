"""How good are a generator's samples? One measure per file.

* :mod:`~ganlib.metrics.accuracy`: a classifier's accuracy on labelled images;
* :mod:`~ganlib.metrics.features`: the evaluation classifier (``mnist-classifier``) and its features;
* :mod:`~ganlib.metrics.frechet`: Fréchet distance of classifier features, and its real-vs-real floor;
* :mod:`~ganlib.metrics.confidence`: share of confidently classified samples, class histogram and entropy;
* :mod:`~ganlib.metrics.manifold`: k-NN precision and recall (Kynkäänniemi et al., 2019);
* :mod:`~ganlib.metrics.copies`: share of near-copies of training images;
* :mod:`~ganlib.metrics.conditional`: per-digit accuracy of a class-conditional generator;
* :mod:`~ganlib.metrics.modes`: modes captured on the 2-D ring and grid mixtures;
* :mod:`~ganlib.metrics.evaluation`: all of the MNIST measures in one call.
"""

from ganlib.metrics.conditional import conditional_accuracy
from ganlib.metrics.accuracy import accuracy
from ganlib.metrics.confidence import classifier_confidence
from ganlib.metrics.copies import memorisation
from ganlib.metrics.evaluation import evaluate, evaluate_real_data
from ganlib.metrics.features import classifier_features, classifier_probabilities, evaluation_classifier
from ganlib.metrics.frechet import frechet_distance, frechet_floor
from ganlib.metrics.manifold import precision_recall
from ganlib.metrics.modes import mode_coverage

__all__ = [
    "accuracy",
    "classifier_confidence",
    "classifier_features",
    "classifier_probabilities",
    "conditional_accuracy",
    "evaluate",
    "evaluate_real_data",
    "evaluation_classifier",
    "frechet_distance",
    "frechet_floor",
    "memorisation",
    "mode_coverage",
    "precision_recall",
]
