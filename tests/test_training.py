"""dlcourse.training on every Keras backend: gradients, compiled and TrainStepModel (a GAN with two optimizers).

A Python process has one Keras backend, so each backend runs the checks below in its own subprocess with
``KERAS_BACKEND`` set; the script prints one JSON line of results, compared here with values known in closed form
(or, for a training run, with properties every correct run has).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("tensorflow", "jax", "torch")

SCRIPT = textwrap.dedent(
    '''
    import json
    import numpy as np
    import keras
    from keras import layers, ops
    from dlcourse import training

    out = {"backend": keras.backend.backend()}

    # 1. gradients of a known function, with a tuple returned by the loss function
    w = keras.Variable([1.0, -2.0, 3.0])
    b = keras.Variable(0.5)
    (loss, extra), grads = training.gradients(lambda: (ops.sum(w * w) + 3.0 * b, 7.0), [w, b])
    out["loss"], out["extra"] = float(loss), extra
    out["grads"] = [ops.convert_to_numpy(g).tolist() for g in grads]
    unused = keras.Variable(1.0)
    _, grads = training.gradients(lambda: ops.sum(w), [w, unused])
    out["unused_grad"] = None if grads[1] is None else float(ops.convert_to_numpy(grads[1]))

    # 2. side effects inside the loss function are kept: BatchNormalization statistics, SeedGenerator state
    keras.utils.set_random_seed(0)
    bn_in = keras.Input((2,))
    net = keras.Model(bn_in, layers.Dense(1)(layers.BatchNormalization(momentum=0.5)(bn_in)))
    seeds = keras.random.SeedGenerator(3)
    x = np.array([[1.0, 2.0], [3.0, 6.0]], "float32")
    before = ops.convert_to_numpy(seeds.state).tolist()
    loss, grads = training.gradients(
        lambda: ops.mean(net(x, training=True)) + 0.0 * ops.sum(keras.random.normal((2,), seed=seeds)),
        net.trainable_variables)
    out["moving_mean"] = ops.convert_to_numpy(net.layers[1].moving_mean).tolist()
    out["seed_state_changed"] = ops.convert_to_numpy(seeds.state).tolist() != before
    out["n_grads"] = sum(g is not None for g in grads)

    # 3. compiled
    out["compiled"] = ops.convert_to_numpy(training.compiled(lambda v: 2 * v)(ops.ones((2,)))).tolist()

    # 4. a GAN with two optimizers and BatchNormalization, trained by fit, then one step called directly
    class GAN(training.TrainStepModel):
        def __init__(self, generator, discriminator, **kwargs):
            super().__init__(**kwargs)
            self.generator, self.discriminator = generator, discriminator
            self.seed_generator = keras.random.SeedGenerator(1)
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer):
            super().compile()
            self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def train_step(self, real):
            n = ops.shape(real)[0]
            fake = self.generator(keras.random.normal((n, 3), seed=self.seed_generator), training=True)
            d_loss, grads = training.gradients(
                lambda: ops.mean(ops.softplus(-self.discriminator(real, training=True)))
                + ops.mean(ops.softplus(self.discriminator(fake, training=True))),
                self.discriminator.trainable_weights)
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
            z = keras.random.normal((n, 3), seed=self.seed_generator)
            g_loss, grads = training.gradients(
                lambda: ops.mean(ops.softplus(-self.discriminator(self.generator(z, training=True), training=True))),
                self.generator.trainable_weights)
            self.g_optimizer.apply(grads, self.generator.trainable_weights)
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    keras.utils.set_random_seed(0)
    g_in, d_in = keras.Input((3,)), keras.Input((2,))
    h = layers.ReLU()(layers.BatchNormalization()(layers.Dense(8, use_bias=False)(g_in)))
    generator = keras.Model(g_in, layers.Dense(2)(h))
    discriminator = keras.Model(d_in, layers.Dense(1)(layers.Dense(8, activation="relu")(d_in)))
    g0, d0 = generator.get_weights(), discriminator.get_weights()
    gan = GAN(generator, discriminator)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    data = np.random.default_rng(0).normal(size=(128, 2)).astype("float32")
    history = gan.fit(data, epochs=2, batch_size=32, verbose=0).history
    out["history_lengths"] = {k: len(v) for k, v in history.items()}
    out["finite"] = bool(all(np.isfinite(v).all() for v in history.values()))
    out["iterations"] = [int(ops.convert_to_numpy(o.iterations)) for o in (gan.d_optimizer, gan.g_optimizer)]
    out["adam_moments_moved"] = bool(any(np.abs(ops.convert_to_numpy(v)).sum() > 0
                                         for v in gan.d_optimizer.variables[1:]))
    out["g_changed"] = any(not np.array_equal(a, b) for a, b in zip(generator.get_weights(), g0))
    out["d_changed"] = any(not np.array_equal(a, b) for a, b in zip(discriminator.get_weights(), d0))
    bn = generator.layers[2]
    out["bn_moving_variance_moved"] = bool(np.any(ops.convert_to_numpy(bn.moving_variance) != 1.0))
    logs = gan.train_step(ops.convert_to_tensor(data[:16]))
    out["eager_logs"] = sorted(logs)
    out["iterations_after_eager_step"] = [int(ops.convert_to_numpy(o.iterations))
                                          for o in (gan.d_optimizer, gan.g_optimizer)]
    print("RESULT " + json.dumps(out))
    '''
)


def run_on(backend: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, f"{backend}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_helpers_on_backend(backend):
    out = run_on(backend)
    assert out["backend"] == backend
    # d/dw sum(w^2) = 2w, d/db 3b = 3; the second element of the tuple comes back untouched
    assert out["loss"] == pytest.approx(14.0 + 1.5)
    assert out["extra"] == 7.0
    assert out["grads"][0] == pytest.approx([2.0, -4.0, 6.0]) and out["grads"][1] == pytest.approx(3.0)
    assert out["unused_grad"] in (None, 0.0)
    # BatchNormalization(momentum=0.5) from 0 towards the batch means (2, 4): 0.5 * (2, 4)
    assert out["moving_mean"] == pytest.approx([1.0, 2.0], abs=1e-5)
    assert out["seed_state_changed"] and out["n_grads"] == 4
    assert out["compiled"] == [2.0, 2.0]
    # fit: 2 epochs x 4 batches, each optimizer stepped once per batch, both networks trained
    assert out["history_lengths"] == {"d_loss": 2, "g_loss": 2} and out["finite"]
    assert out["iterations"] == [8, 8]
    assert out["adam_moments_moved"] and out["g_changed"] and out["d_changed"]
    assert out["bn_moving_variance_moved"]
    assert out["eager_logs"] == ["d_loss", "g_loss"] and out["iterations_after_eager_step"] == [9, 9]


def test_tensorflow_gradients_are_the_tape():
    """On TensorFlow, gradients(...) is a tf.GradientTape: the same numbers as the tape written by hand."""
    script = textwrap.dedent(
        '''
        import numpy as np, keras, tensorflow as tf
        from keras import layers, ops
        from dlcourse import training
        keras.utils.set_random_seed(1)
        inputs = keras.Input((4,))
        model = keras.Model(inputs, layers.Dense(1)(layers.Dense(8, activation="tanh")(inputs)))
        x = np.random.default_rng(2).normal(size=(16, 4)).astype("float32")
        with tf.GradientTape() as tape:
            loss = ops.mean(ops.square(model(x)))
        by_hand = tape.gradient(loss, model.trainable_variables)
        value, helper = training.gradients(lambda: ops.mean(ops.square(model(x))), model.trainable_variables)
        same = float(value) == float(loss) and all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(by_hand, helper))
        print("RESULT", same)
        '''
    )
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert "RESULT True" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
