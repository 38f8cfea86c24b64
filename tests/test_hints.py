"""The mistake table: realistic wrong answers to the notebooks' exercises, and the cause each message may name.

Each row is a wrong implementation of a real exercise function (see the topic's ``solutions/`` notebook), run
through that exercise's own check call and cases, and the cause its hint must name: a text the ``Hint:`` line must
contain, or None when the evidence fits no cause (then the message has no ``Hint:`` line, shows expected/found and
a neutral ``Next step:``, and contains no text from the cause table ``dlcourse.checks.hints.CAUSES``). A row may
also list texts that must not appear (the wrong causes the old ratio-only guesses named, issue 8).

Wrong implementations that read a notebook variable are defined by :func:`notebook`, in a namespace that plays the
notebook's globals, because that is where the check looks for the variable the function reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.signal import correlate2d

from dlcourse.checks import CheckFailed, check_array, check_function, check_model, check_value
from dlcourse.checks.hints import CAUSES

# The wrong implementations overflow or take log(0) on purpose: NumPy's warnings about it are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def notebook(source: str, **variables) -> dict:
    """Run ``source`` in a fresh namespace holding NumPy and ``variables``: the notebook's globals."""
    namespace = {"np": np, **variables}
    exec(compile(source, "<notebook cell>", "exec"), namespace)
    return namespace


@dataclass
class Row:
    id: str
    check: Callable[[], None]  # the exercise's check call, run on the wrong implementation
    cause: str | None  # a text the Hint line must contain, or None: no cause may be named
    absent: tuple[str, ...] = ()  # texts the message must not contain (wrong causes)


# --------------------------------------------------------------------------------------------------------------
# Cases copied from the notebooks' check cells
# --------------------------------------------------------------------------------------------------------------
X_SMALL = np.array([[1.0, 10.0, 0.0], [2.0, 20.0, 5.0], [3.0, 30.0, 10.0], [6.0, 60.0, -15.0]])  # CoML 01 Ex 1.4
X_HAND, Y_HAND = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])  # GBL 01 Ex 1.1
W1, B1 = np.array([[1.0, -1.0], [2.0, 1.0]]), np.array([0.0, 1.0])  # ANN 01 Ex 1.5 (the tiny network)
W2, B2 = np.array([[1.0], [-2.0]]), np.array([0.5])
X_TINY = np.array([[1.0, 1.0], [1.0, -1.0]])
IMAGE = np.arange(36.0).reshape(6, 6) % 7  # CNN 01 Ex 1.2
SOBEL_LIKE = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


def relu(z):
    return np.maximum(0.0, z)


def tiny_forward_reference(X, W1, b1, W2, b2):
    return relu(X @ W1 + b1) @ W2 + b2


def mean_and_std_cases():  # CoML 01 Ex 1.1 (visible)
    return [(([1, 2, 3, 4],), (2.5, 1.118033988749895)), (([5.0],), (5.0, 0.0)), (([-1, 1],), (0.0, 1.0))]


def check_mean_and_std(func):
    check_function(func, mean_and_std_cases(), name="mean_and_std")


def check_standardized_column_stats(standardize_columns):  # CoML 01 Ex 1.4 (visible), through a wrapper
    def standardized_column_stats(X):
        Z = standardize_columns(X)
        return Z.shape, Z.mean(axis=0), Z.std(axis=0)

    check_function(standardized_column_stats,
                   [{"args": (X_SMALL,), "expected": ((4, 3), np.zeros(3), np.ones(3)),
                     "hint": "standardise each column: mean and std with axis=0"}],
                   atol=1e-12, name="standardize_columns(X_small): shape, column means, column standard deviations")


def check_standardize_hidden(standardize_columns):  # CoML 01 Ex 1.4 (hidden: a (20, 4) array)
    X = np.random.default_rng(1404).normal(loc=[5.0, -3.0, 100.0, 0.0], scale=[1.0, 0.1, 50.0, 3.0], size=(20, 4))
    check_function(standardize_columns, [((X,), (X - X.mean(0)) / X.std(0))], name="standardize_columns")


def check_squared_error(func):  # CoML 03 Ex 3.1
    check_function(func, [(([1, 2, 3], [1, 2, 5]), 4 / 3), (([0.0, 0.0], [1.0, -1.0]), 1.0)], name="squared_error")
    check_function(func, [((np.array([1.0, 2.0, 3.0]), np.array([[1.5], [2.0], [2.0]])), 1.25 / 3)],
                   name="squared_error")


def check_absolute_error(func):  # CoML 03 Ex 3.1
    check_function(func, [(([1, 2, 3], [1, 2, 5]), 2 / 3), (([0.0, 0.0], [1.0, -1.0]), 1.0)], name="absolute_error")


def check_zero_one_loss(func):  # CoML 03 Ex 3.2
    check_function(func, [(([0, 1, 1, 0], [0, 1, 0, 0]), 0.25), ((["cat", "dog"], ["cat", "dog"]), 0.0)],
                   name="zero_one_loss")


def check_logistic_loss(func):  # CoML 03 Ex 3.2
    check_function(func, [(([1, 0], [0.9, 0.2]), -(np.log(0.9) + np.log(0.8)) / 2), (([1], [0.5]), np.log(2)),
                          (([1], [0.0]), -np.log(1e-12))], name="logistic_loss")


def check_pairwise_distances(func):  # CoML 01 Ex 1.6
    A, B = np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [0.0, 4.0], [3.0, 0.0]])
    check_array("pairwise_distances(A_points, B_points)", func(A, B), np.array([[0.0, 4.0, 3.0], [5.0, 3.0, 4.0]]),
                shape=(2, 3))


def check_make_design_matrix(func):  # CoML 01 Ex 1.2
    check_function(func, [((np.array([1.0, 2.0, 3.0]),), np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]]))],
                   name="make_design_matrix")


def check_split_features_labels(func):  # CoML 01 Ex 1.3
    data = np.array([[1.0, 2.0, 10.0], [3.0, 4.0, 20.0], [5.0, 6.0, 30.0], [7.0, 8.0, 40.0]])
    check_function(func, [((data,), (data[:, :2], data[:, 2]))], name="split_features_labels")


def check_sigmoid(func):  # ANN 01 Ex 1.1
    check_function(func, [((0.0,), 0.5),
                          ((np.array([-1.0, 0.0, 1.0]),), np.array([0.2689414213699951, 0.5, 0.7310585786300049]))],
                   name="sigmoid")


def check_neuron(func):  # ANN 01 Ex 1.1
    check_function(func, [((np.array([[1.0, 2.0, -1.0], [0.0, 1.0, 3.0]]), np.array([0.5, -0.25, 1.0]), 0.1),
                           np.array([0.289050497374996, 0.9453186827840592]))], name="neuron")


def check_softmax(func):  # ANN 01 Ex 1.3
    check_function(func, [((np.array([0.0, 0.0]),), np.array([0.5, 0.5])),
                          ((np.array([1000.0, 1001.0]),), np.array([0.2689414213699951, 0.7310585786300049])),
                          ((np.array([[0.0, np.log(3.0)], [2.0, 2.0]]),), np.array([[0.25, 0.75], [0.5, 0.5]]))],
                   name="softmax")


def check_tiny_forward(func):  # ANN 01 Ex 1.5: the visible case and the hidden one with 3 hidden units
    W1_h, b1_h = np.array([[0.0, 0.3, -0.27], [-0.89, -0.45, -0.99]]), np.array([0.06, 1.34, -0.49])
    W2_h, b2_h = np.array([[-0.62], [0.49], [0.36]]), np.array([-0.3])
    X_h = np.array([[0.5, -2.0], [3.0, 1.0], [-1.0, -1.0]])
    check_function(func, [((X_TINY, W1, B1, W2, B2), tiny_forward_reference(X_TINY, W1, B1, W2, B2)),
                          ((X_h, W1_h, b1_h, W2_h, b2_h), tiny_forward_reference(X_h, W1_h, b1_h, W2_h, b2_h))],
                   name="tiny_forward")


def check_rmse(func):  # ANN 03 Ex 3.2 (visible, then hidden cases)
    check_function(func, [((np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])), 0.0),
                          ((np.array([0.0, 0.0]), np.array([3.0, -3.0])), 3.0)], name="rmse")
    check_function(func, [((np.array([1.0, 2.0, 4.0, 0.0]), np.array([[2.0], [2.0], [2.0], [1.0]])), float(np.sqrt(1.5))),
                          ((np.array([0.5]), np.array([[0.0]])), 0.5)], name="rmse")


def gbl_mse_gradient_cases():  # GBL 01 Ex 1.1 (the hand-worked cases)
    return [((X_HAND, Y_HAND, 0.0, 0.0), (-56 / 3, -8.0)), ((X_HAND, Y_HAND, 2.0, 0.0), (0.0, 0.0))]


def check_gradient_step_hidden(func):  # GBL 01 Ex 1.2 (hidden: random data, other sizes)
    rng = np.random.default_rng(7_331)
    cases = []
    for _ in range(3):
        size = int(rng.integers(1, 200))
        x, y = rng.normal(1.0, 3.0, size=size), rng.normal(-2.0, 5.0, size=size)
        w, b, lr = float(rng.normal()), float(rng.normal()), float(rng.uniform(0.0, 0.5))
        r = w * x + b - y
        cases.append(((x, y, w, b, lr), (w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r))))
    check_function(func, cases, rtol=1e-7, atol=1e-9, name="gradient_step")


def mse_loss(x, y, w, b):
    return np.mean((w * x + b - y) ** 2)


def check_bce(func):  # GBL 03 Ex 3.1
    check_function(func, [
        ((np.array([1.0, 0.0]), np.array([0.9, 0.2])), -(np.log(0.9) + np.log(0.8)) / 2),
        ((np.array([1.0]), np.array([0.5])), np.log(2)),
        ((np.array([1.0, 0.0]), np.array([0.0, 1.0])), -np.log(1e-7)),
        ((np.array([1.0, 0.0]), np.array([1.0, 0.0])), -np.log(1 - 1e-7)),
    ], rtol=1e-6, atol=1e-12, name="binary_cross_entropy")


