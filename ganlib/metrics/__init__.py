"""How good are a generator's samples? One measure per file.

* :mod:`~ganlib.metrics.accuracy`: a classifier's accuracy on labelled images;
* :mod:`~ganlib.metrics.features`: the evaluation classifier (``mnist-classifier``) and its features;
* :mod:`~ganlib.metrics.frechet`: Fréchet distance of classifier features, and its real-vs-real floor;
* :mod:`~ganlib.metrics.confidence`: share of confidently classified samples, class histogram and entropy;
* :mod:`~ganlib.metrics.manifold`: k-NN precision and recall (Kynkäänniemi et al., 2019);
* :mod:`~ganlib.metrics.copies`: share of near-copies of training images;
* :mod:`~ganlib.metrics.conditional`: per-digit accuracy of a class-conditional generator;
* :mod:`~ganlib.metrics.neighbours`: nearest-neighbour distances, in blocks;
* :mod:`~ganlib.metrics.modes`: modes captured on the 2-D ring and grid mixtures;
* :mod:`~ganlib.metrics.evaluation`: all of the MNIST measures in one call;
* :mod:`~ganlib.metrics.calibration`: is a discriminator's probability a probability? Its calibration error, and
  logistic calibration (for the density ratio of :mod:`ganlib.ratio_sampling`);
* :mod:`~ganlib.metrics.two_sample`: the MMD permutation test of "same distribution?", and its power.
"""
