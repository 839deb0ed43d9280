"""How good is a recipe? Grouped cross-validation and everything drawn from it.

Owns the one grouped-folds generator (:mod:`.folds`), cross-validation and
holdout scores (:mod:`.cross_validation`), the baselines, the learning curve,
the label review, the report's figure data, plots and HTML. May import data,
models and predict, never training or scoring.
"""