def check_numerical_gradient(func):  # GBL 03 Ex 3.2: the central difference is exact for a quadratic
    check_function(func, [{"args": (lambda v: np.sum(v**2), np.array([1.0, 2.0])), "kwargs": {"eps": 1e-3},
                           "expected": np.array([2.0, 4.0])}], rtol=1e-9, name="numerical_gradient")


def softmax_rows(Z):
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def check_softmax_ce_grad(func):  # GBL 04 Ex 4.2 (the hand-worked visible cases)
    Z_big = np.zeros((2, 10))
    Z_big[0, 2], Z_big[1, 5] = 1000.0, 1000.0
    wrong_row = np.zeros(10)
    wrong_row[5], wrong_row[0] = 1.0, -1.0
    check_function(func, [
        ((np.zeros((3, 10)), np.array([0, 3, 9])), (np.full((3, 10), 0.1) - np.eye(10)[[0, 3, 9]]) / 3),
        ((Z_big, np.array([2, 0])), np.array([np.zeros(10), wrong_row]) / 2),
    ], rtol=1e-7, atol=1e-10, kind="gradient", name="softmax_cross_entropy_grad")


def check_backward(func):  # GBL 04 Ex 4.3: a small random network (the notebook's expected values come from autodiff)
    rng = np.random.default_rng(4_300)
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    W1, b1, W2, b2 = rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=(4, 3)), rng.normal(size=3)
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    dZ2 = (softmax_rows(H @ W2 + b2) - np.eye(3)[y]) / len(y)
    dZ1 = dZ2 @ W2.T * (Z1 > 0)
    check_function(func, [((dZ2, (X, Z1, H), W2), (X.T @ dZ1, dZ1.sum(axis=0), H.T @ dZ2, dZ2.sum(axis=0)))],
                   rtol=1e-7, atol=1e-10, kind="gradient", name="backward")


def backward_without_mask(dZ2, cache, W2):
    X, Z1, H = cache
    dZ1 = dZ2 @ W2.T  # the ReLU's mask forgotten
    return X.T @ dZ1, dZ1.sum(axis=0), H.T @ dZ2, dZ2.sum(axis=0)


def backward_transposed(dZ2, cache, W2):
    X, Z1, H = cache
    dZ1 = dZ2 @ W2.T * (Z1 > 0)
    return dZ1.T @ X, dZ1.sum(axis=0), dZ2.T @ H, dZ2.sum(axis=0)


def backward_mean_biases(dZ2, cache, W2):
    X, Z1, H = cache
    dZ1 = dZ2 @ W2.T * (Z1 > 0)
    return X.T @ dZ1, dZ1.mean(axis=0), H.T @ dZ2, dZ2.mean(axis=0)


def check_conv_step(func):  # CNN 01 Ex 1.1
    check_function(func, [((np.ones((3, 3)), np.ones((3, 3))), 9.0), ((np.arange(9.0).reshape(3, 3), np.eye(3)), 12.0),
                          ((np.arange(9.0).reshape(3, 3), -np.eye(3), 2.0), -10.0)], name="conv_step")


def check_conv_output_size(func):  # CNN 01 Ex 1.4
    check_function(func, [((28, 3), 26), ((28, 3, 1), 28), ((28, 3, 0, 2), 13), ((7, 3, 1, 2), 4)],
                   name="conv_output_size")


def conv2d_source(flip: bool) -> str:
    kernel = "kernel[::-1, ::-1]" if flip else "kernel"
    return f"""
def conv2d(image, kernel, stride=1, padding=0):
    image = np.pad(np.asarray(image, dtype=float), padding)
    k = {kernel}
    kh, kw = k.shape
    out = np.zeros(((image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r * stride:r * stride + kh, c * stride:c * stride + kw] * k)
    return out
"""


FLIPPED_CONV2D = notebook(conv2d_source(flip=True))["conv2d"]


def check_best_epoch(func):  # CNN 03 Ex 3.2
    h = {"loss": [0.7, 0.6, 0.4, 0.2], "val_loss": [0.69, 0.62, 0.58, 0.75],
         "accuracy": [0.5, 0.68, 0.8, 0.93], "val_accuracy": [0.52, 0.66, 0.7, 0.69]}
    check_function(func, [((h,), 3)], name="best_epoch")


def check_most_confused(func):  # CNN 02 Ex 2.3
    check_function(func, [((np.array([[50, 3, 1], [7, 40, 0], [2, 2, 45]]),), (1, 0)),
                          ((np.array([[9, 0], [1, 9]]),), (1, 0))], name="most_confused")


def conv2d_multi_reference(x, kernels, bias):  # CNN 04 Ex 4.1 (the solution)
    k = kernels.shape[0]
    out = np.empty((x.shape[0] - k + 1, x.shape[1] - k + 1, kernels.shape[3]))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.tensordot(x[i:i + k, j:j + k, :], kernels, axes=3) + bias
    return out


def check_conv2d_multi(func):  # CNN 04 Ex 4.1 (visible; the notebook's expected value comes from Keras)
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(6, 6, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    check_function(func, [((x, w, b), conv2d_multi_reference(x, w, b))], rtol=1e-4, atol=1e-4, kind="convolution",
                   name="conv2d_multi (a 6x6 image with 3 channels, 4 kernels of 3x3)")


def check_receptive_field(func):  # CNN 04 Ex 4.2
    check_function(func, [(([(3, 1)],), 3), (([(3, 1), (3, 1)],), 5), (([(3, 1), (2, 2), (3, 1)],), 8)],
                   name="receptive_field")


def check_conv_cost(func):  # CNN 04 Ex 4.3 (Keras's count_params() for the two layers: 18,496 and 2,400)
    check_function(func, [(("standard", 3, 32, 64, 14, 14), (18_496, 3 * 3 * 32 * 64 * 14 * 14)),
                          (("separable", 3, 32, 64, 14, 14), (2_400, (3 * 3 * 32 + 32 * 64) * 14 * 14))],
                   name="conv_cost")


def check_precision_recall(func):  # CNN 04 Ex 4.6 (expected: sklearn's precision_recall_fscore_support)
    cm = np.array([[50, 3, 1], [7, 40, 3], [2, 2, 45]], dtype=float)
    p, r = np.diag(cm) / cm.sum(axis=0), np.diag(cm) / cm.sum(axis=1)
    check_function(func, [((cm.astype(int),), (p, r, 2 * p * r / (p + r)))], name="precision_recall_from_confusion")


# --- GBL 05 ---

def gbl05_rows() -> list[Row]:
    """GBL 05 (PyTorch), Exercises 5.1 and 5.3 (the visible checks, copied from the notebook's check cells)."""
    import torch

    def hand_gradients(X, y, W1, b1, W2, b2):  # notebook 4's back-propagation, as the notebook gives it
        Z1 = X @ W1 + b1
        H = np.maximum(0.0, Z1)
        dZ2 = (softmax_rows(H @ W2 + b2) - np.eye(W2.shape[1])[y]) / len(y)
        dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
        return X.T @ dZ1, dZ1.sum(axis=0), H.T @ dZ2, dZ2.sum(axis=0)

    def check_autograd_gradients(autograd_gradients) -> None:  # Ex 5.1
        rng = np.random.default_rng(5_100)
        args = (rng.normal(size=(6, 5)), rng.integers(0, 10, size=6), rng.normal(size=(5, 4)), rng.normal(size=4),
                rng.normal(size=(4, 10)), rng.normal(size=10))
        check_function(autograd_gradients, [(args, hand_gradients(*args))], rtol=1e-7, atol=1e-10, kind="gradient")

    def loss_and_params(X, y, W1, b1, W2, b2, reduction="mean"):
        params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in (W1, b1, W2, b2)]
        logits = torch.relu(torch.from_numpy(X) @ params[0] + params[1]) @ params[2] + params[3]
        return torch.nn.functional.cross_entropy(logits, torch.from_numpy(y), reduction=reduction), params

    def gradients_still_in_the_graph(X, y, W1, b1, W2, b2):  # create_graph=True: the gradients require grad
        loss, params = loss_and_params(X, y, W1, b1, W2, b2)
        return torch.autograd.grad(loss, params, create_graph=True)

    def gradients_of_the_summed_loss(X, y, W1, b1, W2, b2):  # reduction="sum": n times the gradient of the mean
        loss, params = loss_and_params(X, y, W1, b1, W2, b2, reduction="sum")
        loss.backward()
        return tuple(p.grad.numpy() for p in params)

    images = np.random.default_rng(5_300).integers(0, 256, size=(4, 28, 28)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1], dtype=np.uint8)

    def check_dataset(dataset_class) -> None:  # Ex 5.3 (small random images in place of MNIST's)
        def dataset_summary(images, labels, index):
            dataset = dataset_class(images, labels)
            x, y = dataset[index]
            return len(dataset), [(str(t.dtype), tuple(t.shape)) for t in (x, y)], x, y

        specs = [("torch.float32", (784,)), ("torch.int64", ())]
        check_function(dataset_summary, [((images, labels, 0), (4, specs, images[0].reshape(-1) / np.float32(255.0),
                                                                 int(labels[0])))],
                       name="MNISTDataset: (len, [(dtype, shape) of x and y], x, y) of item 0 of the training set")

    class UnscaledDataset:  # forgets to divide by 255
        def __init__(self, images, labels):
            self.images, self.labels = images, labels

        def __len__(self):
            return len(self.images)

        def __getitem__(self, index):
            x = torch.from_numpy(self.images[index].reshape(-1).astype(np.float32))
            return x, torch.tensor(int(self.labels[index]), dtype=torch.int64)

    class FloatLabelDataset(UnscaledDataset):  # the label as a float tensor
        def __getitem__(self, index):
            x = torch.from_numpy(self.images[index].reshape(-1).astype(np.float32) / 255.0)
            return x, torch.tensor(float(self.labels[index]))

    return [
        Row("GBL5.1 gradients computed with create_graph=True (tensors that still require grad)",
            lambda: check_autograd_gradients(gradients_still_in_the_graph), ".detach()"),
        Row("GBL5.1 gradients of the summed loss (reduction='sum')",
            lambda: check_autograd_gradients(gradients_of_the_summed_loss), "a sum where a mean was needed"),
        Row("GBL5.3 Dataset forgets to divide by 255 (no cause the evidence shows)",
            lambda: check_dataset(UnscaledDataset), None),
        Row("GBL5.3 Dataset returns the label as a float tensor (no cause the evidence shows)",
            lambda: check_dataset(FloatLabelDataset), None),
    ]


