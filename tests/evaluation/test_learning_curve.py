"""learning_curve: nested, stratified training subsets inside fixed grouped test folds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from classifier.evaluation.baselines import KeywordRule
from classifier.evaluation.learning_curve import learning_curve, learning_curve_folds
from classifier.exceptions import InputError

SEEN: list[tuple[str, ...]] = []


class Recorder(KeywordRule):
    """A keyword rule that remembers which statements each clone was trained on."""

    def fit(self, X, y=None):
        SEEN.append(tuple(X))
        return super().fit(X, y)


def test_one_row_per_fraction_with_mean_and_spread(small_data, fast_model):
    curve = learning_curve(fast_model, small_data, fractions=(1.0, 0.5), n_splits=2, n_repeats=2)
    assert list(curve["fraction"]) == [0.5, 1.0]
    assert {"train_rows", "macro_f1_mean", "macro_f1_std", "macro_f1_min", "macro_f1_max", "n_folds"} <= set(
        curve.columns
    )
    assert list(curve["n_folds"]) == [4, 4]
    assert curve["train_rows"].is_monotonic_increasing
    assert ((curve["macro_f1_min"] <= curve["macro_f1_mean"]) & (curve["macro_f1_mean"] <= 1)).all()
    records = curve.to_dict(orient="records")
    json.dumps(records)  # plain data another command can print

    from classifier.evaluation import plots

    assert plots.learning_curves({"fast": records, "other": records}, "2x grouped 2-fold").get_axes()


def test_full_fraction_reproduces_cross_validate(small_data):
    from classifier.evaluation.cross_validation import cross_validate
    from classifier.models.estimator import StanceClassifier

    estimator = StanceClassifier("fast")
    folds = learning_curve_folds(estimator, small_data, fractions=(1.0,), n_splits=2, n_repeats=2)
    cv = cross_validate(estimator, small_data, n_splits=2, n_repeats=2)
    assert np.allclose(folds["macro_f1"], cv.folds["macro_f1"])
    assert np.allclose(folds["accuracy"], cv.folds["accuracy"])


def test_subsets_are_nested_stratified_and_never_touch_the_test_fold(small_data):
    SEEN.clear()
    folds = learning_curve_folds(Recorder(), small_data, fractions=(0.5, 0.75, 1.0), n_splits=2, n_repeats=1)
    label_of = dict(zip(small_data["text"], small_data["label"], strict=True))
    group_of = dict(zip(small_data["text"], small_data["group"], strict=True))
    assert len(SEEN) == len(folds) == 6
    for fold in range(2):
        half, three_quarters, full = (set(s) for s in SEEN[3 * fold : 3 * fold + 3])
        assert half <= three_quarters <= full
        for subset in (half, three_quarters):
            assert sum(label_of[t] == "sets_limits" for t in subset) >= 2
            assert sum(label_of[t] == "customer_is_king" for t in subset) >= 2
        test_groups = {group_of[t] for t in small_data["text"] if t not in full}
        assert not test_groups & {group_of[t] for t in full}


@pytest.mark.parametrize("fractions", [(), (0.0,), (0.5, 1.5), (-0.25,)])
def test_bad_fractions_name_the_fix(small_data, fractions):
    with pytest.raises(InputError, match="above 0 and at most 1"):
        learning_curve(KeywordRule(), small_data, fractions=fractions)
