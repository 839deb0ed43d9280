"""The one grouped-folds generator: groups never straddle a split, and score_on limits the test sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier.config import LABELS
from classifier.evaluation.cross_validation import cross_validate, evaluate_recipe
from classifier.evaluation.folds import grouped_folds
from classifier.exceptions import DataError, InputError


def table(n_groups: int = 12, per_group: int = 3, *, source: str = "authored") -> pd.DataFrame:
    """Rows in groups of ``per_group``; each group holds one label, labels alternate by group."""
    rows = [
        {
            "text": f"{source} statement {g}-{i}",
            "label": LABELS[g % 2],
            "group": f"{source}:{g}",
            "source": source,
        }
        for g in range(n_groups)
        for i in range(per_group)
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def mixed() -> pd.DataFrame:
    """Authored rows and 'real' rows, two of which share a group with an authored row."""
    data = pd.concat([table(12), table(10, 2, source="real")], ignore_index=True)
    data.loc[data.index[-2:], "group"] = "authored:0"  # a real page an authored row was reworded from
    return data


def test_every_row_is_tested_once_per_repeat_and_groups_never_straddle():
    data = table()
    groups = data["group"].to_numpy()
    seen = {}
    for repeat, _fold, train, test in grouped_folds(data, n_splits=3, n_repeats=2):
        assert not set(groups[test]) & set(groups[train])
        assert not set(train) & set(test)
        assert len(train) + len(test) == len(data)
        seen.setdefault(repeat, []).extend(test.tolist())
    assert sorted(seen) == [0, 1]
    for tested in seen.values():
        assert sorted(tested) == list(range(len(data)))


def test_score_on_tests_only_masked_rows_and_always_trains_on_the_rest(mixed):
    mask = (mixed["source"] == "real").to_numpy()
    groups = mixed["group"].to_numpy()
    tested = []
    for _repeat, _fold, train, test in grouped_folds(mixed, n_splits=3, n_repeats=2, score_on=mask):
        assert mask[test].all(), "only masked rows are scored"
        assert not set(groups[test]) & set(groups[train]), "no test row's group in train"
        unmasked = set(np.flatnonzero(~mask))
        sharing = {i for i in unmasked if groups[i] in set(groups[test])}
        assert unmasked - sharing <= set(train), "unmasked rows are in every training set"
        tested.extend(test.tolist())
    assert sorted(set(tested)) == sorted(np.flatnonzero(mask).tolist())


def test_score_on_keeps_out_unmasked_rows_of_a_test_group(mixed):
    mask = (mixed["source"] == "real").to_numpy()
    leaked = mixed.index[mixed["group"] == "authored:0"]
    authored_zero = [i for i in leaked if not mask[i]]
    for _repeat, _fold, train, test in grouped_folds(mixed, n_splits=3, n_repeats=1, score_on=mask):
        if set(test) & set(leaked):
            assert not set(authored_zero) & set(train)
        else:
            assert set(authored_zero) <= set(train)


def test_no_mask_gives_the_same_folds_as_a_mask_of_all_rows():
    data = table()
    plain = [(r, f, tr.tolist(), te.tolist()) for r, f, tr, te in grouped_folds(data, n_splits=3)]
    everything = np.ones(len(data), dtype=bool)
    masked = [
        (r, f, tr.tolist(), te.tolist())
        for r, f, tr, te in grouped_folds(data, n_splits=3, score_on=everything)
    ]
    assert plain == masked


@pytest.mark.parametrize(
    ("options", "error"), [({"n_repeats": 0}, InputError), ({"n_splits": 1}, InputError)]
)
def test_bad_counts_are_refused_before_any_fit(options, error):
    with pytest.raises(error, match="at least 1 repeat and 2 folds"):
        next(grouped_folds(table(), **options))


def test_too_few_scored_rows_of_a_label_is_a_data_error():
    data = table()
    mask = np.zeros(len(data), dtype=bool)
    mask[:3] = True  # one group, one label
    with pytest.raises(DataError, match="at least 2 scored statements of each label"):
        next(grouped_folds(data, score_on=mask))


def test_mask_of_the_wrong_length_is_refused():
    with pytest.raises(InputError, match="one per row"):
        next(grouped_folds(table(), score_on=[True, False]))


def test_cross_validate_and_evaluate_recipe_score_only_masked_rows(mixed):
    from classifier.evaluation.baselines import KeywordRule

    mask = (mixed["source"] == "real").to_numpy()
    result = cross_validate(KeywordRule(), mixed, n_splits=3, n_repeats=2, score_on=mask)
    assert result.oof.shape == (2, int(mask.sum()), len(LABELS))
    assert list(result.y) == list(mixed.loc[mask, "label"])
    assert (result.test_fold >= 0).all()
    summary = evaluate_recipe(KeywordRule(), mixed, name="rule", n_splits=3, n_repeats=2, score_on=mask)
    assert summary["rows"] == int(mask.sum())
    assert sum(sum(row) for row in summary["confusion"]["matrix"]) == int(mask.sum())
    assert set(summary["models"]) == {"rule", "majority", "keyword rule"}