# --------------------------------------------------------------------------------------------------------------
# Keras models (ANN 02, CNN 02): one import, tiny builds
# --------------------------------------------------------------------------------------------------------------
def keras_rows() -> list[Row]:
    def sequential(activation="softmax", loss=None):
        import keras

        model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(32, activation="relu"),
                                  keras.layers.Dense(10, activation=activation)])
        if loss:
            model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        return model

    spec = [("Dense", {"units": 32, "activation": "relu"}), ("Dense", {"units": 10, "activation": "softmax"})]

    def no_flatten():
        import keras
        from keras import layers

        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
        x = layers.MaxPooling2D(2, name="pool1")(x)
        outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
        return keras.Model(inputs, outputs)

    return [
        Row("ANN2.1 sigmoid output for 10 classes (wrong activation)",
            lambda: check_model(sequential("sigmoid"), layers=spec, input_shape=(784,), output_shape=(10,)),
            "use activation='softmax' in the last layer"),
        Row("ANN2.1 no output activation (logits)",
            lambda: check_model(sequential(None), layers=spec), "outputs raw scores (logits)"),
        Row("ANN2.4 categorical loss for integer labels (wrong loss)",
            lambda: check_model(sequential(loss="categorical_crossentropy"), output_shape=(10,),
                                loss="sparse_categorical_crossentropy"),
            "use loss='sparse_categorical_crossentropy'"),
        Row("ANN2.4 mse for classification (wrong loss)",
            lambda: check_model(sequential(loss="mse"), loss="sparse_categorical_crossentropy"),
            "this is a classification problem"),
        Row("CNN2.1 no Flatten before Dense",
            lambda: check_model(no_flatten(), layers=["Conv2D", "MaxPooling2D", "Flatten", "Dense"]),
            "add layers.Flatten()"),
    ]


# --------------------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------------------
def mean_and_std_ddof(values):
    n = len(values)
    mean = sum(values) / n
    return mean, (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5


def mean_and_std_int_division(values):
    n = len(values)
    mean = sum(values) // n
    return mean, (sum((v - sum(values) / n) ** 2 for v in values) / n) ** 0.5


def mean_and_std_no_return(values):
    n = len(values)
    mean = sum(values) / n
    (mean, (sum((v - mean) ** 2 for v in values) / n) ** 0.5)  # noqa: B018 - the missing `return`


def tf_data_rows() -> list[Row]:
    """Regularization 02, Exercises 2.1 and 2.2 (the pipeline on file names: the check's logic needs no photos)."""
    names = [f"cat.{i}.jpg" for i in range(12)] + [f"dog.{i}.jpg" for i in range(12)]

    def check_pipeline(cache: str) -> None:
        import tensorflow as tf

        from dlcourse.checks import check_dataset, count_calls

        def decode(path):
            return tf.strings.to_hash_bucket_fast(path, 10_000)

        def build(paths, labels, decode_fn, batch_size, seed, cache=cache):  # the student's pipeline
            ds = tf.data.Dataset.from_tensor_slices((paths, labels))
            ds = ds.map(lambda path, label: (decode_fn(path), label), num_parallel_calls=tf.data.AUTOTUNE)
            ds = ds.cache() if cache == "after_map" else ds
            ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
            ds = ds.cache() if cache == "after_shuffle" else ds
            return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)

        labels = np.array([0] * 12 + [1] * 12, dtype=np.int32)
        counter = count_calls(decode)
        check_dataset(lambda: build(names, labels, counter, 8, 42, cache), name="build_pipeline",
                      element_spec=(tf.TensorSpec((None,), tf.int64), tf.TensorSpec((None,), tf.int32)),
                      expected=build(names, labels, decode, 8, 42, "after_map"), passes=2, reshuffled=True,
                      batched=True, counter=counter, calls=len(names))

    return [
        Row("REG 02.1 all_cat_batches off by one (first dog at n_cats - buffer_size)", lambda: check_function(
            lambda n_cats, buffer_size, batch_size: max(0, n_cats - buffer_size) // batch_size,
            [((997, 1, 32), 31), ((100, 5, 8), 12)], name="all_cat_batches"), "an off-by-one?"),
        Row("REG 02.2 build_pipeline without cache: every photo decoded in both epochs",
            lambda: check_pipeline("none"), "nothing keeps its results between passes"),
        Row("REG 02.2 build_pipeline caching after the shuffle: epoch 2 replays epoch 1",
            lambda: check_pipeline("after_shuffle"), "the second pass replays the first pass's order"),
    ]


def augmentation_rows() -> list[Row]:
    """Regularization 03, Exercises 3.2 and 3.4 (the visible checks; the convnet on 32x32 photos)."""

    def softmax_output():  # Dense(1, activation="softmax") for two classes: always outputs 1.0
        import keras
        from keras import layers

        inputs = keras.Input(shape=(32, 32, 3))
        x = keras.Sequential([layers.RandomFlip("horizontal")], name="augmentation")(inputs)
        x = layers.Rescaling(1.0 / 255, name="rescale")(x)
        x = layers.GlobalAveragePooling2D(name="gap")(x)
        return keras.Model(inputs, layers.Dense(1, activation="softmax", name="dog_probability")(x))

    convnet_spec = [("Sequential", {"name": "augmentation"}), ("Rescaling", {"name": "rescale"}),
                    ("GlobalAveragePooling2D", {"name": "gap"}), ("Dense", {"units": 1, "activation": "sigmoid"})]
    history = {"val_accuracy": [0.55, 0.62, 0.70, 0.68, 0.74, 0.80], "val_loss": [0.7, 0.6, 0.55, 0.56, 0.5, 0.45]}
    cases = [((history, 0.69), 3), ((history, 0.75), 6), ((history, 0.5), 1)]
    return [
        Row("REG 03.2 a softmax on the single output unit",
            lambda: check_model(softmax_output(), layers=convnet_spec, input_shape=(32, 32, 3)),
            "use activation='sigmoid' for a single output unit"),
        Row("REG 03.4 epochs_to_reach returns the 0-based index", lambda: check_function(
            lambda h, target: next((i for i, a in enumerate(h["val_accuracy"]) if a >= target), None),
            cases, name="epochs_to_reach"), "an off-by-one?"),
        Row("REG 03.4 epochs_to_reach returns the accuracy reached, not the epoch (no cause the evidence shows)",
            lambda: check_function(lambda h, target: next((a for a in h["val_accuracy"] if a >= target), None),
                                   cases, name="epochs_to_reach"), None),
    ]


def transfer_rows() -> list[Row]:
    """Regularization 04, Exercises 4.2 and 4.3 (the visible checks; EfficientNet-Lite0 without its weights)."""

    def softmax_head():
        import keras
        from keras import layers

        inputs = keras.Input(shape=(1280,), name="features")
        x = layers.Dropout(0.5, name="head_dropout")(inputs)
        return keras.Model(inputs, layers.Dense(1, activation="softmax", name="dog_probability")(x), name="head")

    head_spec = [("Dropout", {"rate": 0.5, "name": "head_dropout"}),
                 ("Dense", {"units": 1, "activation": "sigmoid", "name": "dog_probability"})]

    def check_unfreeze_top(unfreeze_top) -> None:  # the visible check of Exercise 4.3
        from keras import layers

        from dlcourse.pretrained import BLOCK_NAMES, efficientnet_lite0

        def expected(model, n_blocks):
            names = [layer.name for layer in model.layers]
            start = next(i for i, name in enumerate(names) if name.startswith(BLOCK_NAMES[-n_blocks] + "_"))
            return {layer.name: i >= start and not isinstance(layer, layers.BatchNormalization)
                    for i, layer in enumerate(model.layers) if layer.weights}

        def after(n_blocks):
            model = efficientnet_lite0(weights=None)
            model.trainable = False
            unfreeze_top(model, n_blocks)
            return {layer.name: bool(layer.trainable) for layer in model.layers if layer.weights}

        def bn_unfrozen(found, want):
            return any(found.get(name) and not w for name, w in want.items() if name.split("_")[-1] == "bn")

        check_function(after, [((2,), expected(efficientnet_lite0(weights=None), 2))],
                       name="trainable flags of the layers after unfreeze_top(model, 2)",
                       hints={bn_unfrozen: "a batch-normalisation layer is trainable: keep every BatchNormalization "
                                           "layer frozen, so that it runs in inference mode with its ImageNet statistics."})

    def unfreeze_with_bn(model, n_blocks):  # the rule without its exception for batch normalisation
        from dlcourse.pretrained import BLOCK_NAMES

        model.trainable = True
        reached = False
        for layer in model.layers:
            reached = reached or layer.name.startswith(BLOCK_NAMES[-n_blocks] + "_")
            layer.trainable = reached

    def unfreeze_from_the_bottom(model, n_blocks):  # BLOCK_NAMES[n_blocks]: counts blocks from the input
        from keras import layers

        from dlcourse.pretrained import BLOCK_NAMES

        model.trainable = True
        reached = False
        for layer in model.layers:
            reached = reached or layer.name.startswith(BLOCK_NAMES[n_blocks] + "_")
            layer.trainable = reached and not isinstance(layer, layers.BatchNormalization)

    return [
        Row("REG 04.2 a softmax on the single output unit of the head",
            lambda: check_model(softmax_head(), layers=head_spec, input_shape=(1280,), output_shape=(1,), params=1281),
            "use activation='sigmoid' for a single output unit"),
        Row("REG 04.3 unfreeze_top leaves the batch-normalisation layers trainable",
            lambda: check_unfreeze_top(unfreeze_with_bn), "keep every BatchNormalization layer frozen"),
        Row("REG 04.3 unfreeze_top counts the blocks from the input (no cause the evidence shows)",
            lambda: check_unfreeze_top(unfreeze_from_the_bottom), None),
    ]

