"""Every plotting helper draws a titled figure with labelled axes from realistic inputs (headless)."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from dlcourse import plots  # noqa: E402

rng = np.random.default_rng(0)


class _History:  # the two attributes plot_history reads from keras.callbacks.History
    history = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7], "accuracy": [0.5, 0.7, 0.8],
               "val_accuracy": [0.45, 0.6, 0.65]}
    epoch = [0, 1, 2]


def _classifier():
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return LogisticRegression().fit(X, y), X, y


CALLS = {
    "plot_loss_functions": lambda: plots.plot_loss_functions({"squared": np.square, "absolute": np.abs}),
    "plot_complexity_curve": lambda: plots.plot_complexity_curve([1, 2, 3], [3.0, 2.0, 1.0], [3.5, 2.5, 2.8], best=2),
    "plot_decision_boundary": lambda: plots.plot_decision_boundary(*_classifier(), resolution=40),
    "plot_loss_curves": lambda: plots.plot_loss_curves({"lr=0.1": [3, 2, 1], "lr=0.01": [3, 2.9, 2.8]}),
    "plot_trajectories_2d": lambda: plots.plot_trajectories_2d(
        lambda p: p[0] ** 2 + 3 * p[1] ** 2, {"gd": np.array([[1.0, 1.0], [0.5, 0.3], [0.1, 0.05]])},
        xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), resolution=30),
    "plot_regression_line": lambda: plots.plot_regression_line(rng.normal(size=20), rng.normal(size=20),
                                                                {"fit": (0.5, 0.1)}),
    "plot_activations": lambda: plots.plot_activations({"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}),
    "plot_history": lambda: plots.plot_history(_History(), ["loss", "accuracy"]),
    "plot_image_grid": lambda: plots.plot_image_grid(rng.integers(0, 255, (6, 28, 28)), [0, 1, 2, 0, 1, 2],
                                                     ["a", "b", "c"], predictions=[0, 1, 1, 0, 1, 2], ncols=3),
    "plot_confusion_matrix": lambda: plots.plot_confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], ["a", "b", "c"]),
    "plot_feature_maps": lambda: plots.plot_feature_maps(rng.normal(size=(14, 14, 4)), ncols=2),
    "plot_filters": lambda: plots.plot_filters(rng.normal(size=(3, 3, 1, 4)), ncols=2),
    "plot_history_grid": lambda: plots.plot_history_grid(
        {"baseline": _History(), "dropout": {"loss": [1.1, 0.8, 0.6], "val_loss": [1.0, 0.8, 0.7]},
         "no validation": {"loss": [1.0, 0.5, 0.3]}}, "loss", baseline="baseline", ncols=2),
    "plot_augmentations": lambda: plots.plot_augmentations(
        rng.integers(0, 255, (16, 16, 3)),
        {"flip": rng.integers(0, 255, (2, 16, 16, 3)), "noise": rng.random((3, 16, 16, 3))}),
    "plot_embedding_2d": lambda: plots.plot_embedding_2d(
        rng.normal(size=(4, 2)), ["good", "great", "bad", "awful"], groups=["positive", "positive", "negative", "negative"]),
    "plot_attention": lambda: plots.plot_attention(np.full((3, 3), 1 / 3), ["a", "good", "film"]),
}


def test_every_public_helper_is_exercised_here():
    public = {name for name, f in inspect.getmembers(plots, inspect.isfunction)
              if f.__module__ == plots.__name__ and not name.startswith("_")}
    assert public == set(CALLS), f"add a call for the new helpers {public - set(CALLS)} to this test"


def _axes_of(result):
    if hasattr(result, "get_title"):
        return [result]
    if hasattr(result, "axes") and not isinstance(result, np.ndarray):  # a Figure
        return list(result.axes)
    return list(np.ravel(result))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_helper_draws_a_titled_labelled_figure(name):
    plt.close("all")
    result = CALLS[name]()
    axes = _axes_of(result)
    assert axes, f"{name} returned nothing to inspect"
    figure = axes[0].figure
    titles = [ax.get_title() for ax in figure.axes] + [figure._suptitle.get_text() if figure._suptitle else ""]
    assert any(t.strip() for t in titles), f"{name}: the figure has no title"
    # Image panels (grids of pictures) carry per-panel titles instead of axis labels; data plots need both labels.
    data_axes = [ax for ax in figure.axes if not ax.images and ax.get_label() != "<colorbar>"]
    for ax in data_axes:
        if ax.lines or ax.collections:
            assert ax.get_xlabel().strip() and ax.get_ylabel().strip(), f"{name}: unlabelled axis in {ax}"
    figure.canvas.draw()  # renders without error (catches bad LaTeX in labels)
    plt.close("all")


def test_plot_history_grid_draws_the_baseline_behind_every_other_panel():
    plt.close("all")
    runs = {"baseline": _History(), "dropout": {"accuracy": [0.4, 0.6, 0.7], "val_accuracy": [0.5, 0.7, 0.6]}}
    axes = plots.plot_history_grid(runs, "accuracy", baseline="baseline", ncols=3)
    assert [ax.get_title() for ax in axes] == ["baseline", "dropout"]
    assert len(axes[0].figure.axes) == 2  # the unused third panel is removed
    grey = [line for line in axes[1].lines if line.get_label().startswith("baseline: ")]
    assert len(grey) == 2 and not any(line.get_label().startswith("baseline: ") for line in axes[0].lines)
    best = [line for line in axes[1].lines if line.get_label().startswith("best validation epoch")]
    assert best and best[0].get_xdata()[0] == 2  # highest validation accuracy, for an accuracy metric
    with pytest.raises(KeyError, match="val_loss|no 'loss'"):
        plots.plot_history_grid(runs, "loss")
    plt.close("all")



def test_plot_augmentations_puts_the_original_first_in_every_row():
    plt.close("all")
    image = rng.random((8, 8, 3))
    fig = plots.plot_augmentations(image, {"a": image[None, :, ::-1], "b": np.stack([image] * 3)})
    assert len(fig.axes) == 2 + 4  # row "a": original + 1 version (the 2 unused panels removed); row "b": 1 + 3
    assert [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()] == ["a", "b"]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), image)
    with pytest.raises(ValueError, match="no augmented"):
        plots.plot_augmentations(image, {})
    plt.close("all")


def test_plot_embedding_2d_labels_every_point_and_colours_each_group():
    plt.close("all")
    points = np.array([[0.0, 1.0], [0.2, 0.9], [-1.0, -0.5]])
    ax = plots.plot_embedding_2d(points, ["good", "great", "awful"], groups=["positive", "positive", "negative"])
    assert [t.get_text() for t in ax.texts] == ["good", "great", "awful"]
    assert len(ax.collections) == 2  # one scatter per group
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["positive", "negative"]
    with pytest.raises(ValueError, match="shape"):
        plots.plot_embedding_2d(np.zeros((3, 5)), ["a", "b", "c"])
    plt.close("all")


def test_plot_attention_puts_queries_on_rows_and_keys_on_columns():
    plt.close("all")
    weights = np.array([[0.1, 0.9], [0.5, 0.5], [1.0, 0.0]])
    ax = plots.plot_attention(weights, ["k1", "k2"], queries=["q1", "q2", "q3"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["k1", "k2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["q1", "q2", "q3"]
    np.testing.assert_allclose(ax.images[0].get_array(), weights)
    with pytest.raises(ValueError, match="do not match"):
        plots.plot_attention(weights, ["k1", "k2", "k3"])
    plt.close("all")
