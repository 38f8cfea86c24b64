"""Wrong submissions for Components-of-Machine-Learning (see tests/test_hidden_tests.py)."""

from . import Wrong

WRONG = {
    ("01_python_numpy.ipynb", "ex1_2_check"): Wrong(
        source='''
def make_design_matrix(x):
    x = np.asarray(x)
    return np.stack([np.ones_like(x), x], axis=1)
''',
        why="np.ones_like keeps an integer dtype: integer inputs give an integer matrix",
    ),
    ("01_python_numpy.ipynb", "ex1_5_check"): Wrong(
        source='''
def normalize_rows(X):
    X = np.asarray(X, dtype=float)
    return X / np.linalg.norm(X, axis=1).reshape(3, 1)
''',
        why="reshapes the norms to (3, 1), the size of the visible example",
    ),
}