def overfitting_rows() -> list[Row]:
    """Regularization 01, Exercises 1.2, 1.3 and 1.5 (the visible checks; expected values as Keras computes them)."""
    kernel = np.random.default_rng(1).normal(size=(5, 3))

    def check_l2_penalty(l2_penalty) -> None:  # Ex 1.2: Keras's L2(0.01) adds 0.01 * sum(kernel ** 2)
        half = {lambda found, expected: np.isclose(float(found), expected / 2, rtol=1e-4) and expected != 0:
                "your penalty is half of Keras's: L2(lam) adds lam * sum(w**2), without the 1/2 of Goodfellow et "
                "al.'s alpha/2 * ||w||^2."}
        check_function(l2_penalty, [(([kernel], 0.01), 0.01 * float(np.sum(kernel ** 2)))], rtol=1e-5, hints=half,
                       name="l2_penalty (the kernel of one Dense layer, 5 inputs -> 3 units, lam=0.01)")

    def check_dropout(dropout_forward) -> None:  # Ex 1.3
        def summary(x, rate, seed=0):
            out = np.asarray(dropout_forward(x, rate, True, np.random.default_rng(seed)), dtype=float)
            return {"shape": out.shape, "distinct values": sorted({round(float(v), 6) for v in np.unique(out)}),
                    "fraction dropped": float(np.mean(out == 0))}

        not_rescaled = {lambda found, expected: np.isclose(max(found["distinct values"]), 1.0)
                        or np.isclose(max(found["distinct values"]), 0.7):
                        "the kept ones are not 1 / (1 - rate): inverted dropout divides the kept values by 1 - rate "
                        "during training (neither leaves them as they are nor multiplies them by 1 - rate)."}
        check_function(summary, [((np.ones((200, 500)), 0.3), {"shape": (200, 500),
                                                                "distinct values": [0.0, round(1 / 0.7, 6)],
                                                                "fraction dropped": 0.3})], atol=0.01,
                       hints=not_rescaled, name="dropout_forward(np.ones((200, 500)), rate=0.3, training=True, rng)")

    def check_early_stopping(early_stopping_epochs) -> None:  # Ex 1.5: (5, 3) and (4, 4) from Keras's EarlyStopping
        check_function(early_stopping_epochs, [(([0.9, 0.7, 0.6, 0.65, 0.62, 0.7, 0.8, 0.9], 2), (5, 3)),
                                               (([1.0, 0.8, 0.7, 0.65], 3), (4, 4))], name="early_stopping_epochs")

    def early_stopping_from_zero(val_losses, patience, min_delta=0.0):  # Keras's internal 0-based epochs
        best, best_epoch, wait = None, 0, 0
        for epoch, value in enumerate(val_losses):
            wait += 1
            if best is None or value < best - min_delta:
                best, best_epoch, wait = value, epoch, 0
            elif wait >= patience:
                return epoch, best_epoch
        return len(val_losses) - 1, best_epoch

    return [
        Row("REG 01.2 l2_penalty with the 1/2 of alpha/2 ||w||^2", lambda: check_l2_penalty(
            lambda weights, lam: 0.5 * lam * sum(float(np.sum(np.square(w))) for w in weights)), "without the 1/2"),
        Row("REG 01.3 dropout multiplies the kept values by 1 - rate instead of dividing",
            lambda: check_dropout(lambda x, rate, training, rng: np.where(rng.random(np.shape(x)) >= rate,
                                                                          np.asarray(x) * (1 - rate), 0.0)),
            "divides the kept values by 1 - rate"),
        Row("REG 01.5 early_stopping_epochs counts epochs from 0",
            lambda: check_early_stopping(early_stopping_from_zero), "off-by-one"),
    ]


# --- NLP 01 ---

def nlp01_rows() -> list[Row]:
    """Natural Language Processing 01, Exercises 1.1 and 1.2 (the hidden cases of the notebook's check cells)."""
    import re
    from collections import Counter

    tie_hint = {lambda found, expected: isinstance(found, dict) and set(found) == set(expected) and found != expected:
                "the right tokens got other indices: order by count (most frequent first), and tokens with equal "
                "counts alphabetically."}

    def check_ties(build_vocabulary) -> None:  # Ex 1.2, hidden: equal counts first seen in non-alphabetical order
        check_function(build_vocabulary, [(([["zebra", "apple", "mango"], ["zebra", "mango", "apple"], ["kiwi"]], 10),
                                           {"<pad>": 0, "<unk>": 1, "apple": 2, "mango": 3, "zebra": 4, "kiwi": 5})],
                       name="build_vocabulary", hints=tie_hint)

    def most_common_order(tokenized_texts, max_size, min_count=1):
        counts = Counter(token for tokens in tokenized_texts for token in tokens)
        vocabulary = {"<pad>": 0, "<unk>": 1}
        for token, count in counts.most_common():
            if count >= min_count and len(vocabulary) < max_size:
                vocabulary[token] = len(vocabulary)
        return vocabulary

    def same_tokens(found, expected):  # Ex 1.1's comparison: says where two token lists first differ
        if found == expected:
            return True
        i = next((k for k, (f, e) in enumerate(zip(found, expected)) if f != e), min(len(found), len(expected)))
        raise AssertionError(f"the tokens first differ at position {i}: expected {expected[i:i + 3]} ..., "
                             f"found {found[i:i + 3]} ... (expected {len(expected)} tokens, found {len(found)}).")

    def ascii_tokenize(text):  # Ex 1.1 with [a-z0-9] in place of "letter or digit"
        return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*|[^\w\s]|_", re.sub(r"<br\s*/?>", " ", text, flags=re.I).lower())

    return [
        Row("NLP 01.2 build_vocabulary breaks ties by first appearance (Counter.most_common)",
            lambda: check_ties(most_common_order), "tokens with equal counts alphabetically"),
        Row("NLP 01.1 tokenize that knows only ASCII letters: where the tokens differ, not an off-by-one",
            lambda: check_function(ascii_tokenize, [(("Amélie's CAFÉ—well-made_film #1",),
                                                     ["amélie's", "café", "—", "well", "-", "made", "_", "film", "#",
                                                      "1"])], name="tokenize", compare=same_tokens),
            "the tokens first differ at position 0", absent=("off-by-one",)),
    ]


# --- NLP 02 ---

def nlp02_rows() -> list[Row]:
    """NLP 02, Exercises 2.1 and 2.2 (the visible checks, on a few handwritten reviews instead of IMDB's)."""
    import keras
    from keras import layers

    texts = ["A great film, not bad at all.", "Not good. A waste of time.", "Great acting, great story!",
             "The plot was bad and the acting was worse.", "Not bad, not great either."]

    def summary(make_vectorizer, max_tokens):  # Ex 2.1: what the check cell's _vectorizer_summary compares
        vectorizer = make_vectorizer(texts, max_tokens, 2, "multi_hot")
        vocabulary = vectorizer.get_vocabulary()
        vectors = keras.ops.convert_to_numpy(vectorizer(texts[:3]))
        return {"vocabulary size": len(vocabulary), "index 0": vocabulary[0],
                "has bigrams": any(" " in token for token in vocabulary),
                "output shape": vectors.shape, "output values are 0 or 1": bool(np.isin(vectors, [0, 1]).all())}

    def counting_vectorizer(texts, max_tokens, ngrams, output_mode):  # output_mode="count" instead of the argument
        vectorizer = layers.TextVectorization(max_tokens=max_tokens, ngrams=ngrams, output_mode="count")
        vectorizer.adapt(texts)
        return vectorizer

    def classifier(activation="sigmoid", loss="binary_crossentropy"):  # Ex 2.2: build_dense_classifier(500)
        inputs = keras.Input(shape=(500,))
        x = layers.Dropout(0.5)(layers.Dense(16, activation="relu")(inputs))
        model = keras.Model(inputs, layers.Dense(1, activation=activation)(x))
        model.compile(optimizer="rmsprop", loss=loss, metrics=["accuracy"])
        return model

    spec = [("Dense", {"units": 16, "activation": "relu"}), ("Dropout", {"rate": 0.5}),
            ("Dense", {"units": 1, "activation": "sigmoid"})]
    expected = {"vocabulary size": 20, "index 0": "[UNK]", "has bigrams": True, "output shape": (3, 20),
                "output values are 0 or 1": True}
    return [
        Row("NLP 02.1 make_vectorizer with output_mode='count' (no cause the evidence shows)",
            lambda: check_function(lambda: summary(counting_vectorizer, 20), [((), expected)],
                                   name="make_vectorizer(5 reviews, max_tokens=20, ngrams=2, 'multi_hot')"), None),
        Row("NLP 02.2 a softmax on the single output unit of the classifier",
            lambda: check_model(classifier("softmax"), layers=spec, input_shape=(500,), output_shape=(1,),
                                loss="binary_crossentropy", optimizer="rmsprop"),
            "use activation='sigmoid' for a single output unit"),
        Row("NLP 02.2 sparse_categorical_crossentropy with one sigmoid output unit",
            lambda: check_model(classifier(loss="sparse_categorical_crossentropy"), layers=spec, input_shape=(500,),
                                output_shape=(1,), loss="binary_crossentropy", optimizer="rmsprop"),
            "two classes with one sigmoid output unit need loss='binary_crossentropy'"),
    ]


# --- NLP 03 ---

