"""Wrong submissions for Gradient-Based-Learning/ that pass the visible checks and must fail the hidden tests."""

from . import Wrong, forget_saved



def _train_step_source(forward: str, loss: str) -> str:
    """A CustomStepModel whose TensorFlow train_step (this test runs on the grader's backend, TensorFlow) follows
    the Keras recipe except for its forward and loss lines."""
    return f'''
class CustomStepModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            {forward}
            {loss}
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {{metric.name: metric.result() for metric in self.metrics}}
'''


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
def autodiff_gradient(f, x):  # the TensorFlow branch (this test runs on the grader's backend)
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
        setup=forget_saved("fashion_mlp_adam"),
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
    ("04_backpropagation_and_training_loop.ipynb", "ex4_1_check"): Wrong(
        source='''
def forward(X, W1, b1, W2, b2):
    H = np.maximum(0.0, X @ W1 + b1)
    Z2 = H @ W2 + b2
    return Z2, (X, H, H)  # caches the activation in place of the pre-activation Z1
''',
        why="caches H (after the ReLU) where the pre-activation Z1 belongs: same shapes, negative entries lost",
    ),
    ("04_backpropagation_and_training_loop.ipynb", "ex4_2_check"): Wrong(
        source='''
def softmax_cross_entropy_grad(Z2, y):
    exp = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P = exp / exp.sum(axis=1, keepdims=True)
    return (P - np.eye(10)[y]) / len(y)  # one-hot for MNIST's 10 classes, whatever Z2 has
''',
        why="builds the one-hot matrix for 10 classes instead of the k columns of Z2",
    ),
    ("04_backpropagation_and_training_loop.ipynb", "ex4_3_check"): Wrong(
        source='''
def backward(dZ2, cache, W2):
    X, Z1, H = cache
    dW2 = H.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ W2.T) * (Z1 >= 0)  # lets the gradient through where Z1 is exactly 0
    return X.T @ dZ1, dZ1.sum(axis=0), dW2, db2
''',
        why="the ReLU mask Z1 >= 0 passes gradient at a pre-activation of exactly 0 (the derivative there is 0)",
    ),
    ("04_backpropagation_and_training_loop.ipynb", "ex4_4_check"): Wrong(
        source='''
def clip_by_global_norm(grads, clip_norm):
    global_norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = clip_norm / max(global_norm, clip_norm)
    for g in grads:
        g *= scale  # in place: the caller's gradients are changed too
    return grads, global_norm
''',
        why="scales the caller's arrays in place instead of returning new ones",
    ),
    ("04_backpropagation_and_training_loop.ipynb", "ex4_5_check"): [
        Wrong(
            source='''
def warmup_cosine(step, peak_lr, warmup_steps, decay_steps, alpha=0.0):
    if step < warmup_steps:
        return float(peak_lr * step / warmup_steps)
    fraction = min(step - warmup_steps, decay_steps) / decay_steps
    return float(peak_lr * 0.5 * (1 + np.cos(np.pi * fraction)))  # alpha ignored: always decays to 0
''',
            why="ignores the floor alpha",
        ),
        Wrong(
            source='''
def warmup_cosine(step, peak_lr, warmup_steps, decay_steps, alpha=0.0):
    if step < warmup_steps:
        return float(peak_lr * step / warmup_steps)
    fraction = (step - warmup_steps) / decay_steps  # not held at 1 after the end: the cosine rises again
    return float(peak_lr * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * fraction)) + alpha))
''',
            why="does not hold the rate at its floor after warmup_steps + decay_steps",
        ),
    ],
    ("04_backpropagation_and_training_loop.ipynb", "ex4_6_check"): Wrong(
        setup=forget_saved("mnist_tape_loop"),
        source='''
def fit_with_tape(model, optimizer, x, y, epochs, batch_size):
    loss_metric = keras.metrics.Mean()
    accuracy_metric = keras.metrics.SparseCategoricalAccuracy()
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        for i in range(len(x) // batch_size):  # full batches only: the last, smaller batch is dropped
            x_batch, y_batch = x[i * batch_size : (i + 1) * batch_size], y[i * batch_size : (i + 1) * batch_size]
            loss, predictions, gradients = compute_gradients(model, x_batch, y_batch)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))
            loss_metric.update_state(loss)
            accuracy_metric.update_state(y_batch, predictions)
        history["loss"].append(float(loss_metric.result()))
        history["accuracy"].append(float(accuracy_metric.result()))
        loss_metric.reset_state()
        accuracy_metric.reset_state()
    return history


def train_mnist_tape():
    model = build_mlp()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    record = fit_with_tape(model, model.optimizer, x_train, y_train, TAPE_EPOCHS, BATCH_SIZE)
    model.history = keras.callbacks.History()
    model.history.history = record
    return model


tape_model = dlcourse.checks.train_or_load("mnist_tape_loop.keras", train_mnist_tape)
''',
        why="drops the last, smaller batch of every epoch (len(x) // batch_size batches)",
    ),
    ("04_backpropagation_and_training_loop.ipynb", "ex4_7_check"): [
        Wrong(source=_train_step_source(
            forward="y_pred = self(x)  # no training=True",
            loss="loss = self.compute_loss(x=x, y=y, y_pred=y_pred)"),
              why="calls the model without training=True"),
        Wrong(source=_train_step_source(
            forward="y_pred = self(x, training=True)",
            loss="loss = ops.mean(keras.losses.sparse_categorical_crossentropy(y, y_pred))  # by hand"),
              why="computes the loss by hand instead of self.compute_loss: the L2 penalty is left out"),
    ],
}


