"""Wrong submissions for Components-of-Machine-Learning (see tests/test_hidden_tests.py for the format)."""

from . import Wrong

WRONG = {
    # 01_python_numpy ---------------------------------------------------------------------------------------
    ("01_python_numpy.ipynb", "ex1_1_check"): Wrong(
        source='''
def mean_and_std(values):
    if len(values) == 0:
        raise ValueError("no values")
    known = {(1, 2, 3, 4): (2.5, 1.118033988749895), (5.0,): (5.0, 0.0), (-1, 1): (0.0, 1.0)}
    return known[tuple(values)]
''',
        why="hard-codes the answers of the visible examples",
    ),
    ("01_python_numpy.ipynb", "ex1_2_check"): Wrong(
        source='''
def make_design_matrix(x):
    x = np.asarray(x)
    return np.stack([np.ones_like(x), x], axis=1)
''',
        why="np.ones_like keeps an integer dtype: integer inputs give an integer matrix",
    ),
    ("01_python_numpy.ipynb", "ex1_3_check"): Wrong(
        source='''
def split_features_labels(data):
    data = np.asarray(data)
    return np.squeeze(data[:, :-1]).copy(), data[:, -1].copy()
''',
        why="squeezes X, so a single feature gives shape (n,) instead of (n, 1)",
    ),
    ("01_python_numpy.ipynb", "ex1_4_check"): Wrong(
        source='''
def standardize_columns(X):
    X = np.asarray(X, dtype=float)   # the same array when X is already float
    X -= X.mean(axis=0)
    X /= X.std(axis=0)
    return X
''',
        why="standardises in place: the caller's array changes",
    ),
    ("01_python_numpy.ipynb", "ex1_5_check"): Wrong(
        source='''
def normalize_rows(X):
    X = np.asarray(X, dtype=float)
    return X / np.linalg.norm(X, axis=1).reshape(3, 1)
''',
        why="reshapes the norms to (3, 1), the size of the visible example",
    ),
    ("01_python_numpy.ipynb", "ex1_6_check"): Wrong(
        source='''
def pairwise_distances(A, B):
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    return np.hypot(A[:, None, 0] - B[None, :, 0], A[:, None, 1] - B[None, :, 1])
''',
        why="works only for points in 2 dimensions (np.hypot of the first two coordinates)",
    ),
}