def nlp03_rows() -> list[Row]:
    """Natural Language Processing 03, Exercises 3.1 to 3.3 (small tables like the hidden cases: no GloVe needed)."""
    toy_words = ["a", "b", "c", "zero", "d"]
    toy_vectors = np.array([[1.0, 0.0], [10.0, 1.0], [0.6, 0.8], [0.0, 0.0], [-1.0, 0.1]])

    def not_cosine(found, expected):  # the hint of the notebook's check: a similarity outside [-1, 1]
        try:
            return any(abs(float(s)) > 1 + 1e-6 for _, s in found)
        except (TypeError, ValueError):
            return False

    def check_neighbours(nearest_neighbours) -> None:  # Ex 3.1 on a small table (vectors of different lengths)
        check_function(nearest_neighbours, [(("a", toy_words, toy_vectors, 4),
                                             [("b", 10 / np.sqrt(101)), ("c", 0.6), ("zero", 0.0),
                                              ("d", -1 / np.sqrt(1.01))])], atol=1e-6,
                       hints={not_cosine: "a cosine similarity lies between -1 and 1: divide each vector by its "
                                          "length before the dot product."})

    def dot_product_neighbours(word, words, vectors, k=5):  # raw dot products: long vectors win
        index = words.index(word)
        similarities = vectors @ vectors[index]
        similarities[index] = -np.inf
        return [(words[i], float(similarities[i])) for i in np.argsort(-similarities)[:k]]

    def check_skipgrams(skipgram_pairs) -> None:  # Ex 3.2, the visible cases
        check_function(skipgram_pairs, [
            (([5, 6, 7], 1), np.array([[5, 6], [6, 5], [6, 7], [7, 6]])),
            (([10, 11, 12, 13, 14], 2), np.array([[10, 11], [10, 12], [11, 10], [11, 12], [11, 13], [12, 10],
                                                  [12, 11], [12, 13], [12, 14], [13, 11], [13, 12], [13, 14],
                                                  [14, 12], [14, 13]]))])

    def window_one_short(sequence, window):  # range(i - window, i + window): the last context position is missed
        pairs = [(sequence[i], sequence[j]) for i in range(len(sequence))
                 for j in range(max(0, i - window), min(len(sequence), i + window)) if j != i]
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    def check_glove_matrix(glove_matrix) -> None:  # Ex 3.3, the hidden case with a word the table lacks
        check_function(glove_matrix, [((["", "[UNK]", "c", "zzz", "a"], ["a", "b", "c"], np.arange(1.0, 10.0).reshape(3, 3)),
                                       np.array([[0, 0, 0], [0, 0, 0], [7, 8, 9], [0, 0, 0], [1, 2, 3]], dtype="float32"))])

    def glove_rows_in_table_order(vocabulary, words, vectors):  # the pretrained table's first rows, not looked up
        matrix = np.zeros((len(vocabulary), np.shape(vectors)[1]), dtype=np.float32)
        matrix[2:] = np.asarray(vectors)[: len(vocabulary) - 2] if len(vocabulary) - 2 <= len(vectors) else 0
        return matrix

    return [
        Row("NLP 03.1 nearest_neighbours by raw dot products, not cosine similarities",
            lambda: check_neighbours(dot_product_neighbours), "divide each vector by its length"),
        Row("NLP 03.2 skipgram_pairs misses the last position of the window (no cause the evidence shows)",
            lambda: check_skipgrams(window_one_short), None),
        Row("NLP 03.3 glove_matrix copies the table's rows in order instead of looking the words up",
            lambda: check_glove_matrix(glove_rows_in_table_order), None),
    ]


