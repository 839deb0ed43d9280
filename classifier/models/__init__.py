"""What a model is and how it lives on disk: features, embedders, the estimator, versions.

Owns the n-gram features (:mod:`.features`), the sentence embedders and their
cache (:mod:`.embeddings`), :class:`~.estimator.StanceClassifier`, why-explanations
(:mod:`.explain`), saving and checked loading (:mod:`.persistence`) and the
version registry (:mod:`.registry`). The registry sits here, not in training,
because finding the active version is part of the read path that
``stance classify`` and ``stance score`` take. May import :mod:`classifier.data`,
never training, evaluation or scoring.
"""
