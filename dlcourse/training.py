"""Custom training steps that run on every Keras backend (TensorFlow, JAX, PyTorch).

Keras's ``fit`` calls a model's ``train_step``; overriding it is how a VAE, a GAN or a diffusion model trains
with ``fit``. The one backend-specific part of such a step is how gradients are taken: TensorFlow records the
forward pass with ``tf.GradientTape``, PyTorch with autograd, and JAX differentiates a *function* of the weights'
values (and its ``fit`` calls ``train_step(state, data)`` with the weights passed in and out). This module hides
that difference, so a notebook writes its step once:

* :func:`gradients` ``(loss_fn, variables) -> (loss, grads)``: call ``loss_fn()`` and return its value with the
  gradients of the loss with respect to ``variables`` (TensorFlow: ``tf.GradientTape``; PyTorch:
  ``torch.autograd.grad``; JAX: ``jax.value_and_grad``);
* :class:`TrainStepModel`: a ``keras.Model`` base class for models that write ``train_step(self, data)`` with
  :func:`gradients` and ``optimizer.apply``. On TensorFlow and PyTorch it adds nothing; on JAX it turns that step
  into the stateless ``train_step(self, state, data)`` that JAX's ``fit`` compiles, including the variables of
  optimizers other than the compiled one (a GAN's ``d_optimizer`` and ``g_optimizer``);
* :func:`compiled`: a function compiled as ``fit`` compiles a step (``tf.function``, ``jax.jit``), for checks.

On TensorFlow, ``gradients`` is exactly the tape the course used to write by hand, so TensorFlow training is
unchanged (bit for bit).

Examples
--------
>>> import keras
>>> from keras import ops
>>> from dlcourse import training
>>> w = keras.Variable(3.0)
>>> loss, (grad,) = training.gradients(lambda: ops.square(w), [w])
>>> float(loss), float(grad)
(9.0, 6.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
from keras.src.backend.common.stateless_scope import get_stateless_scope

__all__ = ["gradients", "compiled", "TrainStepModel"]


def _loss_of(value: Any) -> Any:
    """The differentiated part of what a loss function returned: the value itself, or its first element."""
    return value[0] if isinstance(value, (tuple, list)) else value


def gradients(loss_fn: Callable[[], Any], variables: Sequence[keras.Variable]) -> tuple[Any, list[Any]]:
    """Call ``loss_fn()`` and return ``(loss, grads)``: its value and the gradients w.r.t. ``variables``.

    Parameters
    ----------
    loss_fn
        A function without arguments that runs the forward pass and returns a scalar loss tensor, or a tuple whose
        first element is the scalar loss (the other elements, e.g. the parts of the loss for the metrics, are
        returned unchanged and are not differentiated).
    variables
        The Keras variables to differentiate with respect to (e.g. ``model.trainable_variables``).

    Returns
    -------
    tuple
        ``(loss, grads)``: what ``loss_fn()`` returned, and a list of gradients in the order of ``variables``
        (``None`` for a variable the loss does not depend on), ready for ``optimizer.apply(grads, variables)``.

    Notes
    -----
    Everything ``loss_fn`` changes as a side effect (BatchNormalization's moving statistics, the state of a
    ``keras.random.SeedGenerator``) is kept, on every backend. The differentiated variables are read, not
    assigned, inside ``loss_fn``.

    Examples
    --------
    >>> import keras
    >>> from keras import ops
    >>> w = keras.Variable([1.0, 2.0])
    >>> (loss, twice), (grad,) = gradients(lambda: (ops.sum(w * w), 2.0), [w])
    >>> float(loss), twice, [float(g) for g in grad]
    (5.0, 2.0, [2.0, 4.0])
    """
    variables = list(variables)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = loss_fn()
        return value, tape.gradient(_loss_of(value), variables)
    if backend == "torch":
        import torch

        value = loss_fn()
        tensors = [v.value for v in variables]
        grads = torch.autograd.grad(_loss_of(value), tensors, allow_unused=True)
        return value, list(grads)
    if backend == "jax":
        return _jax_gradients(loss_fn, variables)
    raise NotImplementedError(f"dlcourse.training.gradients does not support the {backend!r} backend")


def compiled(function: Callable) -> Callable:
    """``function`` compiled the way ``fit`` compiles a ``train_step`` on the current backend.

    TensorFlow: ``tf.function`` (a graph); JAX: ``jax.jit``; PyTorch: the function itself (``fit`` runs PyTorch
    eagerly). Inside the compiled function the arguments are symbolic (a graph tensor, a JAX tracer): code that
    converts them to NumPy fails there, as it would inside ``fit``. Useful in checks of functions meant for a
    ``train_step``.

    Examples
    --------
    >>> from keras import ops
    >>> double = compiled(lambda x: 2 * x)
    >>> ops.convert_to_numpy(double(ops.ones((2,)))).tolist()
    [2.0, 2.0]
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function)
    if backend == "jax":
        import jax

        return jax.jit(function)
    return function


class _RecordingScope(keras.StatelessScope):
    """A StatelessScope that starts from another scope's values and remembers which variables were assigned."""

    def __init__(self, base: dict[int, Any], overrides: Sequence[tuple[keras.Variable, Any]]):
        super().__init__()
        self.state_mapping = dict(base)
        for variable, value in overrides:
            self.state_mapping[id(variable)] = value
        self.assigned: dict[int, keras.Variable] = {}

    def add_update(self, update):
        variable, value = update
        self.assigned[id(variable)] = variable
        super().add_update(update)


