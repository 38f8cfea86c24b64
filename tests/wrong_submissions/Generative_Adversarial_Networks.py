"""Wrong submissions for Generative-Adversarial-Networks/ (see tests/test_hidden_tests.py)."""

from . import Wrong, forget_saved, with_line

WRONG = {}

# --- notebook 01 ---

# Exercise 1.1's correct cell; each wrong submission changes one line of it.
_GAN01_DENSE_AE = """
def build_dense_autoencoder(latent_dim):
    encoder_inputs = keras.Input(shape=(784,))
    h = layers.Dense(256, activation="relu")(encoder_inputs)
    code = layers.Dense(latent_dim, name="code")(h)
    encoder = keras.Model(encoder_inputs, code, name="encoder")

    decoder_inputs = keras.Input(shape=(latent_dim,))
    h = layers.Dense(256, activation="relu")(decoder_inputs)
    reconstruction = layers.Dense(784, activation="sigmoid", name="reconstruction")(h)
    decoder = keras.Model(decoder_inputs, reconstruction, name="decoder")

    inputs = keras.Input(shape=(784,))
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
    return encoder, decoder, autoencoder
"""

_GAN01_NOISE = """
def add_noise(images, noise_std, seed):
    images = np.asarray(images)
    rng = np.random.default_rng(seed)
    noisy = images + rng.normal(0.0, noise_std, size=images.shape)
    return np.clip(noisy, 0.0, 1.0).astype("float32")
"""

_GAN01_ANOMALY = """
ANOMALY_EPOCHS = dlcourse.pick(full=3, quick=1)


def train_anomaly_detector():
    keras.utils.set_random_seed(5)
    normal_images = mx_train[y_train != HELD_OUT]
    model = build_conv_autoencoder()
    model.fit(normal_images, normal_images, epochs=ANOMALY_EPOCHS, batch_size=BATCH_SIZE, verbose=2)
    return model


anomaly_detector = checks.train_or_load("mnist_anomaly_ae.keras", train_anomaly_detector)
"""

WRONG.update({
    ("01_autoencoders.ipynb", "ex1_1_check"): [
        Wrong(source=with_line(_GAN01_DENSE_AE, "decoder_inputs = keras.Input(shape=(latent_dim,))",
                               "decoder_inputs = keras.Input(shape=(2,))"),
              why="the decoder's input size is hard-coded to the visible check's 2-D bottleneck"),
        Wrong(source=with_line(_GAN01_DENSE_AE, 'layers.Dense(784, activation="sigmoid", name="reconstruction")',
                               'layers.Dense(784, name="reconstruction")'),
              why="a linear output layer: reconstructed pixels can leave [0, 1]"),
    ],
    ("01_autoencoders.ipynb", "ex1_2_check"): [
        Wrong(source=with_line(_GAN01_NOISE, 'return np.clip(noisy, 0.0, 1.0).astype("float32")',
                               'return noisy.astype("float32")'),
              why="no clipping: noisy pixels below 0 and above 1"),
        Wrong(source="""
def add_noise(images, noise_std, seed):
    rng = np.random.default_rng(seed)
    images += rng.normal(0.0, noise_std, size=images.shape)  # in place: the caller's array changes
    np.clip(images, 0.0, 1.0, out=images)
    return images.astype("float32")
""", why="adds the noise in place, changing the caller's images"),
    ],
    ("01_autoencoders.ipynb", "ex1_3_check"): [
        Wrong(source="""
def reconstruction_errors(images, reconstructions):
    return np.mean((np.asarray(images) - np.asarray(reconstructions)) ** 2, axis=1)
""", why="averages over axis 1 only: images of shape (n, 28, 28, 1) give (n, 28, 1), not (n,)"),
        Wrong(source="""
def reconstruction_errors(images, reconstructions):
    return np.mean((np.asarray(images) - np.asarray(reconstructions)) ** 2, axis=-1)
""", why="averages over the last axis only: wrong for images of shape (n, 28, 28, 1)"),
    ],
    ("01_autoencoders.ipynb", "ex1_4_check"): [
        Wrong(source=with_line(_GAN01_ANOMALY, "normal_images = mx_train[y_train != HELD_OUT]",
                               "normal_images = mx_train"),
              why="trains on every digit, the held-out one included", setup=forget_saved("mnist_anomaly_ae")),
        Wrong(source=with_line(_GAN01_ANOMALY, "batch_size=BATCH_SIZE, verbose=2)",
                               "batch_size=BATCH_SIZE, validation_split=0.2, verbose=2)"),
              why="keeps a fifth of the normal training images aside for validation: not trained on all of them",
              setup=forget_saved("mnist_anomaly_ae")),
    ],
})


