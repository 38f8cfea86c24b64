"""dlcourse.split_validation: seeded, stratified, disjoint, and it accepts what the notebooks pass it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

from dlcourse.data import split_validation


def test_parts_are_disjoint_cover_everything_and_keep_rows_with_their_labels():
    x = np.arange(1000)
    y = (x % 3 == 0).astype(int)  # a third positive: unbalanced on purpose
    (x_tr, y_tr), (x_val, y_val) = split_validation(x, y, fraction=0.2, seed=5)
    assert len(x_val) == 200 and len(x_tr) == 800
    assert sorted(np.concatenate([x_tr, x_val]).tolist()) == x.tolist()
    assert np.array_equal(y_tr, (x_tr % 3 == 0).astype(int))
    assert np.array_equal(y_val, (x_val % 3 == 0).astype(int))
    # stratified: each part keeps the third of positives (up to one row of rounding)
    assert abs(y_val.sum() - 200 / 3) <= 1 and abs(y_tr.sum() - 800 / 3) <= 1
    # shuffled, not the first or last rows
    assert not np.array_equal(np.sort(x_val), np.arange(800, 1000))


def test_same_seed_same_split_other_seed_other_split():
    x, y = np.arange(200), np.arange(200) % 2
    first = split_validation(x, y, seed=1)[1][0]
    assert np.array_equal(first, split_validation(x, y, seed=1)[1][0])
    assert not np.array_equal(first, split_validation(x, y, seed=2)[1][0])


def test_object_arrays_of_strings_and_sparse_matrices():
    texts = np.empty(10, dtype=object)
    texts[:] = [f"review {i}" for i in range(10)]
    labels = np.array([0, 1] * 5)
    (t_tr, _), (t_val, y_val) = split_validation(texts, labels, fraction=0.2)
    assert t_val.dtype == object and len(t_val) == 2 and set(y_val.tolist()) == {0, 1}
    matrix = scipy.sparse.csr_matrix(np.eye(10))
    (m_tr, y_tr), (m_val, _) = split_validation(matrix, labels, fraction=0.3)
    assert scipy.sparse.issparse(m_tr) and m_tr.shape == (7, 10) and m_val.shape == (3, 10)
    # the sparse rows moved with their labels: row i of the identity has its 1 in column i
    assert np.array_equal(m_tr.toarray().argmax(axis=1) % 2, y_tr)


@pytest.mark.parametrize(
    "x, y, fraction, message",
    [
        (np.arange(10), np.arange(10) % 2, 0, "strictly between 0 and 1"),
        (np.arange(10), np.arange(10) % 2, 1.5, "strictly between 0 and 1"),
        (np.arange(10), np.arange(9) % 2, 0.2, "10 rows but y has 9 labels"),
        (np.arange(10), np.array([0] * 9 + [1]), 0.2, "at least 2 examples"),
    ],
)
def test_bad_input_gets_a_clear_error(x, y, fraction, message):
    with pytest.raises(ValueError, match=message):
        split_validation(x, y, fraction=fraction)
