"""dlcourse.checks: each check passing and failing, with the hint for each classic mistake.

The hint texts are spelled out here on purpose: they are what students read, so changing one is a deliberate act.
A hint names a cause only when the evidence fits it (tests/test_hints.py has the table of realistic wrong answers);
otherwise the message ends with the facts and a neutral next step, which these tests spell out too.
Keras is imported once (module-scoped fixture) and the models are tiny, so the whole file runs in seconds.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from dlcourse import checks, runtime
from dlcourse.checks import CheckFailed, check_array, check_function, check_model, check_trained, check_value
from dlcourse.checks.hints import NEXT_STEP_FUNCTION as NEXT_FUNCTION
from dlcourse.checks.hints import NEXT_STEP_VALUE as NEXT_VALUE


def failure(check, *args, **kwargs) -> str:
    """Run a check that must fail; return its message."""
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    assert isinstance(info.value, AssertionError)  # nbgrader scores the cell 0
    return str(info.value)


# --------------------------------------------------------------------------------------------------------------
# The module and the exception
# --------------------------------------------------------------------------------------------------------------
def test_import_does_not_load_tensorflow_or_keras():
    code = "import sys, dlcourse.checks; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_failure_message_format_and_clean_jupyter_rendering():
    err = CheckFailed("mse", "0.5", "1", hints=["did you forget the 1/2?", None], details=["call: mse(...)"])
    assert str(err) == "✗ mse: expected 0.5; found 1\n  call: mse(...)\n  Hint: did you forget the 1/2?"
    assert err.args == (str(err),)
    assert str(pickle.loads(pickle.dumps(err))) == str(err)
    rendered = err._render_traceback_()  # what IPython shows instead of a traceback through checks.py
    assert rendered[0].endswith("CheckFailed\x1b[0m: ✗ mse: expected 0.5; found 1")
    assert rendered[1:] == ["  call: mse(...)", "  Hint: did you forget the 1/2?"]


# --------------------------------------------------------------------------------------------------------------
# check_value
# --------------------------------------------------------------------------------------------------------------
def test_check_value_passes_briefly(capsys):
    check_value("mse", 0.5, 0.5)
    check_value("flag", True, True)
    check_value("label", "cat", "cat")
    check_value("pair", (1.0, [2, 3]), (1.0, [2, 3]))
    check_value("scores", {"a": 1.0}, {"a": 1.0})
    check_value("count", 8.0, 8)
    assert capsys.readouterr().out.splitlines() == [
        "✓ mse: correct (0.5)",
        "✓ flag: correct (True)",
        "✓ label: correct ('cat')",
        "✓ pair: correct (a tuple (1.0, a list [2, 3]))",
        "✓ scores: correct (a dict with keys 'a')",
        "✓ count: correct (8.0)",
    ]


def test_tolerance_1e9_passes_and_1e3_fails_at_default_tolerance():
    check_value("x", 0.7 + 1e-9, 0.7)
    check_array("y", np.linspace(0, 1, 5) + 1e-9, np.linspace(0, 1, 5))
    assert failure(check_value, "x", 0.701, 0.7) == f"✗ x: expected 0.7; found 0.701\n  Next step: {NEXT_VALUE}"
    message = failure(check_array, "y", np.array([1.0, 2.0, 3.001]), np.array([1.0, 2.0, 3.0]))
    assert message.startswith("✗ y: expected 3.0 at index 2; found 3.001\n")
    assert "1 of 3 values differ (largest |found - expected| = 0.001; tolerance rtol=1e-06, atol=1e-08)" in message
    check_value("x", 0.701, 0.7, atol=0.01)  # a looser tolerance when the exercise needs one


def test_values_that_differ_only_beyond_6_digits_are_shown_with_more_digits():
    assert failure(check_value, "x", 0.50000012, 0.5, rtol=1e-9) == (
        f"✗ x: expected 0.5; found 0.50000012\n  Next step: {NEXT_VALUE}"
    )


@pytest.mark.parametrize(
    ("found", "expected", "hint"),
    [
        (float("nan"), 0.7, "your result contains NaN (not a number): look for 0/0, log(0) or an overflowing exp(); "
                            "when training, a too-large learning rate or unscaled inputs."),
        (float("inf"), 0.7, "your result contains inf: look for a division by zero, log(0) or an overflowing exp()."),
        (None, 0.7, "the value is None: did you forget to assign it, or does the function computing it lack a "
                    "`return`?"),
        (2, 2.5, "your result is the expected one with the fractional part cut off: did you use integer division "
                 "`//` or int(...)? Use `/`."),
        (9.0, 3.0, "your result is the square of the expected one: did you forget the square root (np.sqrt), e.g. "
                   "returning the MSE where the RMSE (or a variance where a standard deviation) was asked for?"),
        (np.array([[0.5]]), 0.5, "you returned an array of shape (1, 1); expected a single number: use .item() or "
                                 "float(...) (a (1, n) @ (n, 1) product gives a (1, 1) array)."),
        (np.array([0.5, 1.0]), 0.5, "you returned an array of shape (2,); expected a single number: did you forget "
                                    "np.sum or np.mean?"),
        (1, True, "return True or False (a bool), not a number or a string."),
        ("Cat ", "cat", "the text differs only in upper/lower case or surrounding spaces."),
        (1.0, (1.0, 2.0), "return all 2 values, e.g. `return a, b`."),
    ],
    ids=["nan", "inf", "none", "int-division", "missing-sqrt", "1x1-array", "not-reduced", "bool", "string-case",
         "tuple"],
)
def test_check_value_hints_for_classic_mistakes(found, expected, hint):
    message = failure(check_value, "result", found, expected)
    assert message.startswith("✗ result: expected ")
    assert message.endswith(f"\n  Hint: {hint}")


@pytest.mark.parametrize(
    ("found", "expected", "n", "kind", "hint"),
    [
        # Changed from the old ratio-only guesses (issue 8): a factor names a cause only with this case's evidence.
        (50.0, 0.5, 100, None, "your result is n = 100 times the expected one, and this case has n = 100 values: "
                               "did you take a sum where a mean was needed (forgot to divide by n)?"),
        (0.005, 0.5, 100, None, "your result is 1/100 of the expected one, and this case has n = 100 values: did "
                                "you divide by n where a sum was needed, or divide by n twice?"),
        (-0.7, 0.7, None, "gradient", "your result has the opposite sign, in a gradient exercise: a gradient-descent "
                                      "step subtracts the gradient (w - lr * grad), and the residual is (y_pred - y), "
                                      "not (y - y_pred)."),
        (1.2, 0.6, None, "gradient", "your gradient is 2 times the expected one: is there an extra factor 2 (the "
                                     "derivative of (...)**2 brings down one 2; a loss written with 1/2 in front "
                                     "loses it)?"),
        (0.3, 0.6, None, "gradient", "your gradient is half the expected one: did you forget the 2 that "
                                      "differentiating a square brings down (d/dw (...)**2 = 2 (...) d(...)/dw)?"),
        (1.0 * np.sqrt(4 / 3), 1.0, 4, None, "your result is 1.155 = sqrt(4/3) times the expected one, the factor "
                                             "between dividing by n = 4 and by n - 1 = 3 in a standard deviation: "
                                             "check which one the exercise asks for (np.std and np.var divide by n; "
                                             "ddof=1 divides by n - 1)."),
    ],
    ids=["sum-not-mean", "mean-not-sum", "gradient-sign", "gradient-twice", "gradient-half", "ddof"],
)
def test_check_value_factor_hints_need_their_evidence(found, expected, n, kind, hint):
    message = failure(check_value, "result", found, expected, n=n, kind=kind)
    assert message.endswith(f"\n  Hint: {hint}")
    # Without the evidence (no n, not a gradient exercise) the message states the fact and a neutral next step.
    bare = failure(check_value, "result", found, expected, kind="other")
    assert "Hint:" not in bare or "sqrt(4/3)" in bare  # ddof's ratio is unmistakable even without n
    if "Hint:" not in bare:
        assert bare.endswith(f"\n  Next step: {NEXT_VALUE}")


def test_check_value_messages_say_expected_and_found():
    assert failure(check_value, "n", 6, 2) == f"✗ n: expected 2; found 6\n  Next step: {NEXT_VALUE}"  # no factors
    assert failure(check_value, "w_b", (1.0, 2.0), (1.0, 2.5)) == (
        f"✗ w_b: expected [1] = 2.5; found [1] = 2.0\n  Next step: {NEXT_VALUE}"
    )
    assert failure(check_value, "d", {"a": 1.0}, {"a": 1.0, "b": 2}) == (
        "✗ d: expected keys 'a', 'b'; found keys 'a'\n  Hint: missing keys: 'b'; unexpected keys: none."
    )
    # An author's hint not tied to a condition is a neutral note, shown only when no cause was found ...
    message = failure(check_value, "mse", 1.0, 0.5, hint="MSE is the MEAN of the squared errors.")
    assert message.splitlines()[1:] == [
        "  Observed: your result is 2 times the expected one.",
        "  Note: MSE is the MEAN of the squared errors.",
        f"  Next step: {NEXT_VALUE}",
    ]
    assert "Note:" not in failure(check_value, "rmse", 9.0, 3.0, hint="take the root")  # ... a cause was found
    # ... while hints tied to their condition are shown when it holds (a cause's key, or a callable)
    tied = {"sum_not_mean": "MSE is the MEAN of the squared errors.",
            (lambda found, expected: found > expected): "too large",
            (lambda found, expected: found < expected): "too small"}
    assert failure(check_value, "mse", 1.0, 0.5, n=2, hints=tied).splitlines()[-2:] == [
        "  Hint: MSE is the MEAN of the squared errors.", "  Hint: too large"]
    assert failure(check_value, "mse", 1.0, 0.5, hints=tied).splitlines()[-1] == "  Hint: too large"
    with pytest.raises(ValueError, match="neither a cause"):
        check_value("mse", 1.0, 0.5, hints={"sum-not-mean": "typo in the key"})
    # a bool check's hint is its condition
    assert failure(check_value, "copied", False, True, hint="return a copy") == (
        "✗ copied: expected True; found False\n  Hint: return a copy"
    )


# --------------------------------------------------------------------------------------------------------------
# check_array
# --------------------------------------------------------------------------------------------------------------
def test_check_array_passes(capsys):
    x = np.arange(6.0).reshape(3, 2)
    check_array("X", x, x.copy())
    check_array("X", x, shape=(None, 2), dtype=float)
    check_array("X", x.astype("float32"), shape=(3, 2), dtype="float32")
    assert capsys.readouterr().out.splitlines() == [
        "✓ X: shape (3, 2), values correct",
        "✓ X: shape (3, 2), dtype float64",
        "✓ X: shape (3, 2), dtype float32",
    ]


@pytest.mark.parametrize(
    ("found_shape", "expected_shape", "hint"),
    [
        ((100,), (100, 1), "your output has shape (100,), expected (100, 1): did you forget keepdims=True (in a sum "
                           "or mean) or a .reshape(100, 1)?"),
        ((100,), (1, 100), "your output has shape (100,), expected (1, 100): did you forget keepdims=True (in a sum "
                           "or mean) or a .reshape(1, 100)?"),
        ((100, 1), (100,), "your output has shape (100, 1), expected (100,): it has an extra axis of length 1; "
                           "remove it with .ravel() (or drop keepdims=True)."),
        ((1, 100), (100, 1), "your output has shape (1, 100), expected (100, 1): it looks transposed; check the order "
                             "of the factors in the matrix product (X @ w, not w @ X) or add .T."),
        ((3, 5), (5, 3), "your output has shape (3, 5), expected (5, 3): it looks transposed; check the order of the "
                         "factors in the matrix product (X @ w, not w @ X) or add .T."),
        ((100, 100), (100,), "your output has shape (100, 100), expected (100,): subtracting an (n,) array from an "
                             "(n, 1) array broadcasts to an (n, n) matrix; give both the same shape first (e.g. "
                             ".reshape(-1, 1) or .ravel())."),
        ((6, 10), (4, 15), "your output has the right number of elements (60) but shape (6, 10) instead of (4, 15): "
                           "check your reshape."),
    ],
    ids=["keepdims", "row-keepdims", "extra-axis", "row-vs-column", "transposed", "broadcast", "reshape"],
)
def test_check_array_shape_hints(found_shape, expected_shape, hint):
    message = failure(check_array, "y_pred", np.zeros(found_shape), np.zeros(expected_shape))
    assert message == (
        f"✗ y_pred: expected shape {expected_shape}; found shape {found_shape}\n  Hint: {hint}"
    )
    # the same with only shape= given
    assert failure(check_array, "y_pred", np.zeros(found_shape), shape=expected_shape) == message


def test_check_array_list_instead_of_ndarray():
    message = failure(check_array, "y", [1.0, 2.0], np.array([1.0, 2.0]))
    assert message == (
        "✗ y: expected a NumPy array of shape (2,); found a Python list of 2 items\n"
        "  Hint: you returned a Python list; wrap it in np.array(...) (or compute it with NumPy operations instead "
        "of appending to a list in a loop)."
    )


def test_check_array_dtypes():
    int_hint = (
        "your result has an integer dtype (int64) and holds the expected values with the fractional part cut off: "
        "did you use integer division `//`, or build it from integers? Use `/`, or convert with .astype(float)."
    )
    assert failure(check_array, "y", np.array([1, 2]), shape=(2,), dtype=float) == (
        "✗ y: expected dtype float; found dtype int64\n  Hint: expected floats; your array has an integer dtype "
        "(int64): convert with .astype(float), or build it from floats."
    )
    message = failure(check_array, "y", np.array([1, 2]), np.array([1.5, 2.5]))  # // instead of /
    assert message.startswith("✗ y: expected 1.5 at index 0; found 1\n")
    assert "  expected: [1.5, 2.5]\n  found:    [1, 2]" in message
    assert message.endswith(f"  Hint: {int_hint}")
    assert failure(check_array, "x", np.zeros(2), dtype="float32") == (
        "✗ x: expected dtype float32; found dtype float64\n  Hint: convert with .astype('float32')."
    )
    assert failure(check_array, "labels", np.zeros(2), dtype=int).endswith(
        "Hint: class labels and counts are integers: convert with .astype(int) (np.argmax already returns integers)."
    )


def test_check_array_nan_without_expected_values():
    assert failure(check_array, "grad", np.array([1.0, np.nan]), shape=(2,)) == (
        "✗ grad: expected finite numbers; found NaN at index (1,) (1 of 2 values)\n"
        "  Hint: your result contains NaN (not a number): look for 0/0, log(0) or an overflowing exp(); "
        "when training, a too-large learning rate or unscaled inputs."
    )


@pytest.mark.parametrize(
    ("transform", "lines"),
    [
        # Changed from the old ratio-only guesses (issue 8): without evidence only the fact is stated.
        (lambda x: 2 * x, ["Observed: your result is 2 times the expected one.", f"Next step: {NEXT_VALUE}"]),
        (lambda x: x / 50, ["Observed: your result is 1/50 of the expected one.", f"Next step: {NEXT_VALUE}"]),
        (lambda x: -x, ["Observed: your result has the opposite sign of the expected one.", f"Next step: {NEXT_VALUE}"]),
        (lambda x: 3.3 * x, ["Observed: your result is 3.3 times the expected one.", f"Next step: {NEXT_VALUE}"]),
        (lambda x: x + 0.25, ["Observed: every value is off by the same amount (found - expected = 0.25).",
                              f"Next step: {NEXT_VALUE}"]),
        (lambda x: x.T, ["Hint: your result is the transpose of the expected one: swap the order of a matrix product "
                         "or add .T."]),
    ],
    ids=["times2", "divided-by-n", "sign", "factor", "offset", "transpose"],
)
def test_check_array_value_hints(transform, lines):
    expected = np.array([[0.5, -1.25], [2.0, 3.5]])
    message = failure(check_array, "result", transform(expected), expected)
    assert "\n  expected: [[ 0.5 , -1.25], [ 2. , 3.5 ]]\n" in message
    assert message.splitlines()[-len(lines):] == [f"  {line}" for line in lines]


def test_check_array_accepts_tensors():
    class FakeTensor:  # anything with .numpy(), like a tf.Tensor
        def numpy(self):
            return np.ones(3)

    check_array("t", FakeTensor(), np.ones(3))


def test_torch_tensors_are_accepted_and_a_tensor_numpy_cannot_read_gets_its_cause(capsys):
    torch = pytest.importorskip("torch")
    check_array("t", torch.ones(3), np.ones(3))  # a CPU tensor outside autograd is read like an array
    check_function(lambda: (torch.zeros(2), torch.tensor(1.5)), [((), (np.zeros(2), 1.5))], name="pair")
    w = torch.ones(3, requires_grad=True)
    for message in (failure(check_array, "grad_w", w * 2, np.full(3, 2.0)),
                    failure(check_function, lambda: w * 2, [((), np.full(3, 2.0))], name="doubled"),
                    failure(check_value, "loss", (w ** 2).sum(), 3.0)):
        assert "still requires grad" in message and "Hint: " in message and ".detach()" in message, message
    check_array("grad_w", (w * 2).detach(), np.full(3, 2.0))


def test_a_tensor_on_a_gpu_gets_the_cpu_hint():
    # No GPU here: a stand-in with the attributes the check reads (a CUDA tensor's .device.type is "cuda", and
    # its .numpy() raises), so that the message for a GPU tensor is tested without one.
    class Device:
        type = "cuda"

    class CudaTensorStandIn:
        device, requires_grad, shape = Device(), False, (3,)

        def detach(self):
            return self

        def numpy(self):
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() first.")

    message = failure(check_array, "x", CudaTensorStandIn(), np.ones(3))
    assert "found a torch tensor of shape (3,) on the cuda device" in message, message
    assert "Hint: " in message and ".cpu()" in message, message
    assert ".cpu()" in failure(check_function, lambda: CudaTensorStandIn(), [((), np.ones(3))], name="f")


# --------------------------------------------------------------------------------------------------------------
# check_function
# --------------------------------------------------------------------------------------------------------------
def mse_reference(y, y_pred):
    return float(np.mean((y - y_pred) ** 2))


@pytest.fixture
def mse_cases():
    rng = np.random.default_rng(0)
    pairs = [(rng.normal(size=n), rng.normal(size=n)) for n in (4, 10, 50)]
    return [((y, p), mse_reference(y, p)) for y, p in pairs]


def test_check_function_passes_and_counts_cases(mse_cases, capsys):
    check_function(mse_reference, mse_cases)
    check_function(mse_reference, [{"args": (np.ones(2),), "kwargs": {"y_pred": np.zeros(2)}, "expected": 1.0}])
    check_function(abs, [(-2, 2)], name="absolute")  # a non-tuple first item is a single argument
    assert capsys.readouterr().out.splitlines() == [
        "✓ mse_reference: 3 cases passed",
        "✓ mse_reference: 1 case passed",
        "✓ absolute: 1 case passed",
    ]


def test_check_function_reports_first_failing_case_with_inputs(mse_cases):
    def mse(y, y_pred):
        return np.sum((y - y_pred) ** 2)  # the sum, not the mean

    message = failure(check_function, mse, mse_cases)
    lines = message.splitlines()
    assert lines[0].startswith("✗ mse (case 1 of 3): expected ")
    assert lines[1].startswith("  call: mse(y=[")
    assert lines[2] == (  # the ratio 4 is this case's n = 4: the evidence for a sum instead of a mean
        "  Hint: your result is n = 4 times the expected one, and this case has n = 4 values: did you take a sum "
        "where a mean was needed (forgot to divide by n)?"
    )


def test_check_function_none_returned(mse_cases):
    def mse(y, y_pred):
        np.mean((y - y_pred) ** 2)

    message = failure(check_function, mse, mse_cases)
    assert message.endswith("\n  Hint: your function returned None: did you forget `return`?")


def test_check_function_not_implemented_and_not_defined(mse_cases):
    def mse(y, y_pred):
        raise NotImplementedError()

    assert failure(check_function, mse, mse_cases) == (
        "✗ mse: expected your solution; found NotImplementedError raised\n"
        "  Hint: replace `raise NotImplementedError()` with your solution, then run that cell again."
    )
    assert failure(check_function, "gradient_stepp", mse_cases) == (
        "✗ gradient_stepp: expected a function named `gradient_stepp`; found no such name\n"
        "  Hint: run the cell that defines `gradient_stepp` first (and check the spelling of the name)."
    )
    check_function("mse_reference", mse_cases)  # found by name in the caller's namespace
    assert failure(check_function, None, mse_cases, name="mse").startswith("✗ mse: expected a function; found None")


def test_check_function_exception_shows_a_short_traceback_of_the_students_code():
    def predict(X, w):
        return X @ w

    message = failure(check_function, predict, [((np.ones((3, 2)), np.ones(3)), np.ones(3))])
    assert message.startswith(
        "✗ predict (case 1 of 1): expected [1., 1., 1.] (shape (3,), float64); found ValueError raised"
    )
    assert "  your code:\n    test_checks.py, line " in message
    assert "in predict: return X @ w\n  ValueError: matmul:" in message
    assert "checks.py, line" not in message.replace("test_checks.py", "")  # no frames from the checks module
    assert message.endswith("Next step: print the shapes of the arrays in that line (x.shape): they do not fit "
                            "together.")


def test_check_function_wrong_signature_and_case_hint():
    def add_one(x, y):
        return x + 1

    message = failure(check_function, add_one, [((1,), 2)])
    assert "TypeError: " in message
    assert message.endswith(
        "Hint: your function's parameters differ from the exercise's: keep the `def` line given in the exercise."
    )
    message = failure(check_function, lambda x: x, [{"args": (3,), "expected": 5, "hint": "add two"}], name="inc")
    assert message == (  # a case's hint is not tied to a condition: a note, with the neutral next step
        f"✗ inc (case 1 of 1): expected 5; found 3\n  call: inc(x=3)\n  Note: add two\n  Next step: {NEXT_FUNCTION}"
    )
    message = failure(check_function, lambda x: x, [{"args": (3,), "expected": 4, "hint": "add one"}], name="inc")
    assert message.splitlines()[2:] == [  # integers one apart: an off-by-one, which cannot contradict the note
        "  Hint: your result is 1 less than the expected one: an off-by-one? Check 0-based vs 1-based counting, the "
        "bounds of your loops (range(n) vs range(n + 1)) and any + 1 in a size formula.",
        "  Note: add one",
    ]


def test_check_function_custom_compare_and_independent_cases():
    def is_permutation(found, expected):
        if sorted(found) != sorted(expected):
            raise AssertionError("not a permutation of the input")
        return True

    check_function(lambda xs: xs[::-1], [(([1, 2, 3],), [1, 2, 3])], name="shuffle", compare=is_permutation)
    message = failure(check_function, lambda xs: xs[:2], [(([1, 2, 3],), [1, 2, 3])], name="shuffle",
                      compare=is_permutation)
    assert message.endswith("Hint: not a permutation of the input")

    def double_in_place(a):
        a *= 2  # modifies its argument: later cases must still see the original inputs
        return a

    shared = np.array([1.0, 2.0])
    check_function(double_in_place, [((shared,), np.array([2.0, 4.0]))] * 3)
    np.testing.assert_array_equal(shared, [1.0, 2.0])


# --------------------------------------------------------------------------------------------------------------
# Keras: check_model, check_trained, train_or_load (one import, tiny models)
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def dense_model(keras, hidden=8, units=3, activation="softmax"):
    layers = keras.layers
    return keras.Sequential(
        [keras.Input(shape=(4,)), layers.Dense(hidden, activation="relu"), layers.Dense(units, activation=activation)]
    )


SPEC = [("Dense", {"units": 8, "activation": "relu"}), ("Dense", {"units": 3, "activation": "softmax"})]


def test_check_model_passes_on_the_right_model(keras, capsys):
    model = dense_model(keras)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    check_model(model, layers=SPEC, input_shape=(4,), output_shape=(None, 3), params=67,
                loss="sparse_categorical_crossentropy", optimizer={"name": "adam", "learning_rate": 0.01})
    assert capsys.readouterr().out == (
        "✓ model: 2 layers, input shape (None, 4), output shape (None, 3), 67 parameters, "
        "loss sparse_categorical_crossentropy, optimizer adam as expected\n"
    )


def test_check_model_wrong_last_activation(keras):
    message = failure(check_model, dense_model(keras, activation="sigmoid"), layers=SPEC)
    assert message == (
        "✗ model: expected layer 2 of 2 (Dense) to have activation='softmax'; found activation='sigmoid'\n"
        "  expected: Dense(units=8, activation='relu') → Dense(units=3, activation='softmax')\n"
        "  found:    Dense(8, relu) → Dense(3, sigmoid)\n"
        "  Hint: use activation='softmax' in the last layer for one-of-K classification: softmax makes the K outputs "
        "a probability distribution; sigmoid treats each output on its own (for one output unit or multi-label)."
    )
    binary = [("Dense", {"units": 8}), ("Dense", {"units": 1, "activation": "sigmoid"})]
    assert failure(check_model, dense_model(keras, units=1), layers=binary).endswith(
        "Hint: use activation='sigmoid' for a single output unit: softmax over one unit always outputs 1.0."
    )
    assert failure(check_model, dense_model(keras, activation=None), layers=SPEC).endswith(
        "Hint: your last layer has no activation, so it outputs raw scores (logits): add activation='softmax' "
        "(or keep it linear and pass from_logits=True to the loss)."
    )


def test_check_model_units_params_and_shapes(keras):
    assert failure(check_model, dense_model(keras, units=10), layers=SPEC).endswith(
        "Hint: the last layer needs one unit per output (3): for classification, one per class."
    )
    message = failure(check_model, dense_model(keras, hidden=16), params=67)
    assert message.startswith(
        "✗ model: expected 67 parameters; found 131\n  parameters per layer:\n"
        "    Dense(16, relu): 80\n    Dense(3, softmax): 51\n  Next step: parameter counts per layer are listed above"
    )
    assert failure(check_model, dense_model(keras), input_shape=(5,)) == (
        "✗ model: expected input shape (None, 5); found input shape (None, 4)\n"
        "  Hint: check keras.Input(shape=...): it is the shape of ONE sample, without the batch dimension."
    )
    assert failure(check_model, keras.Sequential([keras.layers.Dense(3)]), params=10).endswith(
        "Hint: start the model with keras.Input(shape=...) so that Keras knows the input shape."
    )


def test_check_model_layer_sequence_and_conv_attributes(keras):
    layers = keras.layers
    no_flatten = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(),
         layers.Dense(10, activation="softmax")]
    )
    assert failure(check_model, no_flatten, layers=["Conv2D", "MaxPooling2D", "Flatten", "Dense"]) == (
        "✗ model: expected 4 layers; found 3 layers\n"
        "  expected: Conv2D → MaxPooling2D → Flatten → Dense\n"
        "  found:    Conv2D(8, (3, 3), relu) → MaxPooling2D((2, 2)) → Dense(10, softmax)\n"
        "  Hint: add layers.Flatten() between the last convolution/pooling layer and the first Dense layer."
    )
    cnn = keras.Sequential(
        [keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
         layers.Dropout(0.5), layers.Dense(10, activation="softmax")]
    )
    spec = [
        ("Conv2D", {"filters": 8, "kernel_size": 3, "output_shape": (26, 26, 8)}),
        ("MaxPooling2D", {"pool_size": 2}),
        "Flatten",
        ("Dropout", {"rate": 0.5}),
        ("Dense", {"units": 10}),
    ]
    check_model(cnn, layers=spec, params={"trainable": 13_610, "non_trainable": 0})
    spec[0] = ("Conv2D", {"kernel_size": (5, 5)})
    assert failure(check_model, cnn, layers=spec).startswith(
        "✗ model: expected layer 1 of 5 (Conv2D) to have kernel_size=(5, 5); found kernel_size=(3, 3)\n"
    )


def test_check_model_loss_and_compilation(keras):
    assert failure(check_model, dense_model(keras), loss="sparse_categorical_crossentropy") == (
        "✗ model: expected a compiled model (loss 'sparse_categorical_crossentropy'); found a model that is not "
        "compiled\n  Hint: call model.compile(optimizer=..., loss=..., metrics=[...]) before this check."
    )
    model = dense_model(keras)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    assert failure(check_model, model, loss="sparse_categorical_crossentropy") == (
        "✗ model: expected loss 'sparse_categorical_crossentropy'; found loss 'categorical_crossentropy'\n"
        "  Hint: your labels are integers (0, 1, ..., K-1): use loss='sparse_categorical_crossentropy'; "
        "'categorical_crossentropy' needs one-hot labels (keras.utils.to_categorical)."
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert failure(check_model, model, loss="categorical_crossentropy").endswith(
        "Hint: your labels are one-hot vectors: use loss='categorical_crossentropy'; "
        "'sparse_categorical_crossentropy' needs integer labels."
    )
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert failure(check_model, model, loss="sparse_categorical_crossentropy").endswith(
        "Hint: the loss has from_logits=True but the last layer already applies softmax: drop from_logits=True "
        "(or remove the activation)."
    )
    model.compile(optimizer="sgd", loss=keras.losses.MeanSquaredError())
    check_model(model, loss="mse")
    assert failure(check_model, model, optimizer="adam") == (
        "✗ model: expected optimizer 'adam'; found optimizer 'sgd'"
    )


def test_check_model_rejects_non_models(keras):
    assert failure(check_model, None).startswith("✗ model: expected a Keras model; found None")
    history = keras.callbacks.History()
    history.params = {}
    assert failure(check_model, history) == (
        "✗ model: expected a Keras model; found a History\n"
        "  Hint: return the trained model from your function (`return model`), not the History from fit()."
    )


@pytest.fixture(scope="module")
def tiny_data():
    rng = np.random.default_rng(1)
    x = rng.random((60, 4)).astype("float32")
    y = (x[:, 0] > 0.5).astype("int64") + (x[:, 1] > 0.5).astype("int64")
    return x, y


def build_and_train(keras, x, y, epochs=1):
    model = dense_model(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, verbose=0)
    return model


# Keras's own save code triggers this NumPy 2 deprecation (keras/src/backend/tensorflow/core.py), not ours.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_train_or_load_trains_once_then_loads(keras, tiny_data, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runtime, "QUICK", False)
    path = tmp_path / "tiny.keras"
    trained = checks.train_or_load(path, lambda: build_and_train(keras, *tiny_data, epochs=2))
    assert path.exists() and (tmp_path / "tiny.history.json").exists()
    assert not list(tmp_path.glob("*.partial.keras"))

    def must_not_train():
        raise AssertionError("build_and_train called although tiny.keras exists")

    loaded = checks.train_or_load(str(path), must_not_train)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"No saved model at {path}: training it now.",
        f"Saved the trained model to {path}.",
        f"Loaded the trained model from {path} (delete the file or pass retrain=True to train again).",
    ]
    np.testing.assert_allclose(loaded.predict(tiny_data[0], verbose=0), trained.predict(tiny_data[0], verbose=0),
                               rtol=1e-5)
    assert loaded.history.epoch == [0, 1] and set(loaded.history.history) == {"accuracy", "loss"}
    check_model(loaded, layers=SPEC, loss="sparse_categorical_crossentropy")  # compiled state survives saving

    calls = []
    checks.train_or_load(path, lambda: calls.append(1) or build_and_train(keras, *tiny_data), retrain=True)
    assert calls == [1]


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_train_or_load_keeps_quick_mode_models_apart(keras, tiny_data, tmp_path, monkeypatch):
    # A model trained in quick mode (CI) must not be loaded later as the full-mode model a student is graded on.
    monkeypatch.setattr(runtime, "QUICK", True)
    checks.train_or_load(tmp_path / "tiny.keras", lambda: build_and_train(keras, *tiny_data, epochs=1))
    assert (tmp_path / "tiny.quick.keras").exists() and not (tmp_path / "tiny.keras").exists()
    monkeypatch.setattr(runtime, "QUICK", False)
    calls = []
    checks.train_or_load(tmp_path / "tiny.keras", lambda: calls.append(1) or build_and_train(keras, *tiny_data))
    assert calls == [1] and (tmp_path / "tiny.keras").exists()


def test_train_or_load_mistakes(keras, tmp_path):
    with pytest.raises(ValueError, match="must end in .keras"):
        checks.train_or_load(tmp_path / "model.h5", lambda: None)
    assert failure(checks.train_or_load, tmp_path / "m.keras", lambda: None) == (
        "✗ train_or_load: expected a trained Keras model; found None\n"
        "  Hint: your training function returned None: did you forget `return model`?"
    )
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.parametrize("quick", [True, False])
def test_check_trained_thresholds_follow_the_mode(quick, monkeypatch, capsys):
    monkeypatch.setattr(runtime, "QUICK", quick)
    metrics = {"loss": 0.61, "accuracy": 0.70}
    if quick:
        assert check_trained(metrics, full=0.88, quick=0.5) == pytest.approx(0.70)
        assert capsys.readouterr().out == "✓ test accuracy = 0.7000 ≥ 0.5 (the quick-mode threshold)\n"
    else:
        message = failure(check_trained, metrics, full=0.88, quick=0.5)
        assert message.startswith(
            "✗ test accuracy: expected accuracy ≥ 0.88 (the full-mode threshold); found accuracy = 0.7000\n"
            "  Next step: train longer or improve the model;"
        )
    # lower is better for losses
    loss_check = dict(metric="loss", full=0.42, quick=0.9, higher_is_better=False)
    if quick:
        check_trained(metrics, **loss_check)
    else:
        assert failure(check_trained, metrics, **loss_check).startswith(
            "✗ test loss: expected loss ≤ 0.42 (the full-mode threshold); found loss = 0.6100"
        )


def test_check_trained_evaluates_a_model_on_held_out_data(keras, tiny_data, monkeypatch, capsys):
    monkeypatch.setattr(runtime, "QUICK", False)
    model = build_and_train(keras, *tiny_data)
    expected = model.evaluate(*tiny_data, verbose=0, return_dict=True)["accuracy"]
    assert check_trained(model, data=tiny_data, full=0.0) == pytest.approx(expected)
    assert capsys.readouterr().out.startswith("✓ test accuracy = ")

    untrained = dense_model(keras)
    untrained.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    untrained.set_weights([np.zeros_like(w) for w in untrained.get_weights()])  # predicts one class for everything
    assert failure(check_trained, untrained, data=tiny_data, full=0.9).endswith(
        "is chance level: the model has not learned anything. Check that the loss matches the labels and the "
        "last-layer activation, that the inputs are scaled (e.g. pixels / 255), and the learning rate."
    )
    assert failure(check_trained, dense_model(keras), data=tiny_data).endswith(
        "Hint: call model.compile(optimizer=..., loss=..., metrics=[...]) before this check."
    )
    assert failure(check_trained, model, metric="auc", data=tiny_data).endswith(
        "found no 'auc' among the metrics ['accuracy', 'loss']\n  Hint: compile the model with metrics=['auc']."
    )
    assert failure(check_trained, keras.callbacks.History()).endswith(
        "Hint: pass the trained model and data=(x_test, y_test): the History from fit() holds training metrics, "
        "and this check measures the held-out test set."
    )
    with pytest.raises(TypeError, match="data="):
        check_trained(model)


# --------------------------------------------------------------------------------------------------------------
# hidden_case: a hidden test's failure shows only the author's description of the case
# --------------------------------------------------------------------------------------------------------------
def test_hidden_case_turns_any_failure_into_the_authors_description():
    with pytest.raises(checks.HiddenCaseFailed) as info:
        with checks.hidden_case("  a single-sample input "):
            check_value("secret", 1.0, 2.0)
    err = info.value
    assert isinstance(err, AssertionError) and err.description == "a single-sample input"
    assert str(err) == "your code passed the visible checks but failed a hidden case: a single-sample input"
    assert "secret" not in str(err) and isinstance(err.__cause__, CheckFailed)  # the instructor keeps the details
    assert str(pickle.loads(pickle.dumps(err))) == str(err)
    assert err._render_traceback_() == [f"\x1b[0;31mHiddenCaseFailed\x1b[0m: {err}"]
    with pytest.raises(checks.HiddenCaseFailed, match="a learning rate of 0$"):  # the student's own errors too
        with checks.hidden_case("a learning rate of 0"):
            raise ZeroDivisionError("division by zero")
    with checks.hidden_case("passes"):  # nothing raised: nothing happens
        check_value("fine", 1.0, 1.0)
    with pytest.raises(KeyboardInterrupt):  # not an Exception: never swallowed
        with checks.hidden_case("interrupted"):
            raise KeyboardInterrupt
    with pytest.raises(ValueError, match="needs a description"):
        checks.hidden_case("  ")


def test_check_function_probes_never_modify_the_notebooks_data():
    # A failing case makes check_function call the function again with a notebook variable it reads: on copies.
    namespace = {"np": np, "data": np.array([1.0, 2.0, 3.0])}
    exec("def scale(x):\n    x[:] = 0\n    return data.sum()\n", namespace)  # noqa: S102 - zeroes its input
    case_input = np.array([5.0, 6.0])
    message = failure(check_function, namespace["scale"], [((case_input,), 11.0)])
    assert "reads `data` instead of its parameter `x`" in message
    np.testing.assert_array_equal(namespace["data"], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(case_input, [5.0, 6.0])


# --------------------------------------------------------------------------------------------------------------
# tf.data: check_dataset, count_calls, pipeline_steps (tiny pipelines over strings: no files needed)
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


NAMES = [f"photo_{i:02d}.jpg" for i in range(20)]
STEPS = ["from_tensor_slices", "map (parallel)", "cache", "shuffle", "batch", "prefetch"]


def name_hash(path):
    import tensorflow as tf

    return tf.strings.to_hash_bucket_fast(path, 1000)


def pipeline(tf, decode, *, cache="after_map", parallel=True, reshuffle=True, buffer=None, drop=False, repeat=False):
    """The specified image pipeline, or one of its classic variations."""
    ds = tf.data.Dataset.from_tensor_slices((NAMES, np.arange(20, dtype=np.int32) % 2))
    if cache == "before_map":
        ds = ds.cache()
    ds = ds.map(lambda p, y: (decode(p), y), num_parallel_calls=tf.data.AUTOTUNE if parallel else None)
    if cache == "after_map":
        ds = ds.cache()
    ds = ds.shuffle(buffer or len(NAMES), seed=1, reshuffle_each_iteration=reshuffle)
    if cache == "after_shuffle":
        ds = ds.cache()
    ds = ds.batch(6, drop_remainder=drop)
    return (ds.repeat() if repeat else ds).prefetch(tf.data.AUTOTUNE)


def dataset_check(tf, **variation):
    counter = checks.count_calls(name_hash)
    spec = (tf.TensorSpec((None,), tf.int64), tf.TensorSpec((None,), tf.int32))
    checks.check_dataset(lambda: pipeline(tf, counter, **variation), name="build_pipeline", element_spec=spec,
                         expected=pipeline(tf, name_hash), passes=2, reshuffled=True, batched=True,
                         counter=counter, calls=len(NAMES), calls_when_built=0)


def test_count_calls_counts_executions_in_parallel_maps_not_tracing(tf):
    double = checks.count_calls(lambda x: 2 * x)
    assert double(tf.constant(3)).numpy() == 6 and double.calls == 1
    double.reset()
    ds = tf.data.Dataset.range(200).map(double, num_parallel_calls=8).prefetch(4)
    assert sum(int(x) for x in ds) == 2 * sum(range(200)) and double.calls == 200  # each element exactly once
    assert "calls=200" in repr(double)


def test_pipeline_steps_names_the_python_methods(tf):
    assert checks.pipeline_steps(pipeline(tf, name_hash)) == STEPS
    assert checks.pipeline_steps(pipeline(tf, name_hash, parallel=False, cache="before_map")) == [
        "from_tensor_slices", "cache", "map", "shuffle", "batch", "prefetch"]
    lines = tf.data.TextLineDataset(["a.csv"]).skip(1).batch(2, num_parallel_calls=2).repeat()
    # TensorFlow builds a TextLineDataset itself from steps: one dataset of lines per file name, flattened
    assert checks.pipeline_steps(lines) == ["from_tensor_slices", "flat_map", "skip", "batch", "repeat"]
    zipped = tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(3).take(2)))
    assert checks.pipeline_steps(zipped.with_options(tf.data.Options())) == ["range", "range", "take", "zip"]


def test_check_dataset_passes_on_the_specified_pipeline(tf, capsys):
    dataset_check(tf)
    out = capsys.readouterr().out
    assert out.startswith("✓ build_pipeline: element_spec ((int64 (None,), int32 (None,)))")
    assert "4 elements per pass, first pass as expected, reshuffled between passes" in out
    assert "20 calls of name_hash over 2 passes" in out
    assert checks.check_dataset(pipeline(tf, name_hash), steps=STEPS, passes=2) is None  # a dataset, not a builder
    assert capsys.readouterr().out == f"✓ dataset: steps {' → '.join(STEPS)}, 4 elements per pass\n"


@pytest.mark.parametrize("variation, lines", [
    ({"cache": None}, ["expected 20 calls of name_hash over 2 passes; found 40 calls",
                       "Hint: name_hash ran for every element in each of the 2 passes"]),
    ({"cache": "before_map"}, ["found 40 calls", "a cache() before that map stores only the map's inputs"]),
    ({"cache": "after_shuffle"}, ["expected pass 2 in another order than pass 1; found the same order",
                                  "Hint: the second pass replays the first pass's order"]),
    ({"buffer": 3}, ["(first pass): expected the expected order; found the same examples in another order"]),
    ({"drop": True}, ["expected element_spec int64 (None,); found int64 (6,)", "in element_spec[0]",
                      "Hint: the first (batch) dimension is fixed at 6", "drop_remainder=True"]),
    ({"repeat": True}, ["expected a finite dataset (one pass = one epoch); found an infinite dataset",
                        "Hint: repeat() without a count makes a dataset endless"]),
])
def test_check_dataset_names_what_differs_and_the_cause_the_evidence_shows(tf, variation, lines):
    message = failure(dataset_check, tf, **variation)
    for line in lines:
        assert line in message, message


def test_check_dataset_steps_calls_when_built_and_errors(tf):
    message = failure(checks.check_dataset, pipeline(tf, name_hash, parallel=False), name="ds", steps=STEPS)
    assert "ds (its steps): expected from_tensor_slices → map (parallel) → cache" in message
    assert "Observed: step 2 is 'map' where 'map (parallel)' is expected." in message
    assert "Observed: the first step agrees (from_tensor_slices)." in message
    assert "a map without num_parallel_calls runs in parallel only if" in message and "Next step:" in message

    counter = checks.count_calls(name_hash)

    def eager():  # decodes everything while building: nothing is left for the pipeline to do lazily
        values = [counter(tf.constant(n)) for n in NAMES]
        return tf.data.Dataset.from_tensor_slices(values).batch(6)

    message = failure(checks.check_dataset, eager, name="ds", counter=counter, calls_when_built=0)
    assert "expected 0 calls of name_hash while the dataset is built; found 20 calls" in message

    def broken():
        raise ValueError("no such file")

    message = failure(checks.check_dataset, broken, name="ds")
    assert "expected a tf.data.Dataset; found ValueError raised" in message and "ValueError: no such file" in message
    assert "expected a tf.data.Dataset; found None" in failure(checks.check_dataset, lambda: None, name="ds")

    def not_implemented():
        raise NotImplementedError()

    assert "replace `raise NotImplementedError()`" in failure(checks.check_dataset, not_implemented, name="ds")
    bad_map = tf.data.Dataset.from_tensor_slices(["1", "x"]).map(tf.strings.to_number)
    message = failure(checks.check_dataset, bad_map, name="ds")
    assert "found InvalidArgumentError raised in pass 1" in message
    message = failure(checks.check_dataset, tf.data.Dataset.range(5), expected=[0, 1, 2, 9, 4], name="ds")
    assert "(first pass): expected element 3 = 9; found element 3 = 3" in message
    assert "other examples than the expected one" in message
    with pytest.raises(ValueError, match="at least 2"):
        checks.check_dataset(tf.data.Dataset.range(5), reshuffled=True)
