"""Wrong submissions for Convolutional-Neural-Nets/ that pass the visible checks and must fail the hidden tests."""

from . import Wrong, forget_saved


def _training_run(data: str, build: str, x: str, y: str, full: int, quick: int) -> str:
    """A training cell of notebook 02 as a student would write it (data is "mnist" or "fashion")."""
    epochs = f"{data.upper()}_EPOCHS"
    return f"""
{epochs} = dlcourse.pick(full={full}, quick={quick})


def train_{data}_convnet():
    model = compile_classifier({build}(), {epochs}, len({x}))
    model.fit({x}, {y}, epochs={epochs}, batch_size=BATCH_SIZE, validation_split=0.1, verbose=2)
    return model


start = time.perf_counter()
{data}_model = checks.train_or_load("{data}_convnet.keras", train_{data}_convnet)
{data}_seconds = time.perf_counter() - start
"""


def _modern_training_run(build: str, x: str, y: str) -> str:
    """The training cell of notebook 04 (Exercise 4.5) as a student would write it."""
    return f"""
MODERN_EPOCHS = dlcourse.pick(full=8, quick=1)


def train_modern_convnet():
    model = compile_classifier({build}(), MODERN_EPOCHS, len({x}))
    model.fit({x}, {y}, epochs=MODERN_EPOCHS, batch_size=BATCH_SIZE, validation_split=0.1, verbose=2)
    return model


modern_path = "fashion_modern.keras"
modern_trained_here = True
start = time.perf_counter()
modern_model = checks.train_or_load(modern_path, train_modern_convnet)
modern_seconds = time.perf_counter() - start
"""