# --- notebook 02 ---

_VAE_02 = """
class VAE(training.TrainStepModel):
    def __init__(self, encoder, decoder, beta=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = beta
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, images, training=False):
        z_mean, _ = self.encoder(images, training=training)
        return self.decoder(z_mean, training=training)

    def train_step(self, data):
        def compute_loss():
            z_mean, z_log_var = self.encoder(data, training=True)
            z = sample_latent(z_mean, z_log_var, self.seed_generator)
            reconstructions = self.decoder(z, training=True)
            reconstruction_loss = ops.mean(reconstruction_loss_per_image(data, reconstructions))
            kl_loss = ops.mean(kl_divergence(z_mean, z_log_var))
            total_loss = reconstruction_loss + self.beta * kl_loss
            return total_loss, reconstruction_loss, kl_loss

        (total_loss, reconstruction_loss, kl_loss), gradients = training.gradients(compute_loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {metric.name: metric.result() for metric in self.metrics}
"""

WRONG.update({
    ("02_variational_autoencoder.ipynb", "ex2_1_check"): [
        Wrong(source="""
def sample_latent(z_mean, z_log_var, seed=None):
    epsilon = keras.random.normal(ops.shape(z_mean), seed=seed)
    return z_mean + ops.exp(z_log_var) * epsilon  # the variance, not the standard deviation
""", why="scales the noise by exp(log_var) (the variance) instead of exp(log_var / 2) (the standard deviation)"),
        Wrong(source="""
def sample_latent(z_mean, z_log_var, seed=None):
    epsilon = keras.random.normal(ops.shape(z_mean), seed=seed)
    return np.asarray(z_mean) + np.exp(0.5 * np.asarray(z_log_var)) * np.asarray(epsilon)  # NumPy: no gradients
""", why="computes z in NumPy: right values, but no gradient reaches z_mean or z_log_var"),
    ],
    ("02_variational_autoencoder.ipynb", "ex2_2_check"): [
        Wrong(source="""
def kl_divergence(z_mean, z_log_var):
    return -0.5 * ops.mean(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
""", why="averages over the latent dimensions instead of summing"),
        Wrong(source="""
def kl_divergence(z_mean, z_log_var):
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.square(ops.exp(z_log_var)), axis=-1)
""", why="takes exp(log_var) for sigma, so sigma squared becomes exp(log_var) squared"),
    ],
    ("02_variational_autoencoder.ipynb", "ex2_3_check"): [
        Wrong(source=with_line(_VAE_02, "total_loss = reconstruction_loss + self.beta * kl_loss",
                               "total_loss = reconstruction_loss + kl_loss"),
              why="ignores the KL weight beta"),
        Wrong(source=with_line(with_line(_VAE_02, "return total_loss, reconstruction_loss, kl_loss",
                                         "return reconstruction_loss, total_loss, kl_loss"),
                               "(total_loss, reconstruction_loss, kl_loss), gradients = training.gradients(compute_loss, self.trainable_variables)",
                               "(reconstruction_loss, total_loss, kl_loss), gradients = training.gradients(compute_loss, self.trainable_variables)"),
              why="differentiates only the reconstruction loss: the KL term sends no gradient to the encoder"),
        Wrong(source=with_line(with_line(_VAE_02, "(total_loss, reconstruction_loss, kl_loss), gradients = training.gradients(compute_loss, self.trainable_variables)",
                                         "(total_loss, reconstruction_loss, kl_loss), gradients = training.gradients(compute_loss, self.encoder.trainable_variables)"),
                               "self.optimizer.apply(gradients, self.trainable_variables)",
                               "self.optimizer.apply(gradients, self.encoder.trainable_variables)"),
              why="updates only the encoder's weights: the decoder never learns"),
    ],
    ("02_variational_autoencoder.ipynb", "ex2_4_check"): Wrong(
        source='BEST_BETA = float(beta_table["Fréchet distance"].idxmax())\nprint("BEST_BETA =", BEST_BETA)\n',
        why="takes the largest Fréchet distance as the best (lower is better)"),
})


# --- notebook 03 ---