def _jax_gradients(loss_fn, variables):
    import jax

    outer = get_stateless_scope()
    base = dict(outer.state_mapping) if outer is not None else {}
    differentiated = {id(v) for v in variables}
    assigned: dict[int, keras.Variable] = {}

    def function(values):
        with _RecordingScope(base, list(zip(variables, values))) as scope:
            value = loss_fn()
        assigned.update(scope.assigned)
        updates = {key: scope.state_mapping[key] for key in scope.assigned if key not in differentiated}
        return _loss_of(value), (value, updates)

    (_, (value, updates)), grads = jax.value_and_grad(function, has_aux=True)([v.value for v in variables])
    for key, new_value in updates.items():  # side effects of the forward pass, e.g. BatchNormalization statistics
        variable = assigned[key]
        if outer is not None:
            outer.add_update((variable, new_value))
        else:
            variable.assign(new_value)
    return value, list(grads)


def _stateless_train_step(step: Callable) -> Callable:
    """Wrap ``step(self, data)`` so that JAX's ``fit`` can call it as ``train_step(self, state, data)``."""

    def train_step(self, *args):
        if len(args) != 2:  # called directly, train_step(data): run the step eagerly on the real variables
            return step(self, *args)
        state, data = args
        trainable, non_trainable, optimizer_values, metric_values = state
        groups = [self.trainable_variables, self.non_trainable_variables, self._all_optimizer_variables(),
                  self.metrics_variables]
        mapping = [pair for variables, values in zip(groups, state) for pair in zip(variables, values)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = step(self, data)
        new_state = tuple([scope.get_current_value(v) for v in variables] for variables in groups)
        return logs, new_state

    train_step._dlcourse_stateless = True
    train_step.__wrapped__ = step
    train_step.__doc__ = step.__doc__
    return train_step


class TrainStepModel(keras.Model):
    """A ``keras.Model`` whose ``train_step(self, data)``, written with :func:`gradients`, runs on every backend.

    Subclass it instead of ``keras.Model`` and write the step once::

        class MyModel(training.TrainStepModel):
            def train_step(self, data):
                loss, grads = training.gradients(lambda: my_loss(self, data), self.trainable_variables)
                self.optimizer.apply(grads, self.trainable_variables)
                ...
                return {"loss": loss}

    On TensorFlow and PyTorch nothing is added: ``fit`` calls ``train_step(data)`` as for any model. On JAX,
    ``fit`` calls ``train_step(state, data)`` with the values of every variable; the subclass's step is run inside
    a ``keras.StatelessScope`` holding those values, and the values it assigns are returned as the new state.
    Optimizers kept as attributes besides ``self.optimizer`` (``self.d_optimizer``, ``self.g_optimizer``) are
    carried in that state too, after ``self.optimizer``'s variables; they are built for all the model's trainable
    variables before ``fit`` starts (variables cannot be created inside a compiled step).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("train_step")
        if keras.backend.backend() == "jax" and step is not None and not getattr(step, "_dlcourse_stateless", False):
            cls.train_step = _stateless_train_step(step)

    # --- JAX only: the optimizers besides self.optimizer, carried in the trainer's state ---------------------
    def _extra_optimizers(self) -> list[keras.optimizers.Optimizer]:
        main = getattr(self, "optimizer", None)
        found = []
        for value in list(vars(self).values()):
            if isinstance(value, keras.optimizers.Optimizer) and value is not main and value not in found:
                found.append(value)
        return found

    def _all_optimizer_variables(self) -> list[keras.Variable]:
        main = getattr(self, "optimizer", None)
        variables = list(main.variables) if main is not None else []
        for optimizer in self._extra_optimizers():
            variables += list(optimizer.variables)
        return variables

    def fit(self, *args, **kwargs):
        if keras.backend.backend() != "tensorflow" and not self.built:
            # JAX's and PyTorch's fit build an unbuilt model by calling it on a symbolic batch; a model trained by
            # its own train_step needs no call(), and its networks are built already.
            self.built = True
        if keras.backend.backend() == "jax":
            for optimizer in self._extra_optimizers():
                if not optimizer.built:
                    optimizer.build(self.trainable_variables)
        return super().fit(*args, **kwargs)

    if keras.backend.backend() == "jax":

        def _get_jax_state(self, trainable_variables=False, non_trainable_variables=False,
                           optimizer_variables=False, metrics_variables=False, purge_model_variables=False):
            state = list(super()._get_jax_state(trainable_variables, non_trainable_variables, optimizer_variables,
                                                metrics_variables, purge_model_variables))
            if optimizer_variables:
                index = int(trainable_variables) + int(non_trainable_variables)
                extra = [v.value for opt in self._extra_optimizers() for v in opt.variables]
                state[index] = list(state[index]) + extra
            return tuple(state)

        def jax_state_sync(self):
            pending = getattr(self, "_jax_state", None) and not self._jax_state_synced
            values = (self._jax_state.get("optimizer_variables") or []) if pending else []
            super().jax_state_sync()
            main = len(self.optimizer.variables) if getattr(self, "optimizer", None) is not None else 0
            extra = [v for opt in self._extra_optimizers() for v in opt.variables]
            for variable, value in zip(extra, list(values)[main:]):
                variable.assign(value)
