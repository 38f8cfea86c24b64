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
    # 02_data_with_pandas -----------------------------------------------------------------------------------
    ("02_data_with_pandas.ipynb", "ex2_1_check"): Wrong(
        source='''
def missing_summary(df):
    counts = df.isna().sum()
    return counts[counts > 0]
''',
        why="does not sort: columns come in table order, not most missing first",
    ),
    ("02_data_with_pandas.ipynb", "ex2_2_check"): Wrong(
        source='''
def income_category(income):
    return pd.Series(np.digitize(income, [1.5, 3.0, 4.5, 6.0], right=True) + 1)
''',
        why="returns a Series with a new index 0, 1, 2, ...: it no longer lines up with a subset of the rows",
    ),
    ("02_data_with_pandas.ipynb", "ex2_3_check"): Wrong(
        source='''
def split_train_val_test(df, stratify_by, val_size=0.2, test_size=0.2, seed=42):
    n_test, n_val = round(test_size * len(df)), round(val_size * len(df))
    rest, test = train_test_split(df, test_size=n_test, stratify=df[stratify_by], random_state=42)
    train, val = train_test_split(rest, test_size=n_val, stratify=rest[stratify_by], random_state=42)
    return train, val, test
''',
        why="ignores seed (random_state=42 always)",
    ),
    ("02_data_with_pandas.ipynb", "ex2_4_check"): Wrong(
        source='''
def add_ratio_features(df):
    df = df.dropna().copy()
    df["rooms_per_household"] = df["total_rooms"] / df["households"]
    df["bedrooms_per_room"] = df["total_bedrooms"] / df["total_rooms"]
    df["population_per_household"] = df["population"] / df["households"]
    return df
''',
        why="drops the districts with a missing total_bedrooms",
    ),
    ("02_data_with_pandas.ipynb", "ex2_5_check"): Wrong(
        source='''
def fill_missing_with_median(train, other):
    incomplete = train.columns[train.isna().any()]
    medians = train[incomplete].median(numeric_only=True)
    return train.fillna(medians), other.fillna(medians)
''',
        why="takes medians only of the columns with missing values in train: a column missing only in other stays missing",
    ),
    ("02_data_with_pandas.ipynb", "ex2_6_check"): Wrong(
        source='''
def one_hot_encode(train, other, column):
    categories = sorted(train[column].unique())
    for df in (train, other):
        for category in categories:
            df[f"{column}_{category}"] = (df[column] == category).astype(float)
    return train.drop(columns=column), other.drop(columns=column)
''',
        why="adds the one-hot columns to the caller's DataFrames (the inputs change)",
    ),
}
