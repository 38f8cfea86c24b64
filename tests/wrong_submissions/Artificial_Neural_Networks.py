"""Wrong submissions for Artificial-Neural-Networks (see tests/test_hidden_tests.py for the format)."""

from . import Wrong

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
}