# Exercise 3.3's correct train_step, inside the class skeleton of the notebook.
_GAN_03 = """
class GAN(training.TrainStepModel):
    def __init__(self, generator, discriminator, latent_dim, generator_loss_fn=generator_loss, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.generator_loss_fn = generator_loss_fn
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def sample_latent(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def train_step(self, real):
        n = ops.shape(real)[0]
        z = self.sample_latent(n)

        def d_loss_fn():
            fake = self.generator(z, training=True)
            return discriminator_loss(self.discriminator(real, training=True),
                                      self.discriminator(fake, training=True))

        d_loss, d_gradients = training.gradients(d_loss_fn, self.discriminator.trainable_weights)
        self.d_optimizer.apply(d_gradients, self.discriminator.trainable_weights)
        z = self.sample_latent(n)

        def g_loss_fn():
            return self.generator_loss_fn(self.discriminator(self.generator(z, training=True), training=True))

        g_loss, g_gradients = training.gradients(g_loss_fn, self.generator.trainable_weights)
        self.g_optimizer.apply(g_gradients, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}
"""

_NETWORKS_03 = """
def build_generator(latent_dim, hidden_units):
    inputs = keras.Input(shape=(latent_dim,))
    h = layers.Dense(hidden_units, activation="relu")(inputs)
    h = layers.Dense(hidden_units, activation="relu")(h)
    return keras.Model(inputs, layers.Dense(2)(h), name="generator")


def build_discriminator(hidden_units):
    inputs = keras.Input(shape=(2,))
    h = layers.Dense(32, activation="relu")(inputs)
    h = layers.Dense(32, activation="relu")(h)
    return keras.Model(inputs, layers.Dense(1)(h), name="discriminator")


generator = build_generator(LATENT_DIM, HIDDEN_UNITS)
discriminator = build_discriminator(HIDDEN_UNITS)
"""

WRONG.update({
    ("03_gan_basics.ipynb", "ex3_1_check"): Wrong(
        source="""
def discriminator_loss(real_logits, fake_logits):
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def generator_loss(fake_logits):
    return ops.mean(ops.softplus(fake_logits))  # the fakes labelled 0 as in the discriminator's loss
""",
        why="the generator's loss keeps the discriminator's label 0 for the fakes (equal at logit 0 only)"),
    ("03_gan_basics.ipynb", "ex3_2_check"): Wrong(
        source=_NETWORKS_03,
        why="the discriminator ignores hidden_units and always uses 32 units"),
    ("03_gan_basics.ipynb", "ex3_3_check"): Wrong(
        source=with_line(with_line(_GAN_03,
                                   "g_loss, g_gradients = training.gradients(g_loss_fn, self.generator.trainable_weights)",
                                   "g_loss, g_gradients = training.gradients(g_loss_fn, self.trainable_weights)"),
                         "self.g_optimizer.apply(g_gradients, self.generator.trainable_weights)",
                         "self.g_optimizer.apply(g_gradients, self.trainable_weights)"),
        why="the generator step updates all the GAN's weights, the discriminator's too"),
    ("03_gan_basics.ipynb", "ex3_4_check"): Wrong(
        source="""
def modes_covered(samples, centres, radius, min_count):
    squared = np.sum((np.asarray(samples)[:, None, :] - np.asarray(centres)[None, :, :]) ** 2, axis=-1)
    return int(np.sum(np.sum(squared < radius, axis=0) >= min_count))  # squared distance vs the radius
""",
        why="compares the squared distance with the radius"),
})


# --- notebook 04 ---

# Exercise 4.1-4.4's correct cells (markers removed); each wrong submission changes one line of one of them.
_GENERATOR = '''
def build_generator(input_dim):
    inputs = keras.Input(shape=(input_dim,), name="latent_and_label")
    x = layers.Dense(7 * 7 * 64, use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    outputs = layers.Conv2D(1, 3, padding="same", activation="tanh")(x)
    return keras.Model(inputs, outputs, name="generator")
    ### END SOLUTION
'''

_DISCRIMINATOR = '''
def build_discriminator(channels):
    inputs = keras.Input(shape=(28, 28, channels), name="image_and_label_planes")
    x = layers.Conv2D(32, 4, strides=2, padding="same")(inputs)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Conv2D(64, 4, strides=2, padding="same")(x)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(1)(x)
    return keras.Model(inputs, outputs, name="discriminator")
    ### END SOLUTION
'''

