"""Wrong submissions for Artificial-Neural-Networks (see tests/test_hidden_tests.py for the format)."""

from . import Wrong, forget_saved


def trained_model_source(model_name: str, file: str, train: str, data: str, build: str, validation: str,
                         before: str = "") -> str:
    """A student's training cell: a training function wrapped in train_or_load, as the notebook's exercise has it."""
    fit_args = ", ".join(part for part in (data, "epochs=EPOCHS, batch_size=BATCH_SIZE", validation, "verbose=0") if part)
    return (f"def {train}():\n" + (f"    {before}\n" if before else "") + f"    model = {build}\n"
            f"    model.fit({fit_args})\n    return model\n\n\n"
            f"{model_name} = dlcourse.checks.train_or_load({file!r}, {train})\n")


def fashion_training(build: str, validation: str, why: str) -> Wrong:
    """A wrong train_fashion_model (Ex 2.4); the model the correct solution saved is removed first."""
    return Wrong(trained_model_source("model", "fashion_mlp.keras", "train_fashion_model", "x_train, y_train",
                                      f"compile_for_classification({build})", validation),
                 why=why, setup=forget_saved("fashion_mlp"))


def housing_training(build: str, validation: str, why: str, before: str = "") -> Wrong:
    """A wrong train_housing_model (Ex 3.4); the model the correct solution saved is removed first."""
    return Wrong(trained_model_source("housing_model", "housing_mlp.keras", "train_housing_model", "X_train, y_train",
                                      build, validation, before),
                 why=why, setup=forget_saved("housing_mlp"))


