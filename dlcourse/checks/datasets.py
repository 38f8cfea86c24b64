"""``check_dataset``: a ``tf.data`` pipeline's element spec, steps, elements, reshuffling and work done.

Also two tools for writing such checks: :class:`CallCounter` (from :func:`count_calls`), which counts how often a
function such as an image decoder runs inside a pipeline, and :func:`pipeline_steps`, the transformations a
dataset was built with (``from_tensor_slices``, ``map (parallel)``, ``cache`` ...), read from its serialised
graph. TensorFlow is imported only inside the functions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .compare import _compare
from .describe import _describe, _kind
from .diagnose import tied_hints
from .failure import CheckFailed, _count, _passed
from .functions import _short_traceback
from .hints import Hint, cause

#: ``tf.data`` kernel names (without ``Dataset`` and a version suffix) -> the Python method that creates them.
STEP_NAMES = {
    "TensorSlice": "from_tensor_slices",
    "Tensor": "from_tensors",
    "Range": "range",
    "TextLine": "TextLineDataset",  # (built from steps in recent TensorFlow: see pipeline_steps)
    "TFRecord": "TFRecordDataset",
    "FixedLengthRecord": "FixedLengthRecordDataset",
    "Map": "map",
    "ParallelMap": "map (parallel)",
    "Batch": "batch",
    "ParallelBatch": "batch",
    "PaddedBatch": "padded_batch",
    "Shuffle": "shuffle",
    "ShuffleAndRepeat": "shuffle and repeat",
    "Cache": "cache",
    "Prefetch": "prefetch",
    "Repeat": "repeat",
    "Take": "take",
    "Skip": "skip",
    "Filter": "filter",
    "FlatMap": "flat_map",
    "Interleave": "interleave",
    "ParallelInterleave": "interleave (parallel)",
    "Zip": "zip",
    "Concatenate": "concatenate",
    "Unbatch": "unbatch",
    "Generator": "from_generator",
}
#: Kernels that tf.data adds itself (options, autotuning): not steps a student wrote.
_INTERNAL = {"Options", "Model", "MaxIntraOpParallelism", "PrivateThreadPool", "AssertCardinality", "AssertNext"}
_KERNEL = re.compile(r"^(?:Experimental)?(?P<name>\w+?)Dataset(?:V\d+)?$")

NEXT_STEP_DATASET = (
    "print your dataset's element_spec and a few elements (`for x in ds.take(2): print(x)`), and compare each "
    "step of your pipeline with the specification."
)


class CallCounter:
    """A function wrapped so that every call, eager or inside a ``tf.data`` pipeline, adds 1 to :attr:`calls`.

    The count is a ``tf.Variable`` incremented by the wrapped function itself, so it counts executions (every
    element a ``map`` processes, in any thread), not Python-level tracing. Read it after whole passes over a
    dataset: a prefetching or parallel pipeline may already be working on elements beyond the one just
    consumed.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        import tensorflow as tf

        self.fn = fn
        self.__name__ = getattr(fn, "__name__", "function")
        self.__doc__ = getattr(fn, "__doc__", None)
        self._count = tf.Variable(0, dtype=tf.int64, trainable=False, name="calls")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Inside a traced function (a map's), automatic control dependencies run this stateful update every call.
        self._count.assign_add(1)
        return self.fn(*args, **kwargs)

    @property
    def calls(self) -> int:
        """How many times the function ran so far."""
        return int(self._count.numpy())

    def reset(self) -> None:
        """Set the count back to 0."""
        self._count.assign(0)

    def __repr__(self) -> str:
        return f"CallCounter({self.__name__}, calls={self.calls})"


def count_calls(fn: Callable[..., Any]) -> CallCounter:
    """Wrap ``fn`` so that its calls are counted (:attr:`CallCounter.calls`), also inside ``Dataset.map``.

    Examples
    --------
    >>> import tensorflow as tf
    >>> double = count_calls(lambda x: 2 * x)
    >>> ds = tf.data.Dataset.range(5).map(double, num_parallel_calls=2).cache()
    >>> for _ in range(2):
    ...     _ = list(ds)
    >>> double.calls
    5
    """
    return CallCounter(fn)


def _step_name(op: str) -> str | None:
    match = _KERNEL.match(op)
    if not match:
        return None
    name = match.group("name")
    if name in _INTERNAL:
        return ""
    if name in STEP_NAMES:
        return STEP_NAMES[name]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def pipeline_steps(dataset: Any) -> list[str]:
    """The transformations ``dataset`` was built with, from its source to its last step.

    Read from the dataset's serialised graph (the kernels ``tf.data`` runs), before any automatic optimisation.
    Names are those of the Python methods (:data:`STEP_NAMES`): ``"map"`` for a sequential map and
    ``"map (parallel)"`` for one with ``num_parallel_calls``; steps ``tf.data`` adds itself are left out. A
    ``zip`` or ``concatenate`` lists the steps of its inputs first, one input after the other. Some sources are
    built by TensorFlow from steps themselves: ``TextLineDataset`` shows as ``from_tensor_slices`` (the file
    names) followed by ``flat_map`` (the lines of each file).

    Examples
    --------
    >>> import tensorflow as tf
    >>> ds = tf.data.Dataset.from_tensor_slices([1, 2, 3]).map(lambda x: x + 1, num_parallel_calls=2).batch(2)
    >>> pipeline_steps(ds)
    ['from_tensor_slices', 'map (parallel)', 'batch']
    """
    import tensorflow as tf
    from tensorflow.core.framework import graph_pb2

    # external_state_policy=1 (ignore): a counted function's variable must not stop the serialisation
    serialized = tf.raw_ops.DatasetToGraphV2(input_dataset=dataset._variant_tensor, external_state_policy=1)
    graph = graph_pb2.GraphDef.FromString(serialized.numpy())
    nodes = {node.name: node for node in graph.node if _step_name(node.op) is not None}

    def inputs(node: Any) -> list[str]:
        names = [name.split(":")[0] for name in node.input if not name.startswith("^")]
        return [name for name in names if name in nodes]

    consumed = {name for node in nodes.values() for name in inputs(node)}
    finals = [name for name in nodes if name not in consumed]
    if len(finals) != 1:
        raise ValueError(f"cannot tell the last step of this dataset's graph (candidates: {finals})")

    def walk(name: str) -> list[str]:
        node = nodes[name]
        steps = [step for parent in inputs(node) for step in walk(parent)]
        step = _step_name(node.op)
        return steps + [step] if step else steps

    return walk(finals[0])


def _spec_text(spec: Any) -> str:
    """``TensorSpec(shape=(None, 32), dtype=tf.float32)`` as ``float32 (None, 32)``; nested structures kept."""
    import tensorflow as tf

    def one(s: Any) -> str:
        if isinstance(s, tf.TensorSpec):
            shape = "unknown rank" if s.shape.rank is None else str(tuple(s.shape.as_list()))
            return f"{s.dtype.name} {shape}"
        return type(s).__name__

    if isinstance(spec, tuple):
        return "(" + ", ".join(_spec_text(s) for s in spec) + ("," if len(spec) == 1 else "") + ")"
    if isinstance(spec, Mapping):
        return "{" + ", ".join(f"{k!r}: {_spec_text(v)}" for k, v in spec.items()) + "}"
    return one(spec)


def _spec_mismatch(found: Any, expected: Any, where: str = "") -> tuple[str, str, str] | None:
    """(where, expected, found) of the first component whose spec differs, or None."""
    import tensorflow as tf

    if isinstance(expected, (tuple, list)):
        if not isinstance(found, (tuple, list)) or len(found) != len(expected):
            return where or "element", _spec_text(tuple(expected)), _spec_text(found)
        for i, (f, e) in enumerate(zip(found, expected)):
            bad = _spec_mismatch(f, e, f"{where}[{i}]")
            if bad:
                return bad
        return None
    if isinstance(expected, Mapping):
        if not isinstance(found, Mapping) or set(found) != set(expected):
            return where or "element", _spec_text(expected), _spec_text(found)
        for key in expected:
            bad = _spec_mismatch(found[key], expected[key], f"{where}[{key!r}]")
            if bad:
                return bad
        return None
    if not isinstance(found, tf.TensorSpec) or found.dtype != expected.dtype:
        return where, _spec_text(expected), _spec_text(found)
    if found.shape.rank != expected.shape.rank or found.shape.as_list() != expected.shape.as_list():
        return where, _spec_text(expected), _spec_text(found)
    return None


def _to_numpy_structure(element: Any) -> Any:
    import tensorflow as tf

    return tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else np.asarray(t), element)


