"""Held-out validation splits: one seeded, stratified way to set validation data aside from a training set.

Every notebook that tunes on validation data takes it from the training set with :func:`split_validation`, so the
test set is never looked at while choosing, and the same seed gives every student the same split.
"""

from __future__ import annotations

from typing import Any

#: The seed every notebook uses unless it says otherwise.
VALIDATION_SEED = 1337


def split_validation(x: Any, y: Any, fraction: float = 0.2, seed: int = VALIDATION_SEED) -> tuple[tuple, tuple]:
    """Hold out a stratified, seeded fraction of a training set for validation.

    Parameters
    ----------
    x
        Inputs: a NumPy array (object arrays of strings or sequences too), a SciPy sparse matrix or a list,
        indexed along the first axis.
    y
        Class labels, one per row of ``x``: each class keeps its share in both parts (stratified).
    fraction
        Share of the rows that goes to validation, strictly between 0 and 1.
    seed
        The shuffle's seed: the same seed gives the same split on every machine.

    Returns
    -------
    (x_train, y_train), (x_val, y_val)
        Rows in a seeded random order; ``len(x_val) == ceil(fraction * len(x))``.

    Examples
    --------
    >>> import numpy as np
    >>> (x_tr, y_tr), (x_val, y_val) = split_validation(np.arange(10), np.array([0, 1] * 5), fraction=0.2)
    >>> len(x_tr), len(x_val), sorted(y_val.tolist())
    (8, 2, [0, 1])
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be strictly between 0 and 1, got {fraction!r}.")
    n_x, n_y = x.shape[0] if hasattr(x, "shape") else len(x), len(y)
    if n_x != n_y:
        raise ValueError(f"x has {n_x} rows but y has {n_y} labels: they must have one label per row.")
    labels = np.asarray(y)
    counts = np.unique(labels, return_counts=True)[1]
    if counts.min() < 2:
        raise ValueError("Every class needs at least 2 examples to appear on both sides of a stratified split.")
    x_train, x_val, y_train, y_val = train_test_split(
        x, labels, test_size=fraction, random_state=seed, stratify=labels
    )
    return (x_train, y_train), (x_val, y_val)
