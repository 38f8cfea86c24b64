"""Wrong submissions for Regularization/ (see tests/test_hidden_tests.py)."""

from . import Wrong, forget_saved, with_line

# Exercise 4.2's correct cell; each wrong submission changes one line of it.
_HEAD_TRAINING = '''
HEAD_EPOCHS = dlcourse.pick(full=10, quick=1)


def build_head():
    inputs = keras.Input(shape=(1280,), name="features")
    x = layers.Dropout(0.5, name="head_dropout")(inputs)
    outputs = layers.Dense(1, activation="sigmoid", name="dog_probability")(x)
    return keras.Model(inputs, outputs, name="head")


def train_head():
    model = build_head()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(train_features, y_train, validation_data=(val_features, y_val), batch_size=32,
              epochs=HEAD_EPOCHS, verbose=2)
    return model


head = checks.train_or_load("cats_dogs_head.keras", train_head)
'''


def _with_head_training(line: str, wrong_line: str) -> str:
    return with_line(_HEAD_TRAINING, line, wrong_line)


WRONG = {
    # --- 01_overfitting_and_remedies.ipynb ---
    ("01_overfitting_and_remedies.ipynb", "ex1_1_check"): [
        Wrong(
            source="""
def diagnose_curves(train_loss, val_loss, tol=0.1):
    if val_loss[-1] > (1 + tol) * val_loss[0]:  # "turned up": compared with the first epoch, not the minimum
        return "overfitting"
    k = max(1, len(val_loss) // 4)
    if train_loss[-1] < (1 - tol) * train_loss[-1 - k] and val_loss[-1] < (1 - tol) * val_loss[-1 - k]:
        return "underfitting"
    return "good fit"
""",
            why="compares the last validation loss with the first epoch's instead of the lowest one",
        ),
        Wrong(
            source="""
def diagnose_curves(train_loss, val_loss, tol=0.1):
    if val_loss[-1] > (1 + tol) * min(val_loss):
        return "overfitting"
    if train_loss[-1] < (1 - tol) * train_loss[-2] and val_loss[-1] < (1 - tol) * val_loss[-2]:  # last epoch only
        return "underfitting"
    return "good fit"
""",
            why="judges 'still falling' over the last epoch only instead of the last quarter of the run",
        ),
    ],
    ("01_overfitting_and_remedies.ipynb", "ex1_2_check"): Wrong(
        source="""
def l2_penalty(weights, lam):
    return float(lam * np.sum(np.square(weights)))  # one array of all the weights: only works for equal shapes
""",
        why="squares the list as one array, which fails for kernels of different shapes",
    ),
    ("01_overfitting_and_remedies.ipynb", "ex1_3_check"): [
        Wrong(
            source="""
def dropout_forward(x, rate, training, rng):
    x = np.asarray(x, dtype=float)
    keep = rng.random(x.shape) >= rate  # drops at test time too: training is ignored
    return np.where(keep, x / (1 - rate), 0.0)
""",
            why="ignores training: drops units at test time too",
        ),
        Wrong(
            source="""
def dropout_forward(x, rate, training, rng):
    x = np.asarray(x, dtype=float)
    if not training:
        return x
    keep = np.random.random(x.shape) >= rate  # NumPy's global generator instead of rng
    return np.where(keep, x / (1 - rate), 0.0)
""",
            why="draws the mask from NumPy's global generator instead of rng: not reproducible from the seed",
        ),
    ],
    ("01_overfitting_and_remedies.ipynb", "ex1_4_check"): [
        Wrong(
            source="""
def build_regularized_mlp(units=512, l2=0.0, dropout=0.0, batch_norm=False):
    regularizer = regularizers.L2(l2) if l2 > 0 else None
    inputs = keras.Input(shape=(784,))
    x = inputs
    for _ in range(2):
        if batch_norm:
            x = layers.Dense(units, use_bias=False, kernel_regularizer=regularizer)(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
        else:
            x = layers.Dense(units, activation="relu", kernel_regularizer=regularizer)(x)
        x = layers.Dropout(dropout)(x)  # a Dropout layer even when the rate is 0
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=regularizer)(x)
    return keras.Model(inputs, outputs)
""",
            why="adds Dropout(0.0) layers when dropout is 0",
        ),
        Wrong(
            source="""
def build_regularized_mlp(units=512, l2=0.0, dropout=0.0, batch_norm=False):
    regularizer = regularizers.L2(l2) if l2 > 0 else None
    inputs = keras.Input(shape=(784,))
    x = inputs
    for _ in range(2):
        x = layers.Dense(units, activation="relu", kernel_regularizer=regularizer)(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)  # after the activation, and the Dense layer keeps its bias
        if dropout > 0:
            x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=regularizer)(x)
    return keras.Model(inputs, outputs)
""",
            why="puts batch normalisation after the ReLU and keeps the Dense bias",
        ),
        Wrong(
            source="""
def build_regularized_mlp(units=512, l2=0.0, dropout=0.0, batch_norm=False):
    regularizer = regularizers.L2(l2) if l2 > 0 else None
    inputs = keras.Input(shape=(784,))
    x = inputs
    for _ in range(2):
        if batch_norm:
            x = layers.Dense(units, use_bias=False, kernel_regularizer=regularizer)(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
        else:
            x = layers.Dense(units, activation="relu", kernel_regularizer=regularizer)(x)
        if dropout > 0:
            x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(10, activation="softmax")(x)  # the output layer without the penalty
    return keras.Model(inputs, outputs)
""",
            why="penalises only the hidden layers' kernels, not the output layer's",
        ),
    ],
    ("01_overfitting_and_remedies.ipynb", "ex1_5_check"): [
        Wrong(
            source="""
def early_stopping_epochs(val_losses, patience, min_delta=0.0):
    best, best_epoch, wait = None, 0, 0
    for epoch, value in enumerate(val_losses):
        wait += 1
        if best is None or value <= best - min_delta:  # a tie counts as an improvement
            best, best_epoch, wait = value, epoch, 0
        elif wait >= patience:
            return epoch + 1, best_epoch + 1
    return len(val_losses), best_epoch + 1
""",
            why="counts a tie with the best value as an improvement (<= instead of <)",
        ),
        Wrong(
            source="""
def early_stopping_epochs(val_losses, patience, min_delta=0.0):
    best, best_epoch, wait = None, 0, 0
    for epoch, value in enumerate(val_losses):
        wait += 1
        if best is None or value < best:  # min_delta ignored
            best, best_epoch, wait = value, epoch, 0
        elif wait >= patience:
            return epoch + 1, best_epoch + 1
    return len(val_losses), best_epoch + 1
""",
            why="ignores min_delta",
        ),
    ],
    # --- 02_tf_data_pipelines.ipynb ---
    ("02_tf_data_pipelines.ipynb", "ex2_1_check"): [
        Wrong(
            source="""
def all_cat_batches(n_cats, buffer_size, batch_size):
    return max(0, n_cats - buffer_size) // batch_size   # the first dog at position n_cats - buffer_size
""",
            why="off by one: the first dog can appear at output n_cats - buffer_size + 1, not n_cats - buffer_size",
        ),
        Wrong(
            source="""
def all_cat_batches(n_cats, buffer_size, batch_size):
    return (n_cats - buffer_size + 1) // batch_size     # no floor at 0 for buffers larger than n_cats
""",
            why="returns a negative count when the buffer holds more elements than there are cats",
        ),
    ],
    ("02_tf_data_pipelines.ipynb", "ex2_2_check"): [
        Wrong(
            source="""
def build_pipeline(paths, labels, decode_fn, batch_size, seed):
    dataset = tf.data.Dataset.from_tensor_slices((paths, labels))
    dataset = dataset.map(lambda path, label: (decode_fn(path), label), num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.cache().shuffle(len(paths), seed=SEED, reshuffle_each_iteration=True)  # the notebook's SEED
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
""",
            why="shuffles with the notebook's SEED (42, the visible case's seed) instead of the seed argument",
        ),
        Wrong(
            source="""
def build_pipeline(paths, labels, decode_fn, batch_size, seed):
    dataset = tf.data.Dataset.from_tensor_slices((paths, labels))
    dataset = dataset.map(lambda path, label: (decode_fn(path), label), num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.cache().shuffle(1_000, seed=seed, reshuffle_each_iteration=True)  # a fixed buffer
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
""",
            why="a fixed shuffle buffer of 1,000 elements: not a full shuffle of a larger dataset",
        ),
        Wrong(
            source="""
def build_pipeline(paths, labels, decode_fn, batch_size, seed):
    dataset = tf.data.Dataset.from_tensor_slices((paths, labels))
    dataset = dataset.map(lambda path, label: (decode_fn(path), label))  # sequential: no num_parallel_calls
    dataset = dataset.cache().shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
""",
            why="decodes one photo at a time: the map has no num_parallel_calls",
        ),
    ],
    ("02_tf_data_pipelines.ipynb", "ex2_3_check"): Wrong(
        source="""
def parse_housing_line(line):
    fields = tf.io.decode_csv(line, record_defaults=[0.0] * 9 + [""])   # an empty field becomes 0.0
    return tf.stack(fields[:8]), fields[8] / 100_000.0
""",
        why="an empty total_bedrooms field becomes 0.0 instead of NaN",
    ),
    # --- 03_data_augmentation.ipynb ---
    ("03_data_augmentation.ipynb", "ex3_1_check"): [
        Wrong(
            source="""
ROTATION = 0.05
ZOOM = 0.2


def build_augmentation(rotation, zoom):
    return keras.Sequential(
        [
            layers.RandomFlip(name="flip"),  # the default mode flips upside down too
            layers.RandomRotation(rotation, name="rotation"),
            layers.RandomZoom(zoom, name="zoom"),
        ],
        name="augmentation",
    )
""",
            why="RandomFlip() with its default mode 'horizontal_and_vertical': upside-down animals",
        ),
        Wrong(
            source="""
ROTATION = 0.05
ZOOM = 0.2


def build_augmentation(rotation, zoom):
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", name="flip"),
            layers.RandomRotation(ROTATION, name="rotation"),  # the notebook's factors, not the arguments
            layers.RandomZoom(ZOOM, name="zoom"),
        ],
        name="augmentation",
    )
""",
            why="ignores the arguments: uses the global ROTATION and ZOOM",
        ),
    ],
    ("03_data_augmentation.ipynb", "ex3_2_check"): [
        Wrong(
            source="""
def build_convnet(image_size, augmentation=None):
    inputs = keras.Input(shape=(*image_size, 3))
    x = augmentation(inputs)  # assumes a block is always passed
    x = layers.Rescaling(1.0 / 255, name="rescale")(x)
    for i, filters in enumerate([32, 64, 128, 256], start=1):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="dog_probability")(x)
    return keras.Model(inputs, outputs, name="cats_dogs_convnet")
""",
            why="fails for augmentation=None (calls None)",
        ),
        Wrong(
            source="""
def build_convnet(image_size, augmentation=None):
    inputs = keras.Input(shape=(*image_size, 3))
    x = inputs
    if augmentation is not None:
        x = build_augmentation(ROTATION, ZOOM)(x)  # a new block with the notebook's factors, not the one passed in
    x = layers.Rescaling(1.0 / 255, name="rescale")(x)
    for i, filters in enumerate([32, 64, 128, 256], start=1):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="dog_probability")(x)
    return keras.Model(inputs, outputs, name="cats_dogs_convnet")
""",
            why="builds its own augmentation block instead of using the one passed in",
        ),
    ],
    ("03_data_augmentation.ipynb", "ex3_3_check"): [
        Wrong(
            setup=forget_saved("cats_dogs_augmented"),
            source="""
EPOCHS = dlcourse.pick(full=100, quick=2)


def train_with_augmentation():
    model = build_convnet(IMAGE_SIZE)  # the augmentation block forgotten
    compile_binary(model, EPOCHS, STEPS_PER_EPOCH)
    model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, callbacks=[early_stopping()], verbose=2)
    return model


start = time.perf_counter()
augmented_model = checks.train_or_load("cats_dogs_augmented.keras", train_with_augmentation)
augmented_seconds = time.perf_counter() - start
""",
            why="trains the network without the augmentation block",
        ),
        Wrong(
            setup=forget_saved("cats_dogs_augmented"),
            source="""
EPOCHS = dlcourse.pick(full=100, quick=2)


def train_with_augmentation():
    model = build_convnet(IMAGE_SIZE, build_augmentation(ROTATION, ZOOM))
    compile_binary(model, EPOCHS, STEPS_PER_EPOCH)
    model.fit(val_ds, validation_data=train_ds, epochs=EPOCHS, callbacks=[early_stopping()], verbose=2)  # swapped
    return model


start = time.perf_counter()
augmented_model = checks.train_or_load("cats_dogs_augmented.keras", train_with_augmentation)
augmented_seconds = time.perf_counter() - start
""",
            why="swaps the data sets: trains on val_ds and validates on train_ds",
        ),
    ],
    ("03_data_augmentation.ipynb", "ex3_4_check"): [
        Wrong(
            source="""
def epochs_to_reach(history, target):
    return int(np.argmax(np.asarray(history["val_accuracy"]) >= target)) + 1  # argmax of all False is 0
""",
            why="returns epoch 1 instead of None when no epoch reaches the target",
        ),
        Wrong(
            source="""
def epochs_to_reach(history, target):
    for epoch, accuracy in enumerate(history["val_accuracy"], start=1):
        if accuracy > target:  # strictly above: an accuracy equal to the target does not count
            return epoch
    return None
""",
            why="uses > instead of >=",
        ),
    ],
    # --- 04_transfer_learning.ipynb ---
    ("04_transfer_learning.ipynb", "ex4_1_check"): [
        Wrong(
            source='''
def load_photo(path):
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    size = tf.cast(tf.shape(image)[:2], tf.float32)
    new_size = tf.cast(tf.round(size * 256.0 / size[0]), tf.int32)  # the height becomes 256: photos are wide, aren't they?
    image = tf.image.resize(image, new_size, antialias=True)
    top = (new_size[0] - 224) // 2
    left = (new_size[1] - 224) // 2
    return image[top:top + 224, left:left + 224, :]
''',
            why="always scales the height to 256, so the shorter side of a portrait photo ends up below 256",
        ),
        Wrong(
            source='''
def load_photo(path):
    image = tf.io.decode_image(tf.io.read_file(path), expand_animations=False)  # keeps the file's channels
    size = tf.cast(tf.shape(image)[:2], tf.float32)
    new_size = tf.cast(tf.round(size * 256.0 / tf.reduce_min(size)), tf.int32)
    image = tf.image.resize(image, new_size, antialias=True)
    top = (new_size[0] - 224) // 2
    left = (new_size[1] - 224) // 2
    return image[top:top + 224, left:left + 224, :]
''',
            why="decodes without channels=3: greyscale photos keep 1 channel and CMYK photos 4",
        ),
    ],
    ("04_transfer_learning.ipynb", "ex4_2_check"): [
        Wrong(
            setup=forget_saved("cats_dogs_head"),
            source=_with_head_training("model.fit(train_features, y_train, validation_data=(val_features, y_val), batch_size=32,",
                                      "model.fit(val_features, y_val, validation_data=(train_features, y_train), batch_size=32,  # swapped"),
            why="swaps the data: trains on the validation features and validates on the training features",
        ),
        Wrong(
            setup=forget_saved("cats_dogs_head"),
            source=_with_head_training("validation_data=(val_features, y_val), batch_size=32,\n              epochs=HEAD_EPOCHS,",
                                      "batch_size=32,  # no validation data\n              epochs=HEAD_EPOCHS,"),
            why="trains without validation_data, so nothing in the history shows how the head generalises",
        ),
    ],
    ("04_transfer_learning.ipynb", "ex4_3_check"): [
        Wrong(
            source='''
def unfreeze_top(model, n_blocks):
    first = BLOCK_NAMES[-n_blocks] + "_"   # sets every layer's flag, but never model.trainable = True
    reached = False
    for layer in model.layers:
        reached = reached or layer.name.startswith(first)
        layer.trainable = reached and not isinstance(layer, layers.BatchNormalization)
''',
            why="forgets model.trainable = True: a frozen model keeps no trainable weights whatever its layers say",
        ),
        Wrong(
            source='''
def unfreeze_top(model, n_blocks):
    model.trainable = True
    unfrozen = BLOCK_NAMES[-n_blocks:]
    for layer in model.layers:
        on_top = layer.name.split("_")[0] in unfrozen or layer.name.startswith("top_") or layer.name == "predictions"
        layer.trainable = on_top and not isinstance(layer, layers.BatchNormalization)
''',
            why="unfreezes layers by the names of EfficientNet's own top, so a new classifier on top stays frozen",
        ),
    ],
    ("04_transfer_learning.ipynb", "ex4_4_check"): [
        Wrong(
            setup=forget_saved("cats_dogs_fine_tuned"),
            source='''
FINE_TUNE_BLOCKS = 4
FINE_TUNE_EPOCHS = dlcourse.pick(full=3, quick=1)


def fine_tune():
    model = build_fine_tune_model(head)
    unfreeze_top(model, FINE_TUNE_BLOCKS)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])  # Adam's default 1e-3
    model.fit(train_acts, y_train, validation_data=(val_acts, y_val), batch_size=32, epochs=FINE_TUNE_EPOCHS,
              verbose=2)
    return model


fine_tuned = checks.train_or_load("cats_dogs_fine_tuned.keras", fine_tune)
''',
            why="fine-tunes with Adam's default learning rate 1e-3, a hundred times too large for pretrained weights",
        ),
        Wrong(
            setup=forget_saved("cats_dogs_fine_tuned"),
            source='''
FINE_TUNE_BLOCKS = 4
FINE_TUNE_EPOCHS = dlcourse.pick(full=3, quick=1)


def fine_tune():
    model = build_fine_tune_model(head)   # every layer trainable, batch normalisation included
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-5), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(train_acts, y_train, validation_data=(val_acts, y_val), batch_size=32, epochs=FINE_TUNE_EPOCHS,
              verbose=2)
    return model


fine_tuned = checks.train_or_load("cats_dogs_fine_tuned.keras", fine_tune)
''',
            why="never calls unfreeze_top: the batch-normalisation layers train along and leave inference mode",
        ),
    ],
}