_DCGAN = '''
class DCGAN(training.TrainStepModel):
    """A generator and a discriminator trained against each other by fit(), one alternating update per batch."""

    def __init__(self, generator, discriminator, latent_dim, real_label=0.9, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.real_label = real_label  # one-sided label smoothing: the target for real images
        self.seed_generator = keras.random.SeedGenerator(seed)  # the random state of the latent draws
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]  # reset by fit() at the start of every epoch

    def train_step(self, data):
        real_images, labels = data
        n = ops.shape(real_images)[0]
        z = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
        fake_images = self.generator(generator_input(z, labels), training=True)

        def d_loss_fn():
            real_logits = self.discriminator(discriminator_input(real_images, labels), training=True)
            fake_logits = self.discriminator(discriminator_input(fake_images, labels), training=True)
            return (self.loss_fn(ops.full_like(real_logits, self.real_label), real_logits)
                    + self.loss_fn(ops.zeros_like(fake_logits), fake_logits))

        d_weights = self.discriminator.trainable_weights
        d_loss, d_gradients = training.gradients(d_loss_fn, d_weights)
        self.d_optimizer.apply_gradients(zip(d_gradients, d_weights))

        z = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

        def g_loss_fn():
            fake_images = self.generator(generator_input(z, labels), training=True)
            fake_logits = self.discriminator(discriminator_input(fake_images, labels), training=True)
            return self.loss_fn(ops.ones_like(fake_logits), fake_logits)

        g_weights = self.generator.trainable_weights
        g_loss, g_gradients = training.gradients(g_loss_fn, g_weights)
        self.g_optimizer.apply_gradients(zip(g_gradients, g_weights))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}
        ### END SOLUTION
'''

_TRAINING = '''
def train_dcgan():
    keras.utils.set_random_seed(0)
    generator = build_generator(LATENT_DIM + N_CLASSES)
    discriminator = build_discriminator(1 + N_CLASSES)
    gan = DCGAN(generator, discriminator, LATENT_DIM)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5))
    history = gan.fit(train_ds, epochs=EPOCHS, callbacks=[ProgressRecorder(generator, PROGRESS_FILE)], verbose=2)
    generator.history = history
    return generator


generator = checks.train_or_load("dcgan_generator.keras", train_dcgan)
'''

WRONG.update({
    ("04_dcgan.ipynb", "ex4_1_check"): [
        Wrong(source=with_line(_GENERATOR, "keras.Input(shape=(input_dim,)", "keras.Input(shape=(LATENT_DIM + N_CLASSES,)"),
              why="the input size is the notebook's LATENT_DIM + N_CLASSES, not the argument input_dim"),
        Wrong(source=with_line(_GENERATOR, 'activation="tanh"', 'activation="sigmoid"'),
              why="a sigmoid output: pixels in (0, 1), not the (-1, 1) of the scaled real images"),
    ],
    ("04_dcgan.ipynb", "ex4_2_check"): [
        Wrong(source=with_line(_DISCRIMINATOR, "outputs = layers.Dense(1)(x)",
                               'outputs = layers.Dense(1, activation="sigmoid")(x)'),
              why="a sigmoid output: a probability, not the logit the losses (from_logits=True) expect"),
        Wrong(source=_DISCRIMINATOR.replace("layers.LeakyReLU(negative_slope=0.2)", "layers.LeakyReLU()"),
              why="Keras's default LeakyReLU slope (0.3), not the DCGAN's 0.2"),
        Wrong(source=_DISCRIMINATOR.replace('strides=2, padding="same"', "strides=2"),
              why="'valid' padding: 13 x 13 and 5 x 5 feature maps, not 14 x 14 and 7 x 7"),
        Wrong(source=with_line(_DISCRIMINATOR, "keras.Input(shape=(28, 28, channels)", "keras.Input(shape=(28, 28, 1 + N_CLASSES)"),
              why="the channels are the notebook's 1 + N_CLASSES, not the argument channels"),
    ],
    ("04_dcgan.ipynb", "ex4_3_check"): [
        Wrong(source=with_line(_DCGAN, "g_weights = self.generator.trainable_weights",
                               "g_weights = self.trainable_weights"),
              why="the generator step also changes the discriminator (all the model's weights, as in a plain train_step)"),
        Wrong(source=with_line(_DCGAN, 'return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}',
                               'return {"d_loss": d_loss, "g_loss": g_loss}'),
              why="returns this batch's losses instead of the trackers' running means"),
        Wrong(source=with_line(_DCGAN, "ops.full_like(real_logits, self.real_label)", "ops.full_like(real_logits, 0.9)"),
              why="the target for real images hard-coded as 0.9 instead of self.real_label"),
    ],
    ("04_dcgan.ipynb", "ex4_4_check"): Wrong(
        source=with_line(_TRAINING, "epochs=EPOCHS", "epochs=1"), setup=forget_saved("dcgan_generator"),
        why="trains for one epoch instead of EPOCHS"),
})


# --- notebook 05 ---