# --- NLP 04 ---
def nlp04_rows() -> list[Row]:
    """NLP 04, Exercises 4.1 and 4.3 (the visible checks; the SimpleRNN reference equals Keras's SimpleRNN)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6, 3))
    W, U, b = rng.normal(scale=0.6, size=(3, 5)), rng.normal(scale=0.4, size=(5, 5)), rng.normal(scale=0.1, size=5)

    def reference(x, W, U, b):
        h = np.zeros((x.shape[0], U.shape[0]))
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t] @ W + h @ U + b)
        return h

    def check_rnn(simple_rnn_forward) -> None:  # Ex 4.1
        check_function(simple_rnn_forward, [{"args": (x, W, U, b), "kwargs": {"return_sequences": False},
                                             "expected": reference(x, W, U, b)}], rtol=1e-4, atol=1e-5,
                       name="simple_rnn_forward (4 sequences, 6 steps, 3 features, 5 units)")

    def no_tanh(x, W, U, b, return_sequences=False):
        h = np.zeros((x.shape[0], U.shape[0]))
        for t in range(x.shape[1]):
            h = x[:, t] @ W + h @ U + b
        return h

    def first_state(x, W, U, b, return_sequences=False):  # returns h_1: the loop's `return` one level too deep
        h = np.zeros((x.shape[0], U.shape[0]))
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t] @ W + h @ U + b)
            return h

    def check_memory_span(memory_span) -> None:  # Ex 4.3
        check_function(memory_span, [((np.array([0.4, 0.001, 0.5, 0.02, 0.3, 1.0]), 0.05), 2),
                                     ((np.array([1e-6, 1e-4, 0.02, 0.5, 1.0]),), 3)], name="memory_span")

    def count_all_above(norms, fraction=0.01):  # counts every step above the threshold, not only the last run
        norms = np.asarray(norms, dtype=float)
        return int(np.sum(norms >= fraction * norms.max()))

    return [
        Row("NLP 04.1 simple_rnn_forward without the tanh", lambda: check_rnn(no_tanh), None),
        Row("NLP 04.1 simple_rnn_forward returns inside the loop (the first state)",
            lambda: check_rnn(first_state), None),
        Row("NLP 04.3 memory_span counts every step above the threshold",
            lambda: check_memory_span(count_all_above), None),
    ]


# --- NLP 05 ---


def nlp05_rows() -> list[Row]:
    """NLP 05, Exercises 5.1 and 5.2 (the visible checks; the expected values as Keras's MultiHeadAttention gives them)."""
    rng = np.random.default_rng(5)
    q, k, v = (rng.normal(size=(n, 4)).astype("float32") for n in (3, 5, 5))

    def softmax_rows(scores):
        e = np.exp(scores - scores.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    unscaled = softmax_rows(q @ k.T)
    weights = softmax_rows(q @ k.T / 2.0)  # what MultiHeadAttention with identity projections gives

    def check_attention(scaled_dot_product_attention) -> None:  # Ex 5.1
        check_function(
            scaled_dot_product_attention, [((q, k, v), (weights @ v, weights))], atol=1e-5,
            name="scaled_dot_product_attention (one sequence, T=3, S=5, d_k=d_v=4)",
            hints={lambda found, expected: np.allclose(np.asarray(found[1], dtype=float), unscaled, atol=1e-4):
                   "your weights are the softmax of q k^T: the scores must be divided by sqrt(d_k) (= 2 here) first."})

    def check_positional_encoding(positional_encoding) -> None:  # Ex 5.2
        p = np.arange(4.0)
        check_function(positional_encoding, [((4, 2), np.stack([np.sin(p), np.cos(p)], axis=1))], atol=1e-6,
                       name="positional_encoding(4, 2): one pair, sin(p) and cos(p)",
                       hints={lambda found, expected: np.allclose(np.asarray(found)[0], [1.0, 0.0]):
                              "at position 0 your row is [1, 0]: the sine goes in the even columns, the cosine in "
                              "the odd ones."})

    def unscaled_attention(q, k, v, mask=None):
        w = softmax_rows(np.asarray(q) @ np.swapaxes(k, -1, -2))
        return w @ v, w

    def cosine_first(length, depth):
        angles = np.arange(length)[:, None] / 10000 ** (2 * np.arange(depth // 2)[None, :] / depth)
        out = np.zeros((length, depth))
        out[:, 0::2], out[:, 1::2] = np.cos(angles), np.sin(angles)
        return out

    return [
        Row("NLP 05.1 attention without dividing the scores by sqrt(d_k)", lambda: check_attention(unscaled_attention),
            "divided by sqrt(d_k)"),
        Row("NLP 05.2 positional encoding with the cosine in the even columns",
            lambda: check_positional_encoding(cosine_first), "the sine goes in the even columns"),
    ]


# --- GAN 01 ---

def gan01_rows() -> list[Row]:
    """GAN 01, Exercises 1.2 and 1.3 (the visible checks, copied from the notebook's check cells)."""

    def check_reconstruction_errors(reconstruction_errors) -> None:  # Ex 1.3
        check_function(reconstruction_errors,
                       [((np.array([[0.0, 0.5, 1.0, 1.0], [0.2, 0.2, 0.2, 0.2]]),
                          np.array([[0.0, 0.5, 0.0, 1.0], [0.2, 0.6, 0.2, 0.2]])), np.array([0.25, 0.04]))],
                       atol=1e-9, name="reconstruction_errors (2 flat images of 4 pixels)",
                       hints={lambda found, expected: np.shape(found) == np.shape(expected)
                              and np.allclose(found, 4 * np.asarray(expected)):
                              "the squared errors are summed over the 4 pixels of each image: take their mean"})

    def summed_errors(images, reconstructions):  # the sum over the 4 pixels, not their mean
        return ((np.asarray(images) - np.asarray(reconstructions)) ** 2).sum(axis=1)

    def batch_mean_errors(images, reconstructions):  # one number for the whole batch
        return np.mean((np.asarray(images) - np.asarray(reconstructions)) ** 2)

    def noise_case(images, noise_std, seed):
        expected = np.clip(images + np.random.default_rng(seed).normal(0.0, noise_std, size=images.shape), 0.0, 1.0)
        return ((images, noise_std, seed), expected.astype("float32"))

    def check_add_noise(add_noise) -> None:  # Ex 1.2
        check_function(add_noise, [noise_case(np.full((2, 4, 4), 0.5, dtype="float32"), 0.1, 0),
                                   noise_case(np.full((3, 28, 28, 1), 0.5, dtype="float32"), 0.05, 7)],
                       atol=1e-6, name="add_noise (mid-grey images, small noise)")

    def unseeded_noise(images, noise_std, seed):  # ignores the seed: other noise on every call
        noisy = images + np.random.default_rng().normal(0.0, noise_std, size=images.shape)
        return np.clip(noisy, 0.0, 1.0).astype("float32")

    return [
        Row("GAN 01.3 reconstruction_errors sums the squared errors over the pixels",
            lambda: check_reconstruction_errors(summed_errors), "summed over the 4 pixels"),
        Row("GAN 01.3 reconstruction_errors averages over the batch too (one number; no cause the evidence shows)",
            lambda: check_reconstruction_errors(batch_mean_errors), None),
        Row("GAN 01.2 add_noise ignores the seed (no cause the evidence shows)",
            lambda: check_add_noise(unseeded_noise), None),
    ]


# --- GAN 02 ---

def gan02_rows() -> list[Row]:
    """GAN 02, Exercises 2.1 and 2.2 (the visible checks, with the notebook's own hint for a forgotten factor 1/2)."""
    half_forgotten = {lambda found, expected: np.shape(found) == np.shape(expected)
                      and np.allclose(found, 2 * np.asarray(expected)) and np.any(np.asarray(expected) != 0):
                      "your values are twice the expected ones: the closed form has a factor -1/2 in front of the sum"}

    def check_kl(kl_divergence) -> None:  # Ex 2.2
        def kl(m, v):
            return np.asarray(kl_divergence(np.asarray(m, "float32"), np.asarray(v, "float32")))
        check_function(kl, [((np.zeros((2, 3)), np.zeros((2, 3))), np.zeros(2, "float32")),
                            ((np.array([[2.0]]), np.array([[0.0]])), np.array([2.0], "float32"))],
                       rtol=1e-5, atol=1e-6, name="kl_divergence", hints=half_forgotten)

    def kl_without_half(m, v):
        return -np.sum(1 + v - m ** 2 - np.exp(v), axis=-1)

    def kl_batch_mean(m, v):  # averaged over the batch too: one number instead of one per example
        return np.mean(-0.5 * np.sum(1 + v - m ** 2 - np.exp(v), axis=-1))

    def check_sample_latent(sample_latent) -> None:  # Ex 2.1 (the noise from keras.random.normal with the seed)
        import keras
        mean = np.array([[0.0, 1.0, -2.0], [0.5, 0.0, 3.0]], dtype="float32")
        noise = np.asarray(keras.random.normal((2, 3), seed=7))
        check_function(lambda m, v, s: np.asarray(sample_latent(m, v, s)),
                       [((mean, np.zeros((2, 3), "float32"), 7), mean + noise)], rtol=1e-5, atol=1e-6,
                       name="sample_latent(z_mean, z_log_var=0, seed=7)")

    def numpy_noise(z_mean, z_log_var, seed=None):  # NumPy's generator: other numbers than keras.random's
        return z_mean + np.exp(0.5 * z_log_var) * np.random.default_rng(seed).normal(size=np.shape(z_mean))

    return [
        Row("GAN 02.2 kl_divergence without the factor 1/2", lambda: check_kl(kl_without_half),
            "factor -1/2 in front of the sum"),
        Row("GAN 02.2 kl_divergence averaged over the batch (a scalar, not one value per example)",
            lambda: check_kl(kl_batch_mean), None),
        Row("GAN 02.1 sample_latent draws its noise with NumPy instead of keras.random.normal",
            lambda: check_sample_latent(numpy_noise), None),
    ]


# --- GAN 03 ---

def gan03_rows() -> list[Row]:
    """GAN 03, Exercise 3.1 (the visible checks of the two losses from logits)."""
    zeros = np.zeros((4, 1))
    real, fake = np.array([[2.0], [0.5]]), np.array([[-1.0], [0.0], [3.0]])

    def softplus(v):
        return np.logaddexp(0.0, np.asarray(v, dtype=float))

    def check_discriminator_loss(discriminator_loss) -> None:
        check_function(lambda r, f: float(discriminator_loss(r, f)),
                       [((zeros, zeros), np.log(4.0)), ((real, fake), 1.6521679)], rtol=1e-5,
                       name="discriminator_loss(real_logits, fake_logits)",
                       hints={lambda found, expected: np.isclose(found, expected / 2, rtol=1e-4):
                              "your value is half the expected one: add the two means (real part + fake part), do "
                              "not average them."})

    def check_generator_loss(generator_loss) -> None:
        check_function(lambda f: float(generator_loss(f)), [((zeros,), np.log(2.0))], rtol=1e-5,
                       name="generator_loss(fake_logits)",
                       hints={lambda found, expected: found < 0:
                              "your loss is negative: that is log(1 - D(G(z))), the saturating loss; the "
                              "non-saturating loss is -log D(G(z)), the cross-entropy of the fakes with label 1."})

    def averaged(r, f):
        return (np.mean(softplus(-r)) + np.mean(softplus(f))) / 2

    def swapped(r, f):
        return np.mean(softplus(r)) + np.mean(softplus(-f))

    return [
        Row("GAN 03.1 discriminator loss averaging the real and fake means",
            lambda: check_discriminator_loss(averaged), "add the two means"),
        Row("GAN 03.1 generator loss in the saturating form log(1 - D(G(z)))",
            lambda: check_generator_loss(lambda f: -np.mean(softplus(f))), "the saturating loss"),
        Row("GAN 03.1 discriminator loss with the labels swapped (no cause fits)",
            lambda: check_discriminator_loss(swapped), None),
    ]


# --- GAN 04 ---

def gan04_rows() -> list[Row]:
    """GAN 04, Exercise 4.3 (the visible check: the losses one train_step returns on tiny networks, with the
    notebook's hint for a discriminator loss off by a factor of 2)."""

    def one_step_losses(d_halved=False, g_target=1.0):
        """(d_loss, g_loss) of one alternating step on the notebook's tiny networks; the flags make the mistakes."""
        import keras
        import tensorflow as tf
        from keras import layers, ops

        rng = np.random.default_rng(1)
        z = keras.Input(shape=(3,))
        pixels = layers.Dense(16, activation="tanh")(layers.Lambda(lambda v: ops.zeros_like(v))(z))
        generator = keras.Model(z, layers.Reshape((4, 4, 1))(pixels))
        image = keras.Input(shape=(4, 4, 1))
        hidden = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(5)(layers.Flatten()(image)))
        discriminator = keras.Model(image, layers.Dense(1)(hidden))
        for model in (generator, discriminator):
            model.set_weights([rng.normal(scale=0.8, size=w.shape).astype("float32") for w in model.get_weights()])
        real = tf.constant(np.random.default_rng(4_300).uniform(-1, 1, size=(8, 4, 4, 1)), dtype="float32")
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        fake = generator(np.zeros((8, 3), "float32"))
        with tf.GradientTape() as tape:
            d_loss = (bce(np.full((8, 1), 0.9, "float32"), discriminator(real))
                      + bce(np.zeros((8, 1), "float32"), discriminator(fake)))
            if d_halved:  # the mean over the concatenated batch of 16: half of L_D
                d_loss = d_loss / 2
        keras.optimizers.SGD(0.5).apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_weights),
                                                      discriminator.trainable_weights))
        g_loss = bce(np.full((8, 1), g_target, "float32"), discriminator(generator(np.zeros((8, 3), "float32"))))
        return float(d_loss), float(g_loss)

    def check_losses(train_step_losses) -> None:  # Ex 4.3 (visible)
        check_function(train_step_losses, [((), one_step_losses())], rtol=1e-4, atol=1e-5,
                       name="(d_loss, g_loss) returned by train_step on one batch of 8 images",
                       hints={lambda found, expected: abs(found[0] - 2 * expected[0]) < 1e-3 * abs(expected[0]) + 1e-4
                              or abs(found[0] - expected[0] / 2) < 1e-3 * abs(expected[0]) + 1e-4:
                              "your d_loss is off by a factor of 2: L_D is the SUM of the mean loss on the real images "
                              "and the mean loss on the generated ones."})

    return [
        Row("GAN 04.3 d_loss as the mean over the concatenated real and generated batch (half of L_D)",
            lambda: check_losses(lambda: one_step_losses(d_halved=True)), "off by a factor of 2"),
        Row("GAN 04.3 generator loss with the target 0 for its images (no cause the evidence shows)",
            lambda: check_losses(lambda: one_step_losses(g_target=0.0)), None),
    ]


# --- GAN 05 ---

def gan05_rows() -> list[Row]:
    """GAN 05 (diffusion), Exercises 5.1 and 5.4 (the visible checks and their tied hints)."""

    def check_schedule(linear_beta_schedule) -> None:  # Ex 5.1
        check_function(
            linear_beta_schedule,
            [((4, 0.1, 0.4), (np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.9, 0.72, 0.504, 0.3024])))],
            rtol=1e-5, atol=1e-6, name="linear_beta_schedule(4, 0.1, 0.4) -> (betas, alpha_bars)",
            hints={
                lambda found, expected: np.isclose(float(np.asarray(found[1])[0]), 1.0):
                    "alpha_bars[0] should be 1 - betas[0]: the product starts with the first factor, not with an "
                    "empty product",
                lambda found, expected: np.allclose(np.asarray(found[1]), np.cumsum(1 - expected[0])):
                    "alpha_bars grows like a cumulative sum: it is a cumulative product (np.cumprod) of 1 - betas",
            },
        )

    def cumsum_schedule(T, beta_start=1e-4, beta_end=0.02):
        betas = np.linspace(beta_start, beta_end, T, dtype="float32")
        return betas, np.cumsum(1.0 - betas).astype("float32")

    def shifted_schedule(T, beta_start=1e-4, beta_end=0.02):  # alpha_bar_0 = 1: the product of no factors
        betas = np.linspace(beta_start, beta_end, T, dtype="float32")
        return betas, np.concatenate([[1.0], np.cumprod(1.0 - betas)[:-1]]).astype("float32")

    betas3 = np.array([0.1, 0.2, 0.3], dtype="float32")
    ab3 = np.cumprod(1 - betas3).astype("float32")
    rng = np.random.default_rng(7)
    xt, eps, z = (rng.normal(size=(2, 3)).astype("float32") for _ in range(3))
    mean = (xt - 0.3 / np.sqrt(1 - 0.504) * eps) / np.sqrt(0.7)

    def check_reverse_step(p_sample_step) -> None:  # Ex 5.4
        check_function(
            p_sample_step, [((xt, 2, eps, betas3, ab3, z), mean + np.sqrt((1 - 0.72) / (1 - 0.504) * 0.3) * z)],
            rtol=1e-4, atol=1e-5, name="p_sample_step at t = 2 of a 3-step schedule",
            hints={lambda found, expected: np.allclose(np.asarray(found), mean + np.sqrt(0.3) * z, atol=1e-4):
                   "the noise's standard deviation looks like sqrt(beta_t): this exercise asks for sigma_t^2 = "
                   "(1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * beta_t",
                   lambda found, expected: np.allclose(np.asarray(found), (xt - 0.3 / np.sqrt(1 - 0.504) * eps)
                                                       / np.sqrt(0.504) + (np.asarray(expected) - mean), atol=1e-4):
                   "the mean looks divided by sqrt(alpha_bar_t): the reverse step divides by sqrt(alpha_t) = "
                   "sqrt(1 - beta_t)"})

    def beta_variance(x_t, t, predicted_noise, betas, alpha_bars, noise):
        m = (x_t - betas[t] / np.sqrt(1 - alpha_bars[t]) * predicted_noise) / np.sqrt(1 - betas[t])
        return m if t == 0 else m + np.sqrt(betas[t]) * noise

    def plain_reverse(x_t, t, predicted_noise, betas, alpha_bars, noise):  # no noise at all: no named cause
        return (x_t - betas[t] / np.sqrt(1 - alpha_bars[t]) * predicted_noise) / np.sqrt(1 - betas[t])

    return [
        Row("GAN 05.1 alpha_bars as a cumulative sum", lambda: check_schedule(cumsum_schedule),
            "cumulative product"),
        Row("GAN 05.1 alpha_bars shifted by one step (alpha_bar_0 = 1)", lambda: check_schedule(shifted_schedule),
            "should be 1 - betas[0]", absent=("cumulative sum",)),
        Row("GAN 05.4 reverse step with variance beta_t", lambda: check_reverse_step(beta_variance),
            "looks like sqrt(beta_t)", absent=("alpha_bar_t): the reverse",)),
        Row("GAN 05.4 reverse step without the noise", lambda: check_reverse_step(plain_reverse), None,
            absent=("sqrt(beta_t)", "divided by sqrt(alpha_bar_t)")),
    ]