def _as_tuple(structure: Any) -> Any:
    """Lists (from tf.nest) as tuples, so that elements compare like the dataset's tuples."""
    if isinstance(structure, list):
        return tuple(_as_tuple(s) for s in structure)
    if isinstance(structure, tuple):
        return tuple(_as_tuple(s) for s in structure)
    if isinstance(structure, Mapping):
        return {k: _as_tuple(v) for k, v in structure.items()}
    return structure


def _examples(elements: list[Any], batched: bool) -> Counter:
    """The multiset of examples (rows of batches when ``batched``) as byte fingerprints."""
    import tensorflow as tf

    out: Counter = Counter()
    for element in elements:
        parts = [np.asarray(p) for p in tf.nest.flatten(element)]
        if batched and parts and all(p.ndim >= 1 for p in parts) and len({len(p) for p in parts}) == 1:
            for r in range(len(parts[0])):
                out[tuple((p[r].dtype.str, p[r].shape, p[r].tobytes()) for p in parts)] += 1
        else:
            out[tuple((p.dtype.str, p.shape, p.tobytes()) for p in parts)] += 1
    return out


def _passes(n: int) -> str:
    return f"{n} pass{'' if n == 1 else 'es'}"


def _one_pass(dataset: Any, limit: int) -> list[Any] | None:
    """One full pass as NumPy structures, or None when the dataset has more than ``limit`` elements."""
    elements = []
    for element in dataset:
        if len(elements) >= limit:
            return None
        elements.append(_as_tuple(_to_numpy_structure(element)))
    return elements


