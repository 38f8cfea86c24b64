"""dlcourse.sample_quality: the judge of generated images, on the real MNIST (it trains once per test session)."""

from __future__ import annotations

import numpy as np
import pytest
from datahelpers import SHARED, needs_shared

from dlcourse import sample_quality as sq


def test_frechet_distance_is_zero_for_the_same_cloud_and_grows_with_shift_and_spread():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 4))
    assert abs(sq.frechet_distance(a, a)) < 1e-6
    assert sq.frechet_distance(a, a + [3.0, 0, 0, 0]) == pytest.approx(9.0, rel=1e-6)  # |mean shift|^2
    # a spread twice as wide in every direction: tr(S_a + S_b - 2 sqrt(S_a S_b)) = 4 * (1 + 4 - 4) = 4
    assert sq.frechet_distance(a, 2 * a) == pytest.approx(4.0, rel=0.05)
    with pytest.raises(ValueError, match="same d"):
        sq.frechet_distance(a, a[:, :3])


@pytest.mark.parametrize(
    "images, message",
    [
        (np.full((5, 28, 28), -0.5, dtype="float32"), r"rescale with \(x \+ 1\) / 2"),
        (np.full((5, 28, 28), 3.0, dtype="float32"), "rescale them to"),
        (np.full((5, 28, 28), np.nan, dtype="float32"), "NaN or infinite"),
        (np.zeros((5, 32, 32), dtype="float32"), r"got \(5, 32, 32\)"),
    ],
)
def test_bad_images_get_an_error_naming_the_fix(images, message):
    with pytest.raises(ValueError, match=message):
        sq.as_judge_input(images)


def test_uint8_and_float_images_are_read_alike():
    pixels = np.random.default_rng(1).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    assert np.allclose(sq.as_judge_input(pixels), sq.as_judge_input(pixels / 255.0)[...])
    assert sq.as_judge_input(pixels).shape == (3, 28, 28, 1)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.eye(10)[np.arange(300) % 10], r"shape \(300, 10\) of one-hot vectors: pass the 300 class indices"),
        (np.arange(300) % 10 * 1.0, r"expected 300 integer class indices .* type float64"),
        (np.arange(299) % 10, r"expected 300 integer class indices .* shape \(299,\)"),
        (np.arange(300), "from 0 to 9, found values from 0 to 299"),
    ],
)
def test_bad_labels_get_an_error_that_names_a_cause_only_when_it_fits(labels, message):
    """Checked before the judge loads (these fail at once); "one-hot" only when the labels look one-hot."""
    images = np.zeros((300, 28, 28), dtype="float32")
    with pytest.raises(ValueError, match=message) as raised:
        sq.evaluate(images, "mnist", labels=labels)
    assert ("one-hot" in str(raised.value)) == (labels.ndim == 2)
    assert np.array_equal(sq._class_indices((np.arange(300) % 10)[:, None], 300), np.arange(300) % 10)


@pytest.fixture(scope="module")
def mnist_judge_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        cache = tmp_path_factory.mktemp("judge-cache")
        mp.setenv("DLCOURSE_CACHE", str(cache))
        mp.setenv("DLCOURSE_DATA", str(SHARED))
        mp.setenv("DLCOURSE_OFFLINE", "1")
        mp.setenv("DLCOURSE_QUICK", "0")  # the full judge, whatever mode the suite runs in
        sq._JUDGES.clear()
        sq._REAL_FEATURES.clear()
        yield cache
        sq._JUDGES.clear()
        sq._REAL_FEATURES.clear()


@needs_shared
def test_the_judge_is_accurate_cached_and_tells_real_from_collapsed_and_noise(mnist_judge_cache):
    from dlcourse import load_mnist

    judge = sq.judge("mnist")
    assert judge.test_accuracy > 0.98
    cached = list((mnist_judge_cache / "derived").glob("judge-mnist-v*.npz"))
    assert [p.name for p in cached] == [f"judge-mnist-v{sq.JUDGE_VERSION}.npz"]
    # a fresh process would read the weights back from the cache: same predictions, no retraining
    sq._JUDGES.clear()
    again = sq.judge("mnist")
    (x_train, y_train), _ = load_mnist()
    x = x_train[:1000]
    assert np.allclose(judge.predict(x[:50, ..., None] / 255.0, verbose=0),
                       again.predict(x[:50, ..., None] / 255.0, verbose=0), atol=1e-6)

    real = sq.evaluate(x, "mnist")  # real training digits against the real test digits
    assert real.mean_confidence > 0.95 and real.smallest_class_share > 0.05
    assert real.label_agreement is None and "label agreement" not in real.as_row()
    # a conditional generator's digits: judged as the class asked for, or (labels shifted by one) not
    asked = sq.evaluate(x, "mnist", labels=y_train[:1000])
    assert asked.label_agreement > 0.97 and asked.as_row()["label agreement"] > 0.97
    assert "judged as the class asked for" in str(asked)
    assert sq.evaluate(x, "mnist", labels=(y_train[:1000] + 1) % 10).label_agreement < 0.05
    assert abs(real.class_shares.sum() - 1) < 1e-9
    ones = sq.evaluate(x_train[y_train == 1][:1000], "mnist")  # a generator collapsed onto one digit
    assert ones.class_shares[1] > 0.95 and ones.smallest_class_share == 0.0
    noise = sq.evaluate(np.random.default_rng(2).uniform(size=(1000, 28, 28)).astype("float32"), "mnist")
    assert real.frechet_distance < ones.frechet_distance / 5
    assert real.frechet_distance < noise.frechet_distance / 5
    assert "smallest class share 0.0% (0)" in str(ones) or "smallest class share 0.0%" in str(ones)
    with pytest.raises(ValueError, match="at least 200"):
        sq.evaluate(x[:100], "mnist")


@needs_shared
def test_quick_mode_trains_its_own_judge_and_never_overwrites_the_full_one(mnist_judge_cache, monkeypatch):
    sq.judge("mnist")  # the full judge, from the module's cache (trained by the test above if not yet)
    full_file = mnist_judge_cache / "derived" / f"judge-mnist-v{sq.JUDGE_VERSION}.npz"
    before = full_file.read_bytes()
    monkeypatch.setenv("DLCOURSE_QUICK", "1")
    quick = sq.judge("mnist")
    assert (mnist_judge_cache / "derived" / f"judge-mnist-v{sq.JUDGE_VERSION}.quick.npz").exists()
    assert full_file.read_bytes() == before
    assert 0.8 < quick.test_accuracy < 1.0  # 1 epoch on 10,000 images: it works, but is not the full judge
    monkeypatch.setenv("DLCOURSE_QUICK", "0")
    assert sq.judge("mnist") is not quick
