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
    "your result has an integer dtype ({dtype}) and holds the expected values with the fractional part cut off: "
    "did you use integer division `//`, or build it from integers? Use `/`, or convert with .astype(float)."
)
HINT_INT_VALUE = (
    "your result is the expected one with the fractional part cut off: did you use integer division `//` or "
    "int(...)? Use `/`."
)
HINT_NAN = (
    "your result contains NaN (not a number): look for 0/0, log(0) or an overflowing exp(); "
    "when training, a too-large learning rate or unscaled inputs."
)
HINT_INF = "your result contains inf: look for a division by zero, log(0) or an overflowing exp()."
HINT_INT_DTYPE_ONLY = (
    "expected floats; your array has an integer dtype ({dtype}): convert with .astype(float), or build it from floats."
)
HINT_MISSING_SQRT = (
    "your result is the square of the expected one: did you forget the square root (np.sqrt), e.g. returning "
    "the MSE where the RMSE (or a variance where a standard deviation) was asked for?"
)
HINT_EXTRA_SQRT = (
    "your result is the square root of the expected one: did you take a square root the formula does not have, "
    "e.g. returning the RMSE where the MSE was asked for?"
)
HINT_SUM_NOT_MEAN = (
    "your result is n = {k} times the expected one, and this case has n = {k} values: did you take a sum where a "
    "mean was needed (forgot to divide by n)?"
)
HINT_MEAN_NOT_SUM = (
    "your result is 1/{k} of the expected one, and this case has n = {k} values: did you divide by n where a sum "
    "was needed, or divide by n twice?"
)
HINT_SUM_NOT_MEAN_ROOT = (
    "your result is sqrt(n) = sqrt({k}) times the expected one, and this case has n = {k} values: did you take a "
    "sum where a mean was needed under the square root?"
)
HINT_REVERSED_ITEMS = "your values are the expected ones in reverse order: return them in the order the exercise gives."
HINT_DDOF = (
    "your result is {ratio} times the expected one, the factor between dividing by n = {k} and by n - 1 = {k1} "
    "in a {what}: check which one the exercise asks for (np.std and np.var divide by n; ddof=1 divides by n - 1)."
)
HINT_SIGN = (
    "your result has the opposite sign, in a gradient exercise: a gradient-descent step subtracts the gradient "
    "(w - lr * grad), and the residual is (y_pred - y), not (y - y_pred)."
)
HINT_GRADIENT_TWICE = (
    "your gradient is 2 times the expected one: is there an extra factor 2 (the derivative of (...)**2 brings "
    "down one 2; a loss written with 1/2 in front loses it)?"
)
HINT_GRADIENT_HALF = (
    "your gradient is half the expected one: did you forget the 2 that differentiating a square brings down "
    "(d/dw (...)**2 = 2 (...) d(...)/dw)?"
)
HINT_KERNEL_FLIP = (
    "every value has the opposite sign, in a convolution: with an antisymmetric kernel such as Sobel's that is "
    "exactly what flipping the kernel does; slide the kernel as it is (cross-correlation, as Keras does), "
    "without np.flip or [::-1]."
)
HINT_KERNEL_FLIPPED = (
    "with `{arg}` rotated by 180 degrees your function returns the expected result: it flips the kernel (a true "
    "convolution); slide the kernel as it is (cross-correlation, as Keras does), without np.flip or [::-1]."
)
HINT_OFF_BY_ONE = (
    "your result is {d} {what} than the expected one: an off-by-one? Check 0-based vs 1-based counting, the bounds "
    "of your loops (range(n) vs range(n + 1)) and any + 1 in a size formula."
)
HINT_OFF_BY_ONE_LENGTH = (
    "your result has {found} where {expected} expected ({diff}): an off-by-one? Check the bounds of your loops "
    "(range(n) vs range(n + 1)), whether the first (or last) item is included, and any + 1 in a size formula."
)
HINT_FLOAT_DTYPE = "convert with .astype('{wanted}')."
HINT_LABEL_DTYPE = (
    "class labels and counts are integers: convert with .astype(int) (np.argmax already returns integers)."
)
HINT_BOOL_DTYPE = "your array holds True/False values; convert with .astype('{wanted}')."
HINT_BOOL_TYPE = "return True or False (a bool), not a number or a string."
HINT_STRING_CASE = "the text differs only in upper/lower case or surrounding spaces."
HINT_TUPLE_COUNT = "return all {k} values, e.g. `return a, b`."
HINT_NUMBER_AS_STRING = "you returned a string; return the number itself (no quotes, no str(...))."
HINT_NUMBER_IN_LIST = "return the number itself, not a list containing it."
HINT_DICT_KEYS = "missing keys: {missing}; unexpected keys: {extra}."
HINT_SIGNATURE = "your function's parameters differ from the exercise's: keep the `def` line given in the exercise."
HINT_NONE_IN_LINE = "a value in that line is None: does a function you call lack a `return`?"
HINT_NAME_IN_FUNCTION = "a name is not defined: run the cells above yours (imports, definitions) and check the spelling."
HINT_ZERO_DIVISION = "a division by zero: check the denominator (an empty batch? n = 0?)."
HINT_GLOBALS = (
    "with `{param}` replaced by the notebook variable `{name}` your function returns the same result as with this "
    "case's input: it reads `{name}` instead of its parameter `{param}`. Use only the function's parameters."
)
HINT_IGNORES_INPUT = (
    "your function returned this same result for case {other}, whose inputs differ: it does not use (all of) its "
    "parameters{reads}. Compute the result from the function's parameters only."
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
HINT_REQUIRES_GRAD = (
    "your result is a torch tensor that still requires grad (it is part of autograd's graph), so it cannot become "
    "a NumPy array: return `tensor.detach()` (or `tensor.detach().numpy()`), or compute it inside "
    "`with torch.no_grad():`."
)
HINT_TENSOR_DEVICE = (
    "your result is a torch tensor on the {device} device, which NumPy cannot read: move it to the CPU first "
    "with `.cpu()` (e.g. `tensor.detach().cpu().numpy()`)."
)

# Facts, not causes: shown as "Observed: ..." when no cause fits.
OBSERVED_FACTOR = "your result is {r} times the expected one."
OBSERVED_FRACTION = "your result is 1/{k} of the expected one."
OBSERVED_SIGN = "your result has the opposite sign of the expected one."
OBSERVED_OFFSET = "every value is off by the same amount (found - expected = {d})."
OBSERVED_INT_DTYPE = "your result has an integer dtype ({dtype}) where floats are expected."

# Neutral next steps: shown when no cause fits the evidence.
NEXT_STEP_FUNCTION = (
    "call your function on this case yourself and compare each intermediate result with the formula in the "
    "exercise, step by step."
)
NEXT_STEP_SHAPES = "print the shapes of the arrays in that line (x.shape): they do not fit together."
NEXT_STEP_VALUE = "recompute this value step by step and compare each intermediate result with the formula in the exercise."


class Hint(str):
    """A hint that names a cause: the text, and the key of its entry in :data:`CAUSES` as ``.cause``."""

    cause: str

    def __new__(cls, text: str, cause: str) -> "Hint":
        hint = super().__new__(cls, text)
        hint.cause = cause
        return hint

    def __reduce__(self):
        return (Hint, (str(self), self.cause))


# Every cause a hint may name, by key. The evidence each one needs is stated where it is diagnosed
# (diagnose.py for values, shapes and functions; models.py and trained.py for Keras models).
CAUSES: dict[str, str] = {
    "none_returned": HINT_NONE_RETURNED,
    "none_value": HINT_NONE_VALUE,
    "not_implemented": HINT_NOT_IMPLEMENTED,
    "undefined": HINT_UNDEFINED,
    "list": HINT_LIST,
    "nan": HINT_NAN,
    "inf": HINT_INF,
    "int_division": HINT_INT_VALUE,
    "int_division_array": HINT_INT_DTYPE,
    "int_dtype": HINT_INT_DTYPE_ONLY,
    "float_dtype": HINT_FLOAT_DTYPE,
    "label_dtype": HINT_LABEL_DTYPE,
    "bool_dtype": HINT_BOOL_DTYPE,
    "missing_sqrt": HINT_MISSING_SQRT,
    "extra_sqrt": HINT_EXTRA_SQRT,
    "sum_not_mean": HINT_SUM_NOT_MEAN,
    "mean_not_sum": HINT_MEAN_NOT_SUM,
    "sum_not_mean_root": HINT_SUM_NOT_MEAN_ROOT,
    "reversed_items": HINT_REVERSED_ITEMS,
    "ddof": HINT_DDOF,
    "gradient_sign": HINT_SIGN,
    "gradient_twice": HINT_GRADIENT_TWICE,
    "gradient_half": HINT_GRADIENT_HALF,
    "kernel_flip": HINT_KERNEL_FLIP,
    "kernel_flipped": HINT_KERNEL_FLIPPED,
    "transposed_values": HINT_TRANSPOSED_VALUES,
    "off_by_one": HINT_OFF_BY_ONE,
    "off_by_one_length": HINT_OFF_BY_ONE_LENGTH,
    "globals": HINT_GLOBALS,
    "bool_type": HINT_BOOL_TYPE,
    "string_case": HINT_STRING_CASE,
    "tuple_count": HINT_TUPLE_COUNT,
    "number_as_string": HINT_NUMBER_AS_STRING,
    "number_in_list": HINT_NUMBER_IN_LIST,
    "dict_keys": HINT_DICT_KEYS,
    "signature": HINT_SIGNATURE,
    "none_in_line": HINT_NONE_IN_LINE,
    "name_in_function": HINT_NAME_IN_FUNCTION,
    "zero_division": HINT_ZERO_DIVISION,
    "ignores_input": HINT_IGNORES_INPUT,
    "keepdims": HINT_KEEPDIMS,
    "extra_axis": HINT_EXTRA_AXIS,
    "transposed_shape": HINT_TRANSPOSED,
    "broadcast": HINT_BROADCAST,
    "reshape": HINT_RESHAPE,
    "array_for_scalar": HINT_ARRAY_FOR_SCALAR,
    "not_reduced": HINT_NOT_REDUCED,
    "softmax_not_sigmoid": HINT_SOFTMAX_NOT_SIGMOID,
    "sigmoid_not_softmax": HINT_SIGMOID_NOT_SOFTMAX,
    "logits": HINT_LOGITS,
    "sparse_loss": HINT_SPARSE_LOSS,
    "onehot_loss": HINT_ONEHOT_LOSS,
    "binary_loss": HINT_BINARY_LOSS,
    "categorical_loss": HINT_CATEGORICAL_LOSS,
    "regression_loss": HINT_REGRESSION_LOSS,
    "classification_loss": HINT_CLASSIFICATION_LOSS,
    "from_logits_twice": HINT_FROM_LOGITS_TWICE,
    "not_compiled": HINT_NOT_COMPILED,
    "not_built": HINT_NOT_BUILT,
    "flatten": HINT_FLATTEN,
    "output_units": HINT_OUTPUT_UNITS,
    "input_shape": HINT_INPUT_SHAPE,
    "chance": HINT_CHANCE,
    "nan_loss": HINT_NAN_LOSS,
    "history": HINT_HISTORY,
    "return_model": HINT_RETURN_MODEL,
    "requires_grad": HINT_REQUIRES_GRAD,
    "tensor_device": HINT_TENSOR_DEVICE,
}


def cause(key: str, **fields: object) -> Hint:
    """The hint for the cause ``key`` (a key of :data:`CAUSES`), its ``{fields}`` filled in."""
    return Hint(CAUSES[key].format(**fields), key)