ROWS = [
    # ---- the four wrong hints observed in issue 8 ----
    Row("ANN3.2 rmse without the square root", lambda: check_rmse(lambda y_true, y_pred: float(
        np.mean((np.ravel(y_true) - np.ravel(y_pred)) ** 2))), "forget the square root",
        absent=("divide by n", "n = 3")),
    Row("GBL3.1 binary cross-entropy summed over 2 samples", lambda: check_bce(lambda y_true, y_prob, eps=1e-7: -np.sum(
        y_true * np.log(np.clip(y_prob, eps, 1 - eps)) + (1 - y_true) * np.log(1 - np.clip(y_prob, eps, 1 - eps)))),
        "this case has n = 2 values: did you take a sum where a mean was needed", absent=("1/2", "(y_pred - y)**2")),
    Row("CNN1.2 flipped kernel, checked with check_array (a Sobel-like kernel)",
        lambda: check_array("conv2d(image, kernel)", FLIPPED_CONV2D(IMAGE, SOBEL_LIKE),
                            correlate2d(IMAGE, SOBEL_LIKE, mode="valid")),
        "flipping the kernel", absent=("gradient",)),
    Row("CNN1.2 flipped kernel, checked with check_function (called again with the kernel rotated)",
        lambda: check_function(FLIPPED_CONV2D, [((IMAGE, SOBEL_LIKE), correlate2d(IMAGE, SOBEL_LIKE, mode="valid"))]),
        "with `kernel` rotated by 180 degrees", absent=("gradient",)),
    Row("CNN1.2 flipped random kernel in a hidden case: no pattern in the values",
        lambda: check_array("conv2d on a (9, 7) image, (2, 3) kernel", FLIPPED_CONV2D(
            np.random.default_rng(7).normal(size=(9, 7)), np.arange(6.0).reshape(2, 3)),
            correlate2d(np.random.default_rng(7).normal(size=(9, 7)), np.arange(6.0).reshape(2, 3), mode="valid")),
        None, absent=("gradient",)),
    Row("CoML1.4 ddof=1 with the correct axis", lambda: check_standardized_column_stats(
        lambda X: (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)), "dividing by n = 4 and by n - 1 = 3",
        absent=("each row", "axis=0")),
    Row("CoML1.4 ddof=1 on the hidden (20, 4) case", lambda: check_standardize_hidden(
        lambda X: (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)), "n = 20 and by n - 1 = 19"),
    # ---- sum vs mean, square roots, ddof ----
    Row("CoML1.1 sample standard deviation (n - 1)", lambda: check_mean_and_std(mean_and_std_ddof),
        "dividing by n = 4 and by n - 1 = 3"),
    Row("CoML3.1 squared_error as a sum", lambda: check_squared_error(
        lambda y, y_pred: float(np.sum((np.ravel(y) - np.ravel(y_pred)) ** 2))), "this case has n = 3 values"),
    Row("CoML3.2 zero_one_loss counts instead of a fraction", lambda: check_zero_one_loss(
        lambda y, y_pred: float(np.sum(np.ravel(y) != np.ravel(y_pred)))), "this case has n = 4 values"),
    Row("CNN1.1 conv_step takes the mean", lambda: check_conv_step(
        lambda patch, kernel, bias=0.0: float(np.mean(patch * kernel) + bias)), "divide by n where a sum was needed"),
    Row("ANN3.2 rmse with a sum under the root", lambda: check_rmse(lambda y_true, y_pred: float(
        np.sqrt(np.sum((np.ravel(y_true) - np.ravel(y_pred)) ** 2)))), "sum where a mean was needed under the square"),
    Row("CoML1.6 squared distances (no square root)", lambda: check_pairwise_distances(
        lambda A, B: ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)), "forget the square root"),
    # ---- integer division ----
    Row("CoML1.1 mean with // in plain Python", lambda: check_mean_and_std(mean_and_std_int_division),
        "integer division"),
    Row("CoML3.2 zero_one_loss with //", lambda: check_zero_one_loss(
        lambda y, y_pred: np.sum(np.ravel(y) != np.ravel(y_pred)) // len(np.ravel(y))), "integer division"),
    Row("CNN1.4 conv_output_size with / (a float where an int is expected)", lambda: check_conv_output_size(
        lambda n, kernel_size, padding=0, stride=1: (n + 2 * padding - kernel_size) / stride + 1), None),
    # ---- shapes: keepdims, transposes, extra axes, broadcasts ----
    Row("ANN1.5 tiny_forward squeezed to (m,) (keepdims)", lambda: check_tiny_forward(
        lambda X, W1, b1, W2, b2: (relu(X @ W1 + b1) @ W2 + b2).ravel()), "keepdims=True"),
    Row("CoML1.2 design matrix built as rows (transposed)", lambda: check_make_design_matrix(
        lambda x: np.vstack([np.ones(len(x)), x])), "looks transposed"),
    Row("CoML1.6 distances from B to A (transposed)", lambda: check_pairwise_distances(
        lambda A, B: np.linalg.norm(B[:, None, :] - A[None, :, :], axis=-1)), "looks transposed"),
    Row("CoML1.3 labels kept as a column (n, 1)", lambda: check_split_features_labels(
        lambda data: (data[:, :-1].copy(), data[:, -1:].copy())), "extra axis of length 1"),
    Row("ANN1.3 softmax without keepdims on a square batch: silently wrong values", lambda: check_softmax(
        lambda z: np.exp(np.asarray(z, float) - np.max(z, axis=-1)) / np.exp(
            np.asarray(z, float) - np.max(z, axis=-1)).sum(axis=-1)), None),
    Row("ANN3.2 rmse without ravel: an (m, m) broadcast inside the mean", lambda: check_rmse(
        lambda y_true, y_pred: float(np.sqrt(np.mean((y_true - y_pred) ** 2)))), None),
    Row("CoML3.1 squared_error without ravel", lambda: check_squared_error(
        lambda y, y_pred: float(np.mean((np.asarray(y, float) - np.asarray(y_pred, float)) ** 2))), None),
    # ---- signs and factors in gradient exercises ----
    Row("GBL1.1 mse_gradient with y - y_pred", lambda: check_function(
        lambda x, y, w, b: (2 * np.mean((y - (w * x + b)) * x), 2 * np.mean(y - (w * x + b))),
        gbl_mse_gradient_cases(), name="mse_gradient"), "opposite sign, in a gradient exercise"),
    Row("GBL1.1 mse_gradient without the factor 2", lambda: check_function(
        lambda x, y, w, b: (np.mean((w * x + b - y) * x), np.mean(w * x + b - y)),
        gbl_mse_gradient_cases(), name="mse_gradient"), "forget the 2 that differentiating a square"),
    Row("GBL1.1 mse_gradient with a sum", lambda: check_function(
        lambda x, y, w, b: (2 * np.sum((w * x + b - y) * x), 2 * np.sum(w * x + b - y)),
        gbl_mse_gradient_cases(), name="mse_gradient"), "this case has n = 3 values"),
    Row("GBL1.2 gradient_step climbs (w + lr * grad)", lambda: check_function(
        lambda x, y, w, b, learning_rate: (w + learning_rate * 2 * np.mean((w * x + b - y) * x),
                                           b + learning_rate * 2 * np.mean(w * x + b - y)),
        [((X_HAND, Y_HAND, 0.0, 0.0, 0.1), (56 / 30, 0.8)), ((X_HAND, Y_HAND, 0.3, -0.2, 0.0), (0.3, -0.2))],
        name="gradient_step"), "a gradient-descent step subtracts the gradient"),
    Row("GBL3.2 one-sided difference: off by the same amount, no cause", lambda: check_numerical_gradient(
        lambda f, x, eps=1e-6: np.array([(f(x + eps * e) - f(x)) / eps for e in np.eye(len(x))])), None),
    Row("CoML1.6 sign of a distance flipped outside a gradient exercise", lambda: check_array(
        "pairwise_distances(A_points, B_points)", -np.array([[0.0, 4.0, 3.0], [5.0, 3.0, 4.0]]),
        np.array([[0.0, 4.0, 3.0], [5.0, 3.0, 4.0]])), None, absent=("gradient",)),
    # ---- off-by-one ----
    Row("CNN3.2 best_epoch 0-based", lambda: check_best_epoch(lambda history: int(np.argmin(history["val_loss"]))),
        "off-by-one"),
    Row("CNN1.4 conv_output_size without + 1", lambda: check_conv_output_size(
        lambda n, kernel_size, padding=0, stride=1: (n + 2 * padding - kernel_size) // stride), "off-by-one"),
    Row("GBL1.3 losses without the starting loss", lambda: check_function(
        notebook("""
def gradient_descent(x, y, learning_rate, n_steps, w0=0.0, b0=0.0):
    w, b, losses = w0, b0, []
    for _ in range(n_steps):
        r = w * x + b - y
        w, b = w - learning_rate * 2 * np.mean(r * x), b - learning_rate * 2 * np.mean(r)
        losses.append(mse_loss(x, y, w, b))
    return w, b, np.array(losses)
""", mse_loss=mse_loss)["gradient_descent"],
        [((X_HAND, Y_HAND, 0.1, 0, 0.5, -0.5), (0.5, -0.5, np.array([mse_loss(X_HAND, Y_HAND, 0.5, -0.5)])))]),
        "one too few"),
    Row("CNN2.3 most_confused returns (predicted, true)", lambda: check_most_confused(
        lambda cm: tuple(int(i) for i in np.unravel_index(np.argmax(np.array(cm) - 10**9 * np.eye(len(cm))),
                                                          np.shape(cm)))[::-1]), "reverse order",
        absent=("off-by-one",)),
    # ---- returning None, NaN and inf ----
    Row("CoML1.1 no return", lambda: check_mean_and_std(mean_and_std_no_return), "did you forget `return`"),
    Row("ANN1.3 softmax without subtracting the maximum (overflow)", lambda: check_softmax(
        lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)), "contains NaN"),
    Row("GBL3.1 binary cross-entropy without clipping", lambda: check_bce(
        lambda y_true, y_prob, eps=1e-7: -np.mean(y_true * np.log(y_prob) + (1 - y_true) * np.log(1 - y_prob))),
        "contains inf"),
    # ---- wrong activation or loss in NumPy: no pattern, no cause ----
    Row("ANN1.1 neuron with tanh (wrong activation)", lambda: check_neuron(
        lambda X, w, b: np.tanh(X @ w + b)), None),
    Row("ANN1.1 sigmoid with exp(z) (wrong sign inside)", lambda: check_sigmoid(
        lambda z: 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))), None),
    Row("CoML3.1 absolute_error computes the squared error (wrong loss)", lambda: check_absolute_error(
        lambda y, y_pred: float(np.mean((np.ravel(y) - np.ravel(y_pred)) ** 2))), None),
    Row("CoML3.2 logistic loss with log10 (wrong loss)", lambda: check_logistic_loss(
        lambda y, p, eps=1e-12: float(np.mean(-(np.ravel(y) * np.log10(np.clip(np.ravel(p), eps, 1 - eps)) + (
            1 - np.ravel(y)) * np.log10(1 - np.clip(np.ravel(p), eps, 1 - eps)))))), None),
    Row("CNN1.1 conv_step forgets the bias", lambda: check_conv_step(
        lambda patch, kernel, bias=0.0: float(np.sum(patch * kernel))), None),
    Row("CNN1.5 dense_params forgets the biases", lambda: check_value(
        "dense_params(784, 512)", 784 * 512, 401_920), None),
    # ---- notebook variables (globals) instead of the function's parameters ----
    Row("CoML1.4 standardize_columns reads X_small", lambda: check_standardize_hidden(notebook(
        "def standardize_columns(X):\n    return (X_small - X_small.mean(axis=0)) / X_small.std(axis=0)\n",
        X_small=X_SMALL)["standardize_columns"]), "reads `X_small` instead of its parameter `X`",
        absent=("transposed", "reshape", "keepdims")),
    Row("ANN1.5 tiny_forward reads X_tiny", lambda: check_tiny_forward(notebook(
        "def tiny_forward(X, W1, b1, W2, b2):\n    return relu(X_tiny @ W1 + b1) @ W2 + b2\n",
        X_tiny=X_TINY, relu=relu)["tiny_forward"]), "reads `X_tiny` instead of its parameter `X`",
        absent=("one too few", "off-by-one")),
    Row("GBL1.2 gradient_step uses x_hand and y_hand", lambda: check_gradient_step_hidden(notebook(
        "def gradient_step(x, y, w, b, learning_rate):\n"
        "    r = w * x_hand + b - y_hand\n"
        "    return w - learning_rate * 2 * np.mean(r * x_hand), b - learning_rate * 2 * np.mean(r)\n",
        x_hand=X_HAND, y_hand=Y_HAND)["gradient_step"]), "instead of its parameter",
        absent=("opposite sign", "factor 2", "this case has n")),
    Row("CoML3.1 squared_error ignores y_pred (uses a fixed prediction)", lambda: check_squared_error(notebook(
        "def squared_error(y, y_pred):\n    return float(np.mean((np.ravel(y) - np.ravel(y_val_pred)[:np.size(y)]) ** 2))\n",
        y_val_pred=np.array([1.0, 2.0, 5.0]))["squared_error"]), "instead of its parameter `y_pred`"),
    Row("CNN1.4 conv_output_size ignores padding and stride", lambda: check_conv_output_size(
        lambda n, kernel_size, padding=0, stride=1: n - kernel_size + 1), "does not use (all of) its parameters",
        absent=("off-by-one",)),
    # ---- GBL 04: back-propagation by hand ----
    Row("GBL4.2 softmax cross-entropy gradient without the 1/n", lambda: check_softmax_ce_grad(
        lambda Z2, y: softmax_rows(Z2) - np.eye(Z2.shape[1])[y]), "this case has n = 3 values"),
    Row("GBL4.2 softmax cross-entropy gradient Y - P (sign flipped)", lambda: check_softmax_ce_grad(
        lambda Z2, y: (np.eye(Z2.shape[1])[y] - softmax_rows(Z2)) / len(y)), "opposite sign, in a gradient exercise"),
    Row("GBL4.2 softmax without subtracting the maximum (overflow)", lambda: check_softmax_ce_grad(
        lambda Z2, y: (np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True) - np.eye(Z2.shape[1])[y]) / len(y)),
        "contains NaN"),
    Row("GBL4.3 backward forgets the ReLU mask: no pattern, no cause", lambda: check_backward(backward_without_mask),
        None),
    Row("GBL4.3 backward with dZ.T @ X (transposed weight gradients)", lambda: check_backward(backward_transposed),
        "looks transposed"),
    Row("GBL4.3 backward takes the mean over the batch for the biases (dZ2 already has the 1/n)",
        lambda: check_backward(backward_mean_biases), "n = 6 values: did you divide by n where a sum was needed"),
    # ---- CNN 04: modern convnet patterns ----
    Row("CNN4.1 conv2d_multi with each kernel flipped (4-D kernels: no pattern the evidence shows)",
        lambda: check_conv2d_multi(lambda x, kernels, bias: conv2d_multi_reference(x, kernels[::-1, ::-1], bias)),
        None, absent=("gradient",)),
    Row("CNN4.2 receptive_field starts from 0 instead of 1 pixel", lambda: check_receptive_field(
        notebook("""
def receptive_field(stack):
    field, jump = 0, 1
    for kernel_size, stride in stack:
        field += (kernel_size - 1) * jump
        jump *= stride
    return field
""")["receptive_field"]), "off-by-one"),
    Row("CNN4.3 conv_cost without the biases", lambda: check_conv_cost(
        lambda kind, k, c_in, c_out, h_out, w_out: (
            (k * k * c_in * c_out if kind == "standard" else k * k * c_in + c_in * c_out),
            (k * k * c_in * c_out if kind == "standard" else k * k * c_in + c_in * c_out) * h_out * w_out)),
        None, absent=("off-by-one",)),
    Row("CNN4.6 precision and recall swapped (row sums for precision)", lambda: check_precision_recall(
        notebook("""
def precision_recall_from_confusion(cm):
    cm = np.asarray(cm, dtype=float)
    precision, recall = np.diag(cm) / cm.sum(axis=1), np.diag(cm) / cm.sum(axis=0)
    return precision, recall, 2 * precision * recall / (precision + recall)
""")["precision_recall_from_confusion"]), None),
    *keras_rows(),
    *tf_data_rows(),
    *augmentation_rows(),
    *transfer_rows(),
    *overfitting_rows(),
    *nlp02_rows(),
    *nlp04_rows(),
    *nlp03_rows(),
    *nlp05_rows(),
    *nlp01_rows(),
    *gan01_rows(),
    *gan02_rows(),
    *gan03_rows(),
    *gan04_rows(),
    *gan05_rows(),
    *gbl05_rows(),
]