_NB05 = "05_diffusion.ipynb"
_SCHEDULE_05 = '''
def linear_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    betas = np.linspace(beta_start, beta_end, T, dtype="float32")
    alpha_bars = np.cumprod(1.0 - betas).astype("float32")
    return betas, alpha_bars
'''
_Q_SAMPLE_05 = '''
def q_sample(x0, t, noise, alpha_bars):
    x0 = ops.convert_to_tensor(x0, dtype="float32")
    noise = ops.convert_to_tensor(noise, dtype="float32")
    a = ops.take(ops.convert_to_tensor(alpha_bars, dtype="float32"), ops.convert_to_tensor(t, dtype="int32"))
    a = ops.reshape(a, (-1,) + (1,) * (len(x0.shape) - 1))
    return ops.sqrt(a) * x0 + ops.sqrt(1.0 - a) * noise
'''
_DIFFUSION_MODEL_05 = '''
class DiffusionModel(training.TrainStepModel):
    def __init__(self, denoiser, alpha_bars, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.denoiser = denoiser
        self.alpha_bars = ops.convert_to_tensor(alpha_bars, dtype="float32")
        self.num_steps = int(np.shape(alpha_bars)[0])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs):
        return self.denoiser(inputs)

    def draw_t_and_noise(self, x0):
        n = ops.shape(x0)[0]
        t = keras.random.randint((n,), 0, self.num_steps, seed=self.seed_generator, dtype="int32")
        noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
        return t, noise

    def train_step(self, data):
        x0 = data
        t, noise = self.draw_t_and_noise(x0)
        x_t = q_sample(x0, t, noise, self.alpha_bars)

        def loss_fn():
            predicted_noise = self.denoiser([x_t, t], training=True)
            return ops.mean(ops.square(noise - predicted_noise))

        loss, gradients = training.gradients(loss_fn, self.denoiser.trainable_variables)
        self.optimizer.apply(gradients, self.denoiser.trainable_variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}
'''
_P_SAMPLE_05 = '''
def p_sample_step(x_t, t, predicted_noise, betas, alpha_bars, noise):
    beta, alpha_bar = betas[t], alpha_bars[t]
    mean = (x_t - beta / np.sqrt(1.0 - alpha_bar) * predicted_noise) / np.sqrt(1.0 - beta)
    if t == 0:
        return mean
    variance = (1.0 - alpha_bars[t - 1]) / (1.0 - alpha_bar) * beta
    return mean + np.sqrt(variance) * noise
'''
WRONG.update({
    (_NB05, "ex5_1_check"): [
        Wrong(source=with_line(_SCHEDULE_05, 'np.linspace(beta_start, beta_end, T, dtype="float32")',
                               "np.linspace(beta_start, beta_end, T)").replace('.astype("float32")', ""),
              why="float64 arrays (np.linspace's default dtype), not float32"),
        Wrong(source=with_line(_SCHEDULE_05, 'np.linspace(beta_start, beta_end, T, dtype="float32")',
                               'np.array([beta_start + (beta_end - beta_start) * i / (T - 1) for i in range(T)], '
                               'dtype="float32")'),
              why="evenly spaced by hand with / (T - 1): divides by zero for T = 1"),
    ],
    (_NB05, "ex5_2_check"): [
        Wrong(source=with_line(_Q_SAMPLE_05, "ops.reshape(a, (-1,) + (1,) * (len(x0.shape) - 1))", "a[:, None]"),
              why="a[:, None] broadcasts over one axis only: works for vectors, not for (n, 28, 28, 1) images"),
        Wrong(source='''
def q_sample(x0, t, noise, alpha_bars):
    a = np.asarray(alpha_bars)[np.asarray(t)]
    a = a.reshape((-1,) + (1,) * (np.ndim(x0) - 1))
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * noise
''', why="NumPy indexing with t: fails on a symbolic tensor inside a compiled train_step"),
    ],
    (_NB05, "ex5_3_check"): [
        Wrong(source=with_line(_DIFFUSION_MODEL_05,
                               "        self.optimizer.apply(gradients, self.denoiser.trainable_variables)\n", ""),
              why="computes the loss and the gradients but never applies them: the weights do not change"),
        Wrong(source=with_line(_DIFFUSION_MODEL_05, "q_sample(x0, t, noise, self.alpha_bars)",
                               "q_sample(x0, t, noise, alpha_bars)"),
              why="uses the notebook's global alpha_bars instead of the model's own schedule"),
    ],
    (_NB05, "ex5_4_check"): Wrong(
        source=with_line(_P_SAMPLE_05, "    if t == 0:\n        return mean\n", ""),
        why="adds noise at t = 0 too, with alpha_bars[-1] (the last element) as alpha_bar_{t-1}"),
})