WRONG = {
    ("01_convolution_and_pooling.ipynb", "ex1_1_check"): Wrong(
        source='''
def conv_step(patch, kernel, bias=0.0):
    total = bias
    for i in range(patch.shape[0]):  # rows and columns only: right for 2-D patches
        for j in range(patch.shape[1]):
            total += patch[i, j] * kernel[i, j]
    return float(total)
''',
        why="loops over rows and columns only, so a colour (3-D) patch is not summed over its channels",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_2_check"): Wrong(
        source='''
def conv2d(image, kernel, stride=1, padding=0):
    image = np.pad(np.asarray(image, dtype=float), padding)
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh + 1) // stride  # not the output-size formula: off by one for some strides
    out_w = (image.shape[1] - kw + 1) // stride
    out = np.zeros((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = conv_step(image[r * stride:r * stride + kh, c * stride:c * stride + kw], kernel)
    return out
''',
        why="computes the output size as (n - k + 1) // stride, one position short for some sizes and strides",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_3_check"): Wrong(
        source='''
def sobel_edges(gray):
    gx = conv2d(gray, SOBEL_X, padding=1)
    gy = conv2d(gray, SOBEL_Y, padding=1)
    return np.clip(np.sqrt(gx**2 + gy**2), 0, 255)  # "keep it a valid pixel value"
''',
        why="clips the edge strength to the pixel range 0..255",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_4_check"): Wrong(
        source='''
def conv_output_size(n, kernel_size, padding=0, stride=1):
    return round((n + 2 * padding - kernel_size) / stride) + 1  # rounds instead of flooring
''',
        why="rounds (n + 2p - k) / s to the nearest integer instead of flooring it",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_5_check"): Wrong(
        source='''
def conv2d_params(kernel_size, in_channels, filters):
    return (kernel_size * kernel_size * in_channels + 1) * filters  # square kernels given as an int only


def dense_params(n_inputs, units):
    return (n_inputs + 1) * units
''',
        why="handles only a square kernel given as an int, not a (height, width) tuple",
    ),
    ("01_convolution_and_pooling.ipynb", "ex1_6_check"): Wrong(
        source='''
def max_pool2d(x, pool_size=2, stride=None):
    x = np.asarray(x, dtype=float)  # the stride argument is ignored: windows never overlap
    out_h, out_w = x.shape[0] // pool_size, x.shape[1] // pool_size
    out = np.empty((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = x[r * pool_size:(r + 1) * pool_size, c * pool_size:(c + 1) * pool_size].max()
    return out
''',
        why="ignores the stride argument (always steps by pool_size)",
    ),
    ("02_convnet_classifier.ipynb", "ex2_1_check"): Wrong(
        source='''
def build_mnist_convnet():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", padding="same", name="conv1")(inputs)  # "same", not "valid"
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Conv2D(128, 3, activation="relu", padding="same", name="conv3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mnist_convnet")
''',
        why="padding \"same\" in the convolutions: 7x7x128 features reach the dense layer instead of 3x3x128",
    ),
    ("02_convnet_classifier.ipynb", "ex2_2_check"): Wrong(
        setup=forget_saved("mnist_convnet"),
        source=_training_run("mnist", "build_mnist_convnet", "x_test", "y_test", full=6, quick=2),  # the test images
        why="trains on the test images (x_test, y_test), which the check then evaluates it on",
    ),
    ("02_convnet_classifier.ipynb", "ex2_3_check"): Wrong(
        source='''
def most_confused(cm):
    off_diagonal = np.array(cm, dtype=float)
    np.fill_diagonal(off_diagonal, 0)  # 0 is still a candidate: a diagonal pair can win
    true_class, predicted_class = np.unravel_index(np.argmax(off_diagonal), off_diagonal.shape)
    return int(true_class), int(predicted_class)
''',
        why="sets the diagonal to 0 instead of excluding it, so a matrix without mistakes gives a diagonal pair",
    ),
    ("02_convnet_classifier.ipynb", "ex2_4_check"): Wrong(
        source='''
def build_fashion_convnet():
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for i, filters in enumerate([32, 64], start=1):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(axis=1, name=f"bn{i}")(x)  # normalises along the rows, not the channels
        x = layers.Activation("relu", name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.Conv2D(128, 3, use_bias=False, name="conv3")(x)
    x = layers.BatchNormalization(axis=1, name="bn3")(x)
    x = layers.Activation("relu", name="relu3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="fashion_convnet")
''',
        why="batch normalisation along axis 1 (image rows, channels-first habit) instead of the channel axis",
    ),
    ("02_convnet_classifier.ipynb", "ex2_5_check"): Wrong(
        setup=forget_saved("fashion_convnet"),
        source=_training_run("fashion", "build_mnist_convnet", "f_x_train", "f_y_train", full=10, quick=1),  # MNIST's net
        why="trains the MNIST convnet of Exercise 2.1 (no batch normalisation) instead of build_fashion_convnet()",
    ),
    ("03_cats_vs_dogs_from_scratch.ipynb", "ex3_1_check"): Wrong(
        source='''
def build_cats_dogs_convnet(image_size):
    inputs = keras.Input(shape=(96, 96, 3))  # the size of the example, not the image_size argument
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for i, filters in enumerate([32, 64, 128, 256], start=1):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="dog_probability")(x)
    return keras.Model(inputs, outputs, name="cats_dogs_convnet")
''',
        why="hard-codes the input shape (96, 96, 3) instead of using the image_size argument",
    ),
    ("03_cats_vs_dogs_from_scratch.ipynb", "ex3_2_check"): Wrong(
        setup=forget_saved("cats_dogs_scratch"),
        source='''
EPOCHS = dlcourse.pick(full=20, quick=1)


def train_cats_dogs():
    steps_per_epoch = int(val_ds.cardinality())
    model = compile_binary(build_cats_dogs_convnet(IMAGE_SIZE), EPOCHS, steps_per_epoch)
    checkpoint_path = dlcourse.pick(full="cats_dogs_checkpoint.keras", quick="cats_dogs_checkpoint.quick.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True)
    history = model.fit(val_ds, validation_data=train_ds, epochs=EPOCHS, callbacks=[checkpoint], verbose=2)  # swapped
    best = keras.models.load_model(checkpoint_path)
    best.history = history
    return best


start = time.perf_counter()
model = checks.train_or_load("cats_dogs_scratch.keras", train_cats_dogs)
print(f"{time.perf_counter() - start:.0f} s")
''',
        why="swaps the data sets: trains on val_ds and validates on train_ds",
    ),
    ("03_cats_vs_dogs_from_scratch.ipynb", "ex3_3_check"): Wrong(
        source='''
def best_epoch(history):
    best, best_loss = 1, float("inf")
    for epoch, loss in enumerate(history["val_loss"], start=1):
        if loss <= best_loss:  # a tie moves on to the later epoch
            best, best_loss = epoch, loss
    return best


def overfitting_gap(history, epoch):
    return float(history["accuracy"][epoch - 1] - history["val_accuracy"][epoch - 1])
''',
        why="returns the last of several epochs with the same lowest validation loss, not the first",
    ),
    ("04_modern_convnet_patterns.ipynb", "ex4_1_check"): Wrong(
        source='''
def conv2d_multi(x, kernels, bias):
    x = np.asarray(x, dtype=float)
    k = kernels.shape[0]
    out_size = x.shape[0] - k + 1  # images are square, aren't they?
    out = np.empty((out_size, out_size, kernels.shape[3]))
    for i in range(out_size):
        for j in range(out_size):
            out[i, j] = np.tensordot(x[i:i + k, j:j + k, :], kernels, axes=3) + bias
    return out
''',
        why="assumes a square image: uses the height for the output width too",
    ),
    ("04_modern_convnet_patterns.ipynb", "ex4_2_check"): Wrong(
        source='''
def receptive_field(stack):
    field = 1
    for kernel_size, stride in stack:  # r_in = s * r_out + (k - s), but applied from the first layer up
        field = field * stride + (kernel_size - stride)
    return int(field)
''',
        why="applies the backward recursion r = s r + (k - s) from the input upwards instead of from the top down",
    ),
    ("04_modern_convnet_patterns.ipynb", "ex4_3_check"): Wrong(
        source='''
def conv_cost(kind, k, c_in, c_out, h_out, w_out):
    if kind == "standard":
        weights = k * k * c_in * c_out
    else:
        weights = k * k * c_in + c_in * c_out
    return int(weights + c_out), int(weights * h_out * h_out)  # square feature maps assumed
''',
        why="counts h_out * h_out output positions (square maps) instead of h_out * w_out",
    ),
    ("04_modern_convnet_patterns.ipynb", "ex4_4_check"): Wrong(
        source='''
def residual_block(x, filters, name):
    shortcut = layers.Conv2D(filters, 1, name=f"{name}_shortcut")(x)  # biases kept everywhere
    x = layers.SeparableConv2D(filters, 3, padding="same", name=f"{name}_sep1")(x)
    x = layers.BatchNormalization(name=f"{name}_bn1")(x)
    x = layers.Activation("relu", name=f"{name}_relu1")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", name=f"{name}_sep2")(x)
    x = layers.BatchNormalization(name=f"{name}_bn2")(x)
    x = layers.Add(name=f"{name}_add")([x, shortcut])
    x = layers.Activation("relu", name=f"{name}_relu2")(x)
    return layers.MaxPooling2D(2, name=f"{name}_pool")(x)


def build_modern_convnet():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, padding="same", name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    x = layers.MaxPooling2D(2, name="stem_pool")(x)
    x = residual_block(x, 64, "block1")
    x = residual_block(x, 128, "block2")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="modern_convnet")
''',
        why="keeps the default use_bias=True in the convolutions before batch normalisation (useless biases)",
    ),
    ("04_modern_convnet_patterns.ipynb", "ex4_5_check"): [
        Wrong(
            setup=forget_saved("fashion_modern"),
            source=_modern_training_run("build_modern_convnet", "x_test", "y_test"),
            why="trains on the test images (x_test, y_test), which the check then evaluates it on",
        ),
        Wrong(
            setup=forget_saved("fashion_modern"),
            source=_modern_training_run("build_plain_convnet", "x_train", "y_train"),
            why="trains the plain convnet instead of build_modern_convnet()",
        ),
    ],
    ("04_modern_convnet_patterns.ipynb", "ex4_6_check"): Wrong(
        source='''
def precision_recall_from_confusion(cm):
    cm = np.asarray(cm, dtype=float)
    tp = np.diag(cm)
    precision = tp / cm.sum(axis=0)  # no guard: 0 / 0 is nan for a class that is never predicted
    recall = tp / cm.sum(axis=1)
    f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1
''',
        why="divides by zero (nan) for a class that is never predicted instead of returning 0",
    ),
}
