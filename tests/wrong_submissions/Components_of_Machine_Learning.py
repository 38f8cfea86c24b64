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
    # 03_components_of_ml -----------------------------------------------------------------------------------
    ("03_components_of_ml.ipynb", "ex3_1_check"): Wrong(
        source='''
def squared_error(y, y_pred):
    y, y_pred = np.ravel(y).astype(float), np.ravel(y_pred).astype(float)
    return float(np.mean((y - y_pred) ** 2))


def absolute_error(y, y_pred):
    y, y_pred = np.ravel(y).astype(float), np.ravel(y_pred).astype(float)
    return float(np.mean(np.abs(y - y_pred)))
''',
        why="no size check: relies on NumPy's broadcast error, which never comes when one input has 1 element",
    ),
    ("03_components_of_ml.ipynb", "ex3_2_check"): Wrong(
        source='''
def zero_one_loss(y, y_pred):
    return float(np.mean(np.asarray(y) != np.asarray(y_pred)))


def logistic_loss(y, p, eps=1e-12):
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
''',
        why="does not flatten: labels of shape (n, 1) broadcast against predictions of shape (n,) to (n, n)",
    ),
    ("03_components_of_ml.ipynb", "ex3_3_check"): Wrong(
        source='''
def fit_least_squares(X, y):
    X_design = np.column_stack([np.ones(5), X])
    solution = np.linalg.lstsq(X_design, y, rcond=None)[0]
    return solution[1:], float(solution[0])
''',
        why="np.ones(5): the design matrix only works for the 5 points of the example",
    ),
    ("03_components_of_ml.ipynb", "ex3_4_check"): Wrong(
        source='''
def polynomial_errors(x_train, y_train, x_val, y_val, degrees):
    X_tr, X_va = np.reshape(x_train, (-1, 1)), np.reshape(x_val, (-1, 1))
    train_mse, val_mse = [], []
    for degree in degrees:
        model = make_poly_model(degree).fit(X_tr, y_train)
        train_mse.append(squared_error(y_train, model.predict(X_tr)))
        val_model = make_poly_model(degree).fit(X_va, y_val)
        val_mse.append(squared_error(y_val, val_model.predict(X_va)))
    return np.array(train_mse), np.array(val_mse)
''',
        why="fits a second model on the validation data to compute the validation error",
    ),
    ("03_components_of_ml.ipynb", "ex3_5_check"): Wrong(
        source='''
def cross_validation_mse(make_model, X, y, k=5):
    X, y = np.asarray(X), np.ravel(y)
    model = make_model()
    fold_errors = []
    for fold in np.array_split(np.arange(len(X)), k):
        is_train = np.ones(len(X), dtype=bool)
        is_train[fold] = False
        model.fit(X[is_train], y[is_train])
        fold_errors.append(squared_error(y[fold], model.predict(X[fold])))
    return float(np.mean(fold_errors))
''',
        why="makes one model before the loop and refits it, instead of a fresh model per fold",
    ),
    ("03_components_of_ml.ipynb", "ex3_6_check"): Wrong(
        source='''
def choose_degree_by_cv(x, y, degrees, k=5):
    X = np.reshape(x, (-1, 1))
    cv_errors = np.array([cross_validation_mse(partial(make_poly_model, d), X, y, k=k) for d in degrees])
    return int(np.argmin(cv_errors)) + 1, cv_errors
''',
        why="returns the position + 1 of the best degree, which is the degree only when degrees are 1, 2, 3, ...",
    ),
}