def _author(hints: Mapping[str, Any] | None, part: str, found: Any, expected: Any) -> list[str]:
    """The author's hints for the failed ``part``: a text, or ``{condition(found, expected): text}``."""
    entry = (hints or {}).get(part)
    if entry is None:
        return []
    if isinstance(entry, str):
        return [Hint(entry, "author")]
    return list(tied_hints(entry, [], found, expected))


def check_dataset(
    dataset: Any,
    *,
    name: str = "dataset",
    element_spec: Any = None,
    steps: list[str] | None = None,
    expected: Any = None,
    passes: int = 1,
    reshuffled: bool | None = None,
    batched: bool = False,
    counter: CallCounter | None = None,
    calls: int | None = None,
    calls_when_built: int | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hints: Mapping[str, Any] | None = None,
    max_elements: int = 100_000,
) -> None:
    """Check a ``tf.data`` pipeline: its element spec and steps, the elements of a pass, reshuffling, work done.

    The parts are checked in this order, each only when its argument is given; the first that fails raises.

    Parameters
    ----------
    dataset
        The dataset, or better a function of no arguments that builds it (``lambda: build_pipeline(...)``): the
        student's code then runs inside the check, and an error in it gets a short message with their line.
    name
        What is checked, as the student knows it (e.g. ``"build_pipeline(48 photos, batch_size=8, seed=42)"``).
    element_spec
        The expected ``dataset.element_spec``: a nested structure of ``tf.TensorSpec``; shapes must match
        exactly, so ``None`` (any size, e.g. a batch dimension that varies) differs from a fixed size.
    steps
        The expected :func:`pipeline_steps`, e.g. ``["from_tensor_slices", "map (parallel)", "batch"]``.
    expected
        The elements of the first pass, in order: a list of elements, or a reference dataset (iterated once here).
    passes
        How many full passes (epochs) to iterate; at least 2 when ``reshuffled`` is given.
    reshuffled
        True: every pass holds the same examples, and the second pass comes in another order than the first.
        False: every pass repeats the first pass exactly.
    batched
        Whether elements are batches: examples are then the rows of the batches when passes are compared.
    counter, calls, calls_when_built
        A :class:`CallCounter` the pipeline was built with (pass the same counter to the student's code), the
        number of calls expected after all ``passes``, and the number expected right after building (0: nothing
        runs before the dataset is iterated). The counter is reset before the dataset is built.
    rtol, atol
        Tolerance for float elements.
    hints
        The author's hints for a part that fails, by part: ``"build"``, ``"element_spec"``, ``"steps"``,
        ``"iterate"`` (an error while iterating), ``"elements"``, ``"reshuffled"``, ``"calls"``,
        ``"calls_when_built"``; each a text (shown when that part fails) or ``{condition(found, expected): text}``
        as for :func:`check_value`.
    max_elements
        A pass with more elements fails (a dataset that repeats without end is caught earlier, by its cardinality).

    Raises
    ------
    CheckFailed
        Naming the part that failed, with a cause when the evidence fits (an infinite ``repeat()``, a batch
        dimension fixed by ``drop_remainder=True``, a replayed order, a counted function run in every pass).

    Examples
    --------
    >>> import tensorflow as tf
    >>> check_dataset(lambda: tf.data.Dataset.range(10).batch(4), name="batches",
    ...               element_spec=tf.TensorSpec((None,), tf.int64), steps=["range", "batch"])
    ✓ batches: element_spec (int64 (None,)), steps range → batch, 3 elements per pass
    """
    __tracebackhide__ = True
    import tensorflow as tf

    if passes < 1 or (reshuffled is not None and passes < 2):
        raise ValueError("passes must be at least 1, and at least 2 to check reshuffling")

    def fail(expected_text: str, found_text: str, auto: list[str | None] = (), details: list[str] = (),
             part: str = "", found: Any = None, expected_value: Any = None, where: str = "") -> CheckFailed:
        shown = [h for h in auto if h] + _author(hints, part, found, expected_value)
        return CheckFailed(f"{name}{where}", expected_text, found_text, shown, details, (),
                           None if shown else NEXT_STEP_DATASET)

    if counter is not None:
        counter.reset()
    if callable(dataset) and not isinstance(dataset, tf.data.Dataset):
        try:
            dataset = dataset()
        except NotImplementedError:
            raise CheckFailed(name, "your solution", "NotImplementedError raised", [cause("not_implemented")]) from None
        except Exception as exc:  # the student's code failed: show where, briefly
            raise fail("a tf.data.Dataset", f"{type(exc).__name__} raised", [], _short_traceback(exc),
                       "build") from None
    if not isinstance(dataset, tf.data.Dataset):
        auto = [cause("none_returned")] if dataset is None else []
        raise fail("a tf.data.Dataset", _kind(dataset), auto, part="build") from None

    if counter is not None and calls_when_built is not None and counter.calls != calls_when_built:
        raise fail(f"{calls_when_built} calls of {counter.__name__} while the dataset is built",
                   f"{counter.calls} calls",
                   details=[f"Observed: {counter.__name__} ran before the dataset was iterated; a pipeline runs its "
                            "steps only when it is iterated."],
                   part="calls_when_built", found=counter.calls, expected_value=calls_when_built) from None

    if element_spec is not None:
        bad = _spec_mismatch(dataset.element_spec, element_spec)
        if bad:
            where, want, got = bad
            auto: list[str | None] = []
            try:
                found_spec = tf.nest.flatten(dataset.element_spec)
                want_spec = tf.nest.flatten(element_spec)
            except (TypeError, ValueError):
                found_spec, want_spec = [], []
            fixed_batch = [
                f.shape[0] for f, e in zip(found_spec, want_spec)
                if isinstance(f, tf.TensorSpec) and f.shape.rank and e.shape.rank == f.shape.rank
                and e.shape[0] is None and f.shape[0] is not None and f.shape[1:] == e.shape[1:]
            ]
            if fixed_batch and len(fixed_batch) == len(want_spec):
                auto.append(Hint(f"the first (batch) dimension is fixed at {fixed_batch[0]} where it should vary: "
                                 "batch(..., drop_remainder=True) fixes it (and drops the last, smaller batch); "
                                 "keep the default drop_remainder=False.", "drop_remainder"))
            raise fail(f"element_spec {want}", got, auto,
                       [f"in element_spec{where}" if where else "",
                        f"whole element_spec: {_spec_text(dataset.element_spec)}"],
                       "element_spec", dataset.element_spec, element_spec) from None

    found_steps: list[str] | None = None
    try:
        found_steps = pipeline_steps(dataset)
    except Exception:  # the steps are evidence for hints; a graph that cannot be read only loses that
        if steps is not None:
            raise
    if steps is not None and found_steps != list(steps):
        first = next((i for i, (f, e) in enumerate(zip(found_steps, steps)) if f != e),
                     min(len(found_steps), len(steps)))
        agree = "the first step agrees" if first == 1 else f"the first {first} steps agree"
        facts = [f"Observed: {agree} ({' → '.join(steps[:first])})."] if first else []
        if first < len(steps) and first < len(found_steps):
            facts.append(f"Observed: step {first + 1} is {found_steps[first]!r} where {steps[first]!r} is expected.")
        if "map" in found_steps and "map (parallel)" in steps:
            facts.append("Observed: a map without num_parallel_calls runs in parallel only if tf.data's automatic "
                         "optimisations decide so, and never for a function with state.")
        raise fail(" → ".join(steps), " → ".join(found_steps) or "no steps", [], facts, "steps", found_steps,
                   list(steps), " (its steps)") from None

    cardinality = int(dataset.cardinality())
    if cardinality == int(tf.data.INFINITE_CARDINALITY):
        auto = [Hint("repeat() without a count makes a dataset endless; Keras's fit(epochs=...) starts a new pass "
                     "itself, so leave repeat() out.", "repeat")] if found_steps and "repeat" in found_steps else []
        raise fail("a finite dataset (one pass = one epoch)", "an infinite dataset", auto, part="cardinality") from None

    all_passes: list[list[Any]] = []
    for number in range(passes):
        try:
            elements = _one_pass(dataset, max_elements)
        except Exception as exc:  # the student's map functions run while iterating
            raise fail(f"{_passes(passes)} over the dataset", f"{type(exc).__name__} raised in pass {number + 1}",
                       [], _short_traceback(exc), "iterate") from None
        if elements is None:
            raise fail(f"at most {max_elements} elements per pass", "more", part="elements") from None
        all_passes.append(elements)

    first_pass = all_passes[0]
    if expected is not None:
        want = _one_pass(expected, max_elements) if isinstance(expected, tf.data.Dataset) else list(expected)
        want = [_as_tuple(_to_numpy_structure(e)) for e in want]
        if len(first_pass) != len(want):
            raise fail(f"{_count(len(want), 'element')} in the first pass", f"{len(first_pass)}",
                       part="elements", found=len(first_pass), expected_value=len(want)) from None
        for i, (f, e) in enumerate(zip(first_pass, want)):
            mismatch = _compare(f, e, rtol, atol, f"element {i}")
            if mismatch:
                if _examples(first_pass, batched) == _examples(want, batched):
                    raise fail("the expected order", f"the same {'examples' if batched else 'elements'} in another "
                               f"order (from element {i} on)", [], [], "elements", "another order", "the order",
                               " (first pass)") from None
                fact = "Observed: your first pass holds other examples than the expected one (not only another order)."
                raise fail(mismatch.expected, mismatch.found, [], [*mismatch.details, fact], "elements", f, e,
                           " (first pass)") from None

    if reshuffled is not None:
        base = _examples(first_pass, batched)
        for number, other in enumerate(all_passes[1:], start=2):
            if _examples(other, batched) != base:
                raise fail(f"the same examples in every pass", f"other examples in pass {number}",
                           part="reshuffled", found="other examples", expected_value="same examples") from None
        second = all_passes[1]
        identical = len(second) == len(first_pass) and all(
            _compare(a, b, 0, 0) is None for a, b in zip(first_pass, second))
        if reshuffled and identical:
            auto = []
            if found_steps and "shuffle" in found_steps:
                auto.append(Hint("the second pass replays the first pass's order: shuffle(..., "
                                 "reshuffle_each_iteration=False) does that, and so does a cache() placed after the "
                                 "shuffle (it stores the first pass, order included).", "replayed_order"))
            raise fail("pass 2 in another order than pass 1", "the same order", auto, part="reshuffled",
                       found="same order", expected_value="another order") from None
        if reshuffled is False and not identical:
            raise fail("every pass in the same order", "another order in pass 2", part="reshuffled",
                       found="another order", expected_value="same order") from None

    if counter is not None and calls is not None and counter.calls != calls:
        found_calls = counter.calls
        auto, facts = [], []
        if passes > 1 and found_calls == passes * calls:
            auto.append(Hint(f"{counter.__name__} ran for every element in each of the {passes} passes: nothing "
                             "keeps its results between passes. A cache() right after the map that calls it does; "
                             "a cache() before that map stores only the map's inputs.", "not_cached"))
        else:
            facts.append(f"Observed: {found_calls} calls over {passes} passes of {_count(len(first_pass), 'element')}.")
        raise fail(f"{calls} calls of {counter.__name__} over {_passes(passes)}",
                   f"{found_calls} calls", auto, facts, "calls", found_calls, calls) from None

    done = []
    if element_spec is not None:
        done.append(f"element_spec ({_spec_text(element_spec)})")
    if steps is not None:
        done.append("steps " + " → ".join(steps))
    done.append(f"{_count(len(first_pass), 'element')} per pass")
    if expected is not None:
        done.append("first pass as expected")
    if reshuffled is not None:
        done.append("reshuffled between passes" if reshuffled else "same order every pass")
    if counter is not None and calls is not None:
        done.append(f"{calls} calls of {counter.__name__} over {_passes(passes)}")
    _passed(f"{name}: {', '.join(done)}")


__all__ = ["CallCounter", "count_calls", "pipeline_steps", "check_dataset", "STEP_NAMES"]