# A distinctive piece of every cause's text: none may appear in a message whose row names no cause.
CAUSE_MARKERS = {
    key: max(re.split(r"\{[^}]*\}", text), key=len).strip() for key, text in CAUSES.items()
}


def test_the_table_is_large_and_covers_every_topic():
    assert len(ROWS) >= 30
    assert len({row.id for row in ROWS}) == len(ROWS)
    topics = {row.id.split(" ")[0].rstrip("0123456789.") for row in ROWS}
    assert topics >= {"CoML", "ANN", "GBL", "CNN"}
    assert any(row.cause is None for row in ROWS) and sum(row.cause is not None for row in ROWS) >= 20
    assert all(len(marker) >= 15 for marker in CAUSE_MARKERS.values()), CAUSE_MARKERS


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_the_hint_names_the_actual_cause_or_none(row: Row, capsys):
    with pytest.raises(CheckFailed) as info:
        row.check()
    err = info.value
    message = str(err)
    hint_lines = [line for line in message.splitlines() if line.startswith("  Hint: ")]
    if row.cause is None:
        assert err.causes == [], message
        assert not hint_lines, message
        assert "\n  Next step: " in message, message
        for key, marker in CAUSE_MARKERS.items():
            assert marker not in message, f"the cause {key!r} is named without evidence:\n{message}"
    else:
        assert any(row.cause in line for line in hint_lines), message
        assert "Next step:" not in message, message
    for text in row.absent:
        assert text not in message, message