WRONG = {
    # 01_neurons_and_activations ------------------------------------------------------------------------------
    ("01_neurons_and_activations.ipynb", "ex1_1_check"): Wrong(
        source='''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(z) / (1.0 + np.exp(z))


def neuron(X, w, b):
    return sigmoid(X @ w + b)
''',
        why="writes sigmoid as e^z / (1 + e^z): inf / inf = nan for large z",
    ),
    ("01_neurons_and_activations.ipynb", "ex1_2_check"): Wrong(
        source='''
def relu(z):
    return np.maximum(0.0, z)


def relu_derivative(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_derivative(z):
    return 1.0 - np.tanh(z) ** 2
''',
        why="ReLU's derivative is 1 at z = 0 (the exercise says 0)",
    ),
    ("01_neurons_and_activations.ipynb", "ex1_3_check"): Wrong(
        source='''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)
''',
        why="subtracts the maximum of the whole batch, not of each row: a row far below it underflows to 0 / 0",
    ),
    ("01_neurons_and_activations.ipynb", "ex1_4_check"): Wrong(
        source='''
def collapse_linear(layers):
    W_total, b_total = np.eye(4), np.zeros(4)
    for W, b in layers:
        W_total, b_total = W_total @ W, b_total @ W + b
    return W_total, b_total
''',
        why="starts from np.eye(4), the input size of the example, not of the first layer",
    ),
    ("01_neurons_and_activations.ipynb", "ex1_5_check"): Wrong(
        source='''
def tiny_forward(X, W1, b1, W2, b2):
    return relu(relu(X @ W1 + b1) @ W2 + b2)
''',
        why="applies ReLU to the output too: negative outputs become 0",
    ),
    ("01_neurons_and_activations.ipynb", "ex1_6_check"): Wrong(
        source='''
def build_tiny_network(W1, b1, W2, b2):
    hidden = keras.layers.Dense(2, activation="relu")
    output = keras.layers.Dense(1)
    model = keras.Sequential([keras.Input(shape=(2,)), hidden, output])
    hidden.set_weights([W1, b1])
    output.set_weights([W2, b2])
    return model
''',
        why="always 2 hidden units (the example's), not W1.shape[1]",
    ),
    # 02_classification_with_keras ----------------------------------------------------------------------------
    ("02_classification_with_keras.ipynb", "ex2_1_check"): Wrong(
        source='''
def build_sequential_model(hidden_units):
    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
''',
        why="ignores hidden_units: always 128, the visible example's size",
    ),
    ("02_classification_with_keras.ipynb", "ex2_2_check"): Wrong(
        source='''
def build_functional_model(units=(256, 128)):
    inputs = keras.Input(shape=(784,))
    x = keras.layers.Dense(units[0], activation="relu")(inputs)
    x = keras.layers.Dense(units[1], activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)
''',
        why="assumes exactly two hidden layers",
    ),
    ("02_classification_with_keras.ipynb", "ex2_3_check"): Wrong(
        source='''
OUTPUT_CHOICES = {
    "spam": (1, "sigmoid", "binary_crossentropy"),
    "digit": (10, "softmax", "sparse_categorical_crossentropy"),
    "digit_onehot": (10, "softmax", "categorical_crossentropy"),
    "genres": (12, "softmax", "categorical_crossentropy"),
    "temperature": (1, "linear", "mse"),
}
''',
        why="multi-label genres with softmax and categorical cross-entropy: the probabilities must sum to 1, one genre per film",
    ),
    ("02_classification_with_keras.ipynb", "ex2_4_check"): [
        fashion_training("build_functional_model((64,))", "validation_data=(x_val, y_val)",
                         why="trains a smaller network (one hidden layer of 64 units) than the exercise asks for"),
        fashion_training("build_functional_model((256, 128))", "",
                         why="trains without validation_data: no validation curve is recorded"),
    ],
    ("02_classification_with_keras.ipynb", "ex2_5_check"): Wrong(
        source='''
def learning_rate_sweep(learning_rates, train_data, val_data, epochs):
    (x_tr, y_tr), (x_va, y_va) = train_data, val_data
    accuracies = []
    for lr in learning_rates:
        sweep_model = build_sequential_model(64)
        sweep_model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),
                            loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        sweep_model.fit(x_tr, y_tr, epochs=epochs, batch_size=128, verbose=0)
        accuracies.append(float(sweep_model.evaluate(x_va, y_va, verbose=0)[1]))
    return accuracies, int(np.argmax(accuracies))
''',
        why="does not reseed before each model: the learning rates are compared from different initial weights",
    ),
    # 03_regression_with_keras --------------------------------------------------------------------------------
    ("03_regression_with_keras.ipynb", "ex3_1_check"): Wrong(
        source='''
def prepare_housing(df, bedrooms_median):
    numeric = df[NUMERIC_FEATURES].fillna({"total_bedrooms": bedrooms_median})
    onehot = pd.get_dummies(df["ocean_proximity"], dtype="float32")
    X = np.hstack([numeric.to_numpy(dtype="float32"), onehot.to_numpy(dtype="float32")])
    y = (df[TARGET] / 100_000).to_numpy(dtype="float32")
    return X, y
''',
        why="pd.get_dummies makes columns only for the categories present: other data get fewer or shifted columns",
    ),
    ("03_regression_with_keras.ipynb", "ex3_2_check"): Wrong(
        source='''
def rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))
''',
        why="does not flatten: predictions of shape (m, 1) broadcast against labels of shape (m,) to (m, m)",
    ),
    ("03_regression_with_keras.ipynb", "ex3_3_check"): Wrong(
        source='''
def build_regression_model(normalizer, units=(64, 64)):
    inputs = keras.Input(shape=(13,))
    x = normalizer(inputs)
    for n_units in units:
        x = keras.layers.Dense(n_units, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    return model
''',
        why="compiles without the RMSE metric the exercise asks for",
    ),
    ("03_regression_with_keras.ipynb", "ex3_4_check"): [
        housing_training("build_regression_model(normalizer, units=(128,))", "validation_split=0.1",
                         why="trains another architecture (one hidden layer of 128 units) than build_regression_model(normalizer)"),
        housing_training("build_regression_model(test_normalizer)", "validation_split=0.1",
                         before="test_normalizer = keras.layers.Normalization()\n    test_normalizer.adapt(X_test)",
                         why="standardises with statistics of the test set (a leak) instead of the training set"),
        housing_training("build_regression_model(normalizer)", "",
                         why="trains without validation_split: no validation curve is recorded"),
    ],
}
