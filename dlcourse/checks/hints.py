"""The texts of the hints for the classic mistakes (tests assert these texts; change them there too)."""

from __future__ import annotations

HINT_NONE_RETURNED = "your function returned None: did you forget `return`?"
HINT_NONE_VALUE = "the value is None: did you forget to assign it, or does the function computing it lack a `return`?"
HINT_NOT_IMPLEMENTED = "replace `raise NotImplementedError()` with your solution, then run that cell again."
HINT_UNDEFINED = "run the cell that defines `{name}` first (and check the spelling of the name)."
HINT_LIST = (
    "you returned a Python list; wrap it in np.array(...) (or compute it with NumPy operations instead of "
    "appending to a list in a loop)."
)
HINT_INT_DTYPE = (
    "your result has an integer dtype ({dtype}): did you use integer division `//`, or build it from integers? "
    "Use `/`, or convert with .astype(float)."
)
HINT_INT_VALUE = "your result is a whole number: did you use integer division `//` or int(...)? Use `/`."
HINT_NAN = (
    "your result contains NaN (not a number): look for 0/0, log(0) or an overflowing exp(); "
    "when training, a too-large learning rate or unscaled inputs."
)
HINT_INF = "your result contains inf: look for a division by zero, log(0) or an overflowing exp()."
HINT_SIGN = (
    "your result has the opposite sign: check the sign in your formula (a gradient-descent step subtracts the "
    "gradient, w - lr * grad; and (y_pred - y) is not (y - y_pred))."
)
HINT_TWICE = (
    "your result is 2 times the expected one: did you forget a factor 1/2 (e.g. the 1/2 in a loss "
    "written as 1/2 * (y_pred - y)**2)?"
)
HINT_HALF = (
    "your result is half the expected one: did you add an extra factor 1/2, or forget the 2 that "
    "differentiating a square brings down?"
)
HINT_SUM_NOT_MEAN = (
    "your result is {k} times the expected one: did you take a sum where a mean was needed "
    "(forgot to divide by n = {k})?"
)
HINT_MEAN_NOT_SUM = (
    "your result is 1/{k} of the expected one: did you divide by n = {k} where a sum was needed, or divide twice?"
)
HINT_FACTOR = "your result is {r} times the expected one: check the constant factors in your formula."
HINT_OFFSET = (
    "every value is off by the same amount (found - expected = {d}): check the bias/intercept term "
    "or a constant you add."
)
HINT_TRANSPOSED_VALUES = (
    "your result is the transpose of the expected one: swap the order of a matrix product or add .T."
)
HINT_KEEPDIMS = (
    "your output has shape {found}, expected {expected}: did you forget keepdims=True (in a sum or mean) "
    "or a .reshape({args})?"
)
HINT_EXTRA_AXIS = (
    "your output has shape {found}, expected {expected}: it has an extra axis of length 1; remove it with "
    "{fix} (or drop keepdims=True)."
)
HINT_TRANSPOSED = (
    "your output has shape {found}, expected {expected}: it looks transposed; check the order of the factors "
    "in the matrix product (X @ w, not w @ X) or add .T."
)
HINT_BROADCAST = (
    "your output has shape {found}, expected {expected}: subtracting an (n,) array from an (n, 1) array "
    "broadcasts to an (n, n) matrix; give both the same shape first (e.g. .reshape(-1, 1) or .ravel())."
)
HINT_RESHAPE = (
    "your output has the right number of elements ({n}) but shape {found} instead of {expected}: check your reshape."
)
HINT_ARRAY_FOR_SCALAR = (
    "you returned an array of shape {shape}; expected a single number: use .item() or float(...) "
    "(a (1, n) @ (n, 1) product gives a (1, 1) array)."
)
HINT_NOT_REDUCED = "you returned an array of shape {shape}; expected a single number: did you forget np.sum or np.mean?"
HINT_SOFTMAX_NOT_SIGMOID = (
    "use activation='softmax' in the last layer for one-of-K classification: softmax makes the K outputs a "
    "probability distribution; sigmoid treats each output on its own (for one output unit or multi-label)."
)
HINT_SIGMOID_NOT_SOFTMAX = (
    "use activation='sigmoid' for a single output unit: softmax over one unit always outputs 1.0."
)
HINT_LOGITS = (
    "your last layer has no activation, so it outputs raw scores (logits): add activation='{expected}' "
    "(or keep it linear and pass from_logits=True to the loss)."
)
HINT_SPARSE_LOSS = (
    "your labels are integers (0, 1, ..., K-1): use loss='sparse_categorical_crossentropy'; "
    "'categorical_crossentropy' needs one-hot labels (keras.utils.to_categorical)."
)
HINT_ONEHOT_LOSS = (
    "your labels are one-hot vectors: use loss='categorical_crossentropy'; "
    "'sparse_categorical_crossentropy' needs integer labels."
)
HINT_BINARY_LOSS = (
    "two classes with one sigmoid output unit need loss='binary_crossentropy'; "
    "the categorical losses are for K softmax outputs."
)
HINT_CATEGORICAL_LOSS = (
    "binary_crossentropy is for one sigmoid output (two classes); for K classes with a softmax output use "
    "'sparse_categorical_crossentropy' (integer labels) or 'categorical_crossentropy' (one-hot labels)."
)
HINT_REGRESSION_LOSS = "this is a regression problem: use a regression loss such as 'mse' (mean squared error)."
HINT_CLASSIFICATION_LOSS = "this is a classification problem: use a cross-entropy loss, not a regression loss."
HINT_FROM_LOGITS_TWICE = (
    "the loss has from_logits=True but the last layer already applies {activation}: drop from_logits=True "
    "(or remove the activation)."
)
HINT_NOT_COMPILED = "call model.compile(optimizer=..., loss=..., metrics=[...]) before this check."
HINT_NOT_BUILT = "start the model with keras.Input(shape=...) so that Keras knows the input shape."
HINT_FLATTEN = "add layers.Flatten() between the last convolution/pooling layer and the first Dense layer."
HINT_OUTPUT_UNITS = "the last layer needs one unit per output ({units}): for classification, one per class."
HINT_INPUT_SHAPE = "check keras.Input(shape=...): it is the shape of ONE sample, without the batch dimension."
HINT_PARAMS = (
    "parameter counts per layer are listed above: a Dense layer with m inputs and k units has (m + 1) * k; "
    "a Conv2D layer with c input channels, f filters and an h x w kernel has (h * w * c + 1) * f."
)
HINT_CHANCE = (
    "{metric} {value} is chance level: the model has not learned anything. Check that the loss matches the "
    "labels and the last-layer activation, that the inputs are scaled (e.g. pixels / 255), and the learning rate."
)
HINT_UNDERTRAINED = (
    "train longer or improve the model; check that the test data is prepared like the training data and that "
    "the last-layer activation and the loss match the labels. If the model was loaded from a saved .keras file, "
    "delete that file (or pass retrain=True) to train it again."
)
HINT_NAN_LOSS = (
    "the model outputs NaN: training diverged. Lower the learning rate and check that the inputs are scaled."
)
HINT_HISTORY = (
    "pass the trained model and data=(x_test, y_test): the History from fit() holds training metrics, "
    "and this check measures the held-out test set."
)
HINT_RETURN_MODEL = "return the trained model from your function (`return model`), not the History from fit()."