# --- 05 PyTorch (05_pytorch_training_loop.ipynb) -------------------------------------------------------------------
_NB05 = "05_pytorch_training_loop.ipynb"

_TRAIN_ONE_EPOCH = '''
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return float(np.mean(losses))
'''

_EVALUATE_ACCURACY = '''
def evaluate_accuracy(model, loader):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    return correct / total
'''

WRONG.update({
    (_NB05, "ex5_1_check"): Wrong(
        source='''
def autograd_gradients(X, y, W1, b1, W2, b2):
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in (W1, b1, W2, b2)]
    logits = torch.relu(torch.from_numpy(X) @ params[0] + params[1]) @ params[2] + params[3]
    one_hot = torch.eye(10, dtype=torch.float64)[torch.from_numpy(y)]  # ten classes, as in MNIST
    loss = -(one_hot * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
    loss.backward()
    return tuple(p.grad.numpy() for p in params)
''',
        why="writes the cross-entropy with a one-hot matrix of 10 classes: fails for any other number of classes",
    ),
    (_NB05, "ex5_2_check"): [
        Wrong(
            source='''
class MLP(nn.Module):
    def __init__(self, n_inputs=28 * 28, n_hidden=128, n_classes=10):
        super().__init__()
        self.hidden = nn.Linear(n_inputs, n_hidden)
        self.output = nn.Linear(n_hidden, n_classes)

    def forward(self, x):
        return torch.softmax(self.output(torch.relu(self.hidden(x))), dim=1)  # probabilities, as in Keras
''',
            why="returns softmax probabilities instead of logits",
        ),
        Wrong(
            source='''
class MLP(nn.Module):
    def __init__(self, n_inputs=28 * 28, n_hidden=128, n_classes=10):
        super().__init__()
        self.hidden = nn.Linear(784, 128)  # MNIST's sizes, whatever the arguments say
        self.output = nn.Linear(128, 10)

    def forward(self, x):
        return self.output(torch.relu(self.hidden(x)))
''',
            why="ignores the size arguments (fixed 784, 128, 10)",
        ),
    ],
    (_NB05, "ex5_3_check"): Wrong(
        source='''
class MNISTDataset(Dataset):
    def __init__(self, images, labels):
        self.images = images
        self.labels = labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = self.images[index].reshape(-1).astype(np.float32)
        x = torch.from_numpy(image / image.max())  # scaled by the image's own brightest pixel, not by 255
        y = torch.tensor(int(self.labels[index]), dtype=torch.int64)
        return x, y
''',
        why="scales each image by its own maximum instead of by 255",
    ),
    (_NB05, "ex5_4_check"): [
        Wrong(
            source="loss_fn = nn.CrossEntropyLoss()\n" + _TRAIN_ONE_EPOCH.replace(
                "        optimizer.zero_grad()\n", "") + _EVALUATE_ACCURACY,
            why="never calls optimizer.zero_grad(): the gradients of the batches add up",
        ),
        Wrong(
            source="loss_fn = nn.CrossEntropyLoss()\n" + _TRAIN_ONE_EPOCH + '''
def evaluate_accuracy(model, loader):
    correct, total = 0, 0
    for x, y in loader:  # neither model.eval() nor torch.no_grad()
        correct += (model(x).argmax(dim=1) == y).sum().item()
        total += len(y)
    return correct / total
''',
            why="evaluates in training mode and records gradients (no model.eval(), no torch.no_grad())",
        ),
    ],
    (_NB05, "ex5_5_check"): Wrong(
        setup="import os\nif os.path.exists('mnist_torch_mlp.quick.pt'):\n    os.remove('mnist_torch_mlp.quick.pt')\n",
        source='''
def train_mnist_torch():
    torch.manual_seed(0)
    model = MLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loader = DataLoader(test_set, batch_size=BATCH_SIZE, shuffle=True)  # the test images, not the training ones
    history = {"loss": [], "test_accuracy": []}
    for epoch in range(EPOCHS):
        history["loss"].append(train_one_epoch(model, loader, optimizer, loss_fn))
        history["test_accuracy"].append(evaluate_accuracy(model, test_loader))
    return model, optimizer, history


torch_model, torch_checkpoint = train_or_load_torch("mnist_torch_mlp.pt", train_mnist_torch)
''',
        why="trains on the test images",
    ),
})
