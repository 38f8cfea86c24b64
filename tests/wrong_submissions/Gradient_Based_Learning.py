"""Wrong submissions for Gradient-Based-Learning/ that pass the visible checks and must fail the hidden tests."""

from . import Wrong

WRONG = {
    ("01_gradient_descent.ipynb", "ex1_1_check"): Wrong(
        source='''
def mse_gradient(x, y, w, b):
    grad_w, grad_b = 0.0, 0.0
    for xi, yi in zip(x, y):  # a Python loop over the data points
        residual = w * xi + b - yi
        grad_w += 2 * residual * xi / len(x)
        grad_b += 2 * residual / len(x)
    return grad_w, grad_b
''',
        why="a Python loop over the data points (the exercise asks for array operations): far too slow on big data",
    ),
    ("01_gradient_descent.ipynb", "ex1_2_check"): Wrong(
        source='''
def gradient_step(x, y, w, b, learning_rate):
    grad_w, grad_b = mse_gradient(x_hand, y_hand, w, b)  # the worked example's data, not the arguments
    return w - learning_rate * grad_w, b - learning_rate * grad_b
''',
        why="uses the global x_hand, y_hand of the worked example instead of its arguments x, y",
    ),
    ("01_gradient_descent.ipynb", "ex1_3_check"): Wrong(
        source='''
def gradient_descent(x, y, learning_rate, n_steps, w0=0.0, b0=0.0):
    w, b = w0, b0
    losses = [mse_loss(x, y, w, b)]
    for _ in range(n_steps):
        w, b = gradient_step(x, y, w, b, learning_rate)
        losses.append(mse_loss(x, y, w, b))
        if losses[-1] > losses[0]:  # a "divergence guard" the exercise did not ask for
            break
    return w, b, np.array(losses)
''',
        why="stops early once the loss exceeds the starting loss instead of taking all n_steps steps",
    ),
    ("01_gradient_descent.ipynb", "ex1_4_check"): Wrong(
        source='''
def mse_gradient_vec(X, y, w, b):
    grad_w, grad_b = np.zeros(X.shape[1]), 0.0
    for xi, yi in zip(X, y):  # a Python loop over the examples
        residual = xi @ w + b - yi
        grad_w = grad_w + 2 * residual * xi / len(y)
        grad_b = grad_b + 2 * residual / len(y)
    return grad_w, grad_b
''',
        why="a Python loop over the examples instead of X.T @ residual: far too slow on big data",
    ),
    ("01_gradient_descent.ipynb", "ex1_5_check"): Wrong(
        source='''
def gradient_descent_vec(X, y, learning_rate, max_steps, tol=1e-6):
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = [np.mean((X @ w + b - y) ** 2)]
    for _ in range(max_steps):
        grad_w, grad_b = mse_gradient_vec(X, y, w, b)
        if np.linalg.norm(grad_w) < tol:  # the weights' gradient only: forgets the intercept's
            break
        w = w - learning_rate * grad_w
        b = b - learning_rate * grad_b
        losses.append(np.mean((X @ w + b - y) ** 2))
    return w, b, np.array(losses)
''',
        why="the stopping rule uses the norm of grad_w only, without the intercept's gradient",
    ),
    ("02_stochastic_gradient_descent.ipynb", "ex2_1_check"): Wrong(
        source='''
def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    for i in range(len(X) // batch_size + 1):  # one batch too many when batch_size divides len(X)
        index = order[i * batch_size : (i + 1) * batch_size]
        yield X[index], y[index]
''',
        why="off by one: yields an extra, empty batch when the batch size divides the number of rows",
    ),
    ("02_stochastic_gradient_descent.ipynb", "ex2_2_check"): Wrong(
        source='''
def minibatch_sgd(X, y, learning_rate, batch_size, n_epochs, rng, w0=None, b0=0.0):
    rng = np.random.default_rng(0)  # its own generator: ignores the one passed in
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b = float(b0)
    losses = [mse_loss_vec(X, y, w, b)]
    for _ in range(n_epochs):
        for X_batch, y_batch in minibatches(X, y, batch_size, rng):
            grad_w, grad_b = mse_gradient_vec(X_batch, y_batch, w, b)
            w = w - learning_rate * grad_w
            b = b - learning_rate * grad_b
        losses.append(mse_loss_vec(X, y, w, b))
    return w, b, np.array(losses)
''',
        why="ignores the rng argument and seeds its own generator with 0 (right only for the visible seed)",
    ),
    ("02_stochastic_gradient_descent.ipynb", "ex2_3_check"): Wrong(
        source='''
from sklearn.linear_model import SGDRegressor

LR_SGD1 = settings["batch size 1"][1]  # our learning rate for batch size 1

sgd_regressor = SGDRegressor(
    loss="squared_error", penalty=None, learning_rate="constant", eta0=2 * LR_SGD1,
    max_iter=EPOCHS, tol=None, shuffle=True, random_state=0,
)
sgd_regressor.fit(X_train[:1000], y_train[:1000])  # a subset of the training rows
sgd_regressor_test_mse = np.mean((sgd_regressor.predict(X_test) - y_test) ** 2)
''',
        why="fitted on the first 1,000 training rows only",
    ),
    ("03_autodiff_and_optimisers.ipynb", "ex3_1_check"): Wrong(
        source='''
def binary_cross_entropy(y_true, y_prob, eps=1e-7):
    p = np.clip(y_prob, 1e-7, 1 - 1e-7)  # Keras's epsilon, hard-coded: ignores the eps argument
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
''',
        why="clips with a hard-coded 1e-7 instead of the eps argument",
    ),
    ("03_autodiff_and_optimisers.ipynb", "ex3_2_check"): Wrong(
        source='''
def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + 1e-6  # a fixed step: ignores the eps argument
        f_plus = float(f(x))
        x[index] = original - 1e-6
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * 1e-6)
    return grad
''',
        why="uses a fixed step of 1e-6 instead of the eps argument",
    ),
    ("03_autodiff_and_optimisers.ipynb", "ex3_3_check"): Wrong(
        source='''
def autodiff_gradient(f, x):
    variable = tf.Variable([float(v) for v in x], dtype=tf.float64)  # a list of numbers: vectors only
    with tf.GradientTape() as tape:
        value = f(variable)
    return tape.gradient(value, variable).numpy()
''',
        why="builds the variable from a list of floats, so it works for vectors but not for a matrix-shaped x",
    ),
    ("03_autodiff_and_optimisers.ipynb", "ex3_4_check"): Wrong(
        source='''
class Momentum:
    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.velocity = None

    def step(self, x, grad):
        if self.velocity is None:
            self.velocity = np.zeros(2)  # shaped for the two coordinates of the examples
        self.velocity = self.momentum * self.velocity - self.learning_rate * grad
        return x + self.velocity
''',
        why="creates the velocity as np.zeros(2) (the examples' shape) instead of zeros like x",
    ),
    ("03_autodiff_and_optimisers.ipynb", "ex3_5_check"): Wrong(
        source='''
class RMSProp:
    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.mean_square = None

    def step(self, x, grad):
        if self.mean_square is None:
            self.mean_square = np.zeros(2)  # shaped for the two coordinates of the examples
        self.mean_square = self.rho * self.mean_square + (1 - self.rho) * grad**2
        return x - self.learning_rate * grad / np.sqrt(self.mean_square + self.epsilon)
''',
        why="creates the running mean square as np.zeros(2) (the examples' shape) instead of zeros like x",
    ),
    ("03_autodiff_and_optimisers.ipynb", "ex3_6_check"): Wrong(
        source='''
class Adam:
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.iterations = 0
        self.m = None
        self.v = None

    def step(self, x, grad):
        if self.m is None:
            self.m, self.v = np.zeros(2), np.zeros(2)  # shaped for the two coordinates of the examples
        self.iterations += 1
        t = self.iterations
        self.m = self.beta_1 * self.m + (1 - self.beta_1) * grad
        self.v = self.beta_2 * self.v + (1 - self.beta_2) * grad**2
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        return x - alpha * self.m / (np.sqrt(self.v) + self.epsilon)
''',
        why="creates m and v as np.zeros(2) (the examples' shape) instead of zeros like x",
    ),
    ("03_autodiff_and_optimisers.ipynb", "ex3_7_check"): Wrong(
        setup='''
import os
for _name in ("fashion_mlp_adam.quick.keras", "fashion_mlp_adam.quick.history.json"):
    if os.path.exists(_name):
        os.remove(_name)
''',
        source='''
def train_with(optimizer):
    model = build_mlp()
    model.set_weights(initial_weights)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=EPOCHS,  # no batch_size: Keras's default of 32
                        validation_data=(x_val, y_val), verbose=0)
    return model, history


adam_model = dlcourse.checks.train_or_load(
    "fashion_mlp_adam.keras", lambda: train_with(keras.optimizers.Adam(learning_rate=1e-3))[0]
)
adam_history = adam_model.history
''',
        why="fits with Keras's default batch size 32 instead of BATCH_SIZE",
    ),
}
