"""One helper per kind of figure the course draws more than once.

Every helper puts a title and labelled axes on its figure, accepts an optional Matplotlib ``ax`` to draw into
(so figures can be combined with ``plt.subplots``) and returns that axes object. Matplotlib is imported inside
the functions, so ``import dlcourse`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def _finish_line_plot(
    ax: Any,
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    logy: bool = False,
    ylim: tuple[float, float] | None = None,
) -> Any:
    """The common end of every line plot: scale, limits, labels, title, legend, light grid."""
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


# --- Components of Machine Learning ----------------------------------------------------------------------------


def plot_loss_functions(
    losses: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    x: np.ndarray | None = None,
    *,
    xlabel: str = "residual  $y - \\hat{y}$",
    ylabel: str = "loss",
    title: str = "Loss functions",
    ax: Any = None,
) -> Any:
    """Plot several loss functions of one variable on shared axes.

    Parameters
    ----------
    losses
        Mapping from a legend label to a function that maps an array of ``x`` values to the loss at each value,
        e.g. ``{"squared": lambda r: r**2, "absolute": np.abs}``.
    x
        Points at which to evaluate the losses; defaults to 401 points in ``[-3, 3]``.
    xlabel, ylabel, title
        Axis labels and title. For classification losses plotted against the margin ``y * score`` pass
        ``xlabel="margin  $y \\cdot s$"``.
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> ax = plot_loss_functions({"squared": np.square, "absolute": np.abs})
    """
    import matplotlib.pyplot as plt

    if x is None:
        x = np.linspace(-3, 3, 401)
    x = np.asarray(x, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for label, loss in losses.items():
        ax.plot(x, loss(x), label=label, linewidth=2)
    ax.axvline(0, color="grey", linewidth=0.8)
    return _finish_line_plot(ax, xlabel=xlabel, ylabel=ylabel, title=title)


def plot_complexity_curve(
    complexity: Sequence[float] | np.ndarray,
    train_error: Sequence[float] | np.ndarray,
    val_error: Sequence[float] | np.ndarray,
    *,
    xlabel: str = "polynomial degree",
    ylabel: str = "mean squared error",
    title: str = "Training and validation error against model complexity",
    val_label: str = "validation error",
    best: float | None = None,
    logy: bool = False,
    ax: Any = None,
) -> Any:
    """Plot training and validation error against a model-complexity setting (degree, layer width, ...).

    The curve shows under- and overfitting at a glance: training error keeps falling as complexity grows,
    validation error falls and then rises again once the model starts fitting noise.

    Parameters
    ----------
    complexity
        The complexity settings tried (x axis), e.g. polynomial degrees.
    train_error, val_error
        Error for each setting on the training data and on held-out data (same length as ``complexity``).
    xlabel, ylabel, title
        Axis labels and title.
    val_label
        Legend label of the held-out curve (e.g. ``"5-fold cross-validation error"``).
    best
        If given, a dashed vertical line marks this setting (e.g. the one with the lowest validation error).
    logy
        Use a logarithmic y axis (useful when the overfitting error explodes).
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> ax = plot_complexity_curve([1, 2, 3], [3.0, 1.0, 0.5], [3.2, 1.2, 2.0], best=2)
    """
    import matplotlib.pyplot as plt

    complexity = np.asarray(complexity)
    train_error = np.asarray(train_error, dtype=float)
    val_error = np.asarray(val_error, dtype=float)
    if not (len(complexity) == len(train_error) == len(val_error)):
        raise ValueError(
            "complexity, train_error and val_error must have the same length; got "
            f"{len(complexity)}, {len(train_error)} and {len(val_error)}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.plot(complexity, train_error, "o-", label="training error")
    ax.plot(complexity, val_error, "s-", label=val_label)
    if best is not None:
        ax.axvline(best, color="grey", linestyle="--", label=f"chosen: {best}")
    return _finish_line_plot(ax, xlabel=xlabel, ylabel=ylabel, title=title, logy=logy)


def plot_decision_boundary(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    feature_names: Sequence[str] = ("$x_1$", "$x_2$"),
    class_names: Sequence[str] | None = None,
    title: str = "Decision regions",
    resolution: int = 200,
    margin: float = 0.5,
    ax: Any = None,
) -> Any:
    """Draw the decision regions of a classifier with two input features, and the data points on top.

    Works with scikit-learn classifiers (``predict`` returns labels) and Keras models (``predict`` returns
    probabilities: one column is thresholded at 0.5, several columns are reduced with ``argmax``).

    Parameters
    ----------
    model
        A fitted classifier with a ``predict`` method taking an array of shape ``(m, 2)``.
    X
        Inputs, shape ``(n, 2)``.
    y
        Integer class labels, shape ``(n,)``.
    feature_names
        Axis labels for the two features.
    class_names
        Legend names of the classes (defaults to the label values).
    title
        Title of the axes.
    resolution
        Number of grid points along each axis.
    margin
        How far (in feature units) the plotted region extends beyond the data.
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]); y = np.array([0, 1, 1, 0])
    >>> ax = plot_decision_boundary(LogisticRegression().fit(X, y), X, y)
    """
    import matplotlib.pyplot as plt

    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs exactly two features: X of shape (n, 2), got {X.shape}.")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels.")
    x1 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    x2 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    g1, g2 = np.meshgrid(x1, x2)
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    try:
        pred = model.predict(grid, verbose=0)  # Keras
    except TypeError:
        pred = model.predict(grid)  # scikit-learn
    pred = np.asarray(pred)
    if pred.ndim == 2 and pred.shape[1] > 1:
        pred = pred.argmax(axis=1)
    elif pred.dtype.kind == "f" and not np.all(np.isin(pred, np.unique(y))):
        pred = (pred.ravel() > 0.5).astype(int)
    pred = pred.reshape(g1.shape)

    classes = np.unique(np.concatenate([np.unique(y), np.unique(pred)]))
    index = {c: i for i, c in enumerate(classes)}
    regions = np.vectorize(index.get)(pred)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    cmap = plt.get_cmap("tab10")
    from matplotlib.colors import ListedColormap

    ax.contourf(
        g1, g2, regions, levels=np.arange(len(classes) + 1) - 0.5,
        cmap=ListedColormap([cmap(i) for i in range(len(classes))]), alpha=0.25,
    )
    for c in np.unique(y):
        name = class_names[index[c]] if class_names is not None else str(c)
        mask = y == c
        ax.scatter(X[mask, 0], X[mask, 1], color=cmap(index[c]), edgecolor="k", s=30, label=name)
    ax.set(xlabel=feature_names[0], ylabel=feature_names[1], title=title)
    ax.legend()
    return ax


# --- Gradient-Based Learning -----------------------------------------------------------------------------------


def plot_loss_curves(
    curves: Mapping[str, Any],
    *,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str = "Loss curves",
    logy: bool = False,
    ylim: tuple[float, float] | None = None,
    ax: Any = None,
) -> Any:
    """Plot several loss (or metric) curves on shared axes, one line per entry of ``curves``.

    Parameters
    ----------
    curves
        Mapping from a legend label to either a sequence of values (drawn against 0, 1, 2, ...: epochs or
        steps, with the value before training at 0) or a pair ``(x_values, values)`` when the x axis is
        something else, such as wall-clock seconds.
    xlabel, ylabel, title
        Axis labels and title.
    logy
        Use a logarithmic y axis (losses that fall by orders of magnitude, or diverge).
    ylim
        Limits of the y axis, e.g. to keep a diverging curve from flattening the others.
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> ax = plot_loss_curves({"lr = 0.1": [4.0, 2.0, 1.0], "lr = 0.01": [4.0, 3.6, 3.2]}, xlabel="step")
    >>> ax = plot_loss_curves({"batch 32": ([0.0, 0.4, 0.8], [4.0, 1.0, 0.6])}, xlabel="wall time (s)")
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for label, curve in curves.items():
        if isinstance(curve, tuple) and len(curve) == 2:
            xs, ys = np.asarray(curve[0], dtype=float), np.asarray(curve[1], dtype=float)
        else:
            ys = np.asarray(curve, dtype=float)
            xs = np.arange(len(ys))
        if xs.shape != ys.shape:
            raise ValueError(f"curve {label!r}: {len(xs)} x values but {len(ys)} y values.")
        ax.plot(xs, ys, label=label, linewidth=1.8, marker="o" if len(ys) <= 30 else None, markersize=3)
    return _finish_line_plot(ax, xlabel=xlabel, ylabel=ylabel, title=title, logy=logy, ylim=ylim)


def plot_trajectories_2d(
    f: Callable[[np.ndarray], np.ndarray],
    paths: Mapping[str, Any],
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    minimum: Sequence[float] | None = None,
    levels: int = 30,
    log_levels: bool = True,
    resolution: int = 200,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    title: str = "Optimisation paths",
    ax: Any = None,
) -> Any:
    """Draw the contour lines of a function of two variables and optimisation paths on top of them.

    Parameters
    ----------
    f
        The function. It is called once on a grid, ``f(p)`` with ``p`` of shape ``(2, resolution, resolution)``
        (``p[0]`` the first coordinate, ``p[1]`` the second), and should return the values on the grid; a
        function that only takes single points (shape ``(2,)``) is evaluated point by point instead.
    paths
        Mapping from a legend label to the sequence of points visited, an array of shape ``(steps + 1, 2)``.
        The start is marked with a dot, the end with a cross.
    xlim, ylim
        The plotted region.
    minimum
        If given, the location of the minimum, marked with a star.
    levels
        Number of contour levels.
    log_levels
        Space the levels logarithmically (for functions like Rosenbrock's whose values span many decades).
    resolution
        Grid points along each axis.
    xlabel, ylabel, title
        Axis labels and title.
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> bowl = lambda p: p[0] ** 2 + 4 * p[1] ** 2
    >>> path = np.array([[2.0, 1.0], [1.0, 0.2], [0.5, 0.05]])
    >>> ax = plot_trajectories_2d(bowl, {"gradient descent": path}, xlim=(-3, 3), ylim=(-2, 2), minimum=(0, 0))
    """
    import matplotlib.pyplot as plt

    g1, g2 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    grid = np.stack([g1, g2])
    try:
        values = np.asarray(f(grid), dtype=float)
        if values.shape != g1.shape:
            raise ValueError
    except Exception:  # noqa: BLE001 - fall back to point-by-point evaluation for scalar-only functions
        values = np.array([float(f(np.array(point))) for point in grid.reshape(2, -1).T]).reshape(g1.shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if log_levels:  # levels crowd near the minimum, where the interesting part of the path is
        contour_levels = low + np.geomspace((high - low) * 1e-4, high - low, levels)
    else:
        contour_levels = np.linspace(low, high, levels)
    ax.contour(g1, g2, values, levels=contour_levels, cmap="viridis", linewidths=0.7, alpha=0.45)
    for label, path in paths.items():
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"path {label!r} must have shape (steps + 1, 2), got {path.shape}.")
        line, = ax.plot(path[:, 0], path[:, 1], linewidth=1.8, marker="." if len(path) <= 60 else None,
                        label=f"{label} ({len(path) - 1} steps)")
        ax.plot(path[0, 0], path[0, 1], "o", color=line.get_color())  # start
        ax.plot(path[-1, 0], path[-1, 1], "X", color=line.get_color(), markersize=9, markeredgecolor="black")  # end
    if minimum is not None:
        ax.plot(minimum[0], minimum[1], "*", color="red", markersize=14, label="minimum")
    ax.set(xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_regression_line(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    lines: Mapping[str, tuple[float, float]] | None = None,
    *,
    xlabel: str = "x",
    ylabel: str = "y",
    title: str = "Data and fitted lines",
    ylim: tuple[float, float] | None = None,
    ax: Any = None,
) -> Any:
    """Scatter one-feature regression data and draw straight lines ``y = w x + b`` over it.

    Parameters
    ----------
    x, y
        The data points (one feature).
    lines
        Mapping from a legend label to ``(w, b)``, the slope and intercept of a line to draw.
    xlabel, ylabel, title
        Axis labels and title.
    ylim
        Limits of the y axis (keeps a wildly wrong line from squashing the data).
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> ax = plot_regression_line([0, 1, 2], [1, 3, 5], {"y = 2x + 1": (2.0, 1.0)})
    """
    import matplotlib.pyplot as plt

    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(x, y, s=15, alpha=0.6, color="grey", label="data")
    xs = np.linspace(x.min(), x.max(), 2)
    for label, (w, b) in (lines or {}).items():
        ax.plot(xs, float(w) * xs + float(b), linewidth=2, label=label)
    return _finish_line_plot(ax, xlabel=xlabel, ylabel=ylabel, title=title, ylim=ylim)


# --- Artificial Neural Networks --------------------------------------------------------------------------------


def plot_activations(
    functions: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    z: np.ndarray | None = None,
    *,
    xlabel: str = "pre-activation $z$",
    ylabel: str = "$g(z)$",
    title: str = "Activation functions",
    ylim: tuple[float, float] | None = None,
    ax: Any = None,
) -> Any:
    """Plot activation functions (or their derivatives) of one variable on shared axes.

    Parameters
    ----------
    functions
        Mapping from a legend label to a function applied element-wise to an array of ``z`` values,
        e.g. ``{"ReLU": relu, "sigmoid": sigmoid}``. Pass the derivatives with ``ylabel="$g'(z)$"`` to plot those.
    z
        Points at which to evaluate the functions; defaults to 401 points in ``[-5, 5]``.
    xlabel, ylabel, title
        Axis labels and title.
    ylim
        Limits of the y axis (ReLU grows without bound and can flatten the other curves).
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> ax = plot_activations({"ReLU": lambda z: np.maximum(z, 0), "tanh": np.tanh})
    >>> ax = plot_activations({"tanh'": lambda z: 1 - np.tanh(z) ** 2}, ylabel="$g'(z)$", title="Derivatives")
    """
    import matplotlib.pyplot as plt

    if z is None:
        z = np.linspace(-5, 5, 401)
    z = np.asarray(z, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for label, g in functions.items():
        values = np.asarray(g(z), dtype=float)
        if values.shape != z.shape:
            raise ValueError(
                f"{label!r} returned shape {values.shape} for input of shape {z.shape}: "
                "activation functions must work element-wise on arrays."
            )
        ax.plot(z, values, label=label, linewidth=2)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.8)
    return _finish_line_plot(ax, xlabel=xlabel, ylabel=ylabel, title=title, ylim=ylim)


def plot_history(
    history: Any,
    metrics: Sequence[str] | str = ("loss",),
    *,
    title: str | None = None,
    logy: bool = False,
    ax: Any = None,
) -> Any:
    """Plot learning curves: each metric on the training data and, if recorded, on the validation data.

    Parameters
    ----------
    history
        What ``model.fit`` returned (a ``keras.callbacks.History``), or its ``.history`` dict
        (``{"loss": [...], "val_loss": [...], ...}``).
    metrics
        Which metrics to draw, one axes each, e.g. ``("loss", "accuracy")``. ``"val_<name>"`` is drawn
        alongside ``<name>`` automatically.
    title
        Title prefix; each axes is titled "<title>: <metric>" (or just the metric's name when omitted).
    logy
        Use a logarithmic y axis.
    ax
        Matplotlib axes to draw into: one axes per metric (a single axes when there is one metric).
        A new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes or numpy.ndarray of Axes
        The axes drawn into (an array when several metrics are drawn).

    Examples
    --------
    >>> h = {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.6], "accuracy": [0.7, 0.8, 0.85]}
    >>> axes = plot_history(h, metrics=("loss", "accuracy"))
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    records = getattr(history, "history", history)
    if not isinstance(records, Mapping):
        raise TypeError(f"plot_history needs what model.fit returned or its .history dict, got {type(history)}.")
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [name for name in names if name not in records]
    if missing:
        raise KeyError(
            f"no {missing} in the history; it recorded {sorted(records)}. "
            "Metrics are recorded only if they were given to compile(metrics=[...])."
        )
    if ax is None:
        _, ax = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4), squeeze=False)
        axes = ax.ravel()
        ax = axes[0] if len(names) == 1 else axes
    else:
        axes = np.atleast_1d(ax).ravel()
        if len(axes) != len(names):
            raise ValueError(f"{len(names)} metrics need {len(names)} axes, got {len(axes)}.")
    for axis, name in zip(axes, names):
        values = np.asarray(records[name], dtype=float)
        epochs = np.arange(1, len(values) + 1)
        axis.plot(epochs, values, "o-" if len(values) <= 30 else "-", markersize=3, label=f"training {name}")
        if f"val_{name}" in records:
            val = np.asarray(records[f"val_{name}"], dtype=float)
            axis.plot(np.arange(1, len(val) + 1), val, "s--" if len(val) <= 30 else "--", markersize=3,
                      label=f"validation {name}")
        if logy:
            axis.set_yscale("log")
        axis.set(xlabel="epoch", ylabel=name, title=f"{title}: {name}" if title else f"{name} during training")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend()
        axis.grid(alpha=0.3)
    return ax


def plot_image_grid(
    images: Any,
    labels: Sequence[int] | np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    *,
    predictions: Sequence[int] | np.ndarray | None = None,
    ncols: int = 8,
    title: str = "Sample images",
    cmap: str = "gray_r",
) -> Any:
    """Show images in a grid, each titled with its class; with ``predictions``, wrong ones are marked in red.

    Parameters
    ----------
    images
        Array of shape ``(n, height, width)`` (grey) or ``(n, height, width, 3)`` (RGB, values 0..255 or 0..1).
        Flattened grey images ``(n, height * width)`` are reshaped to squares.
    labels
        True integer labels, shape ``(n,)``.
    class_names
        Names of the classes, indexed by label.
    predictions
        Predicted labels; each title then reads "predicted (true)" and is red when they differ.
    ncols
        Number of images per row.
    title
        Title of the whole figure.
    cmap
        Colour map for grey images.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Examples
    --------
    >>> fig = plot_image_grid(np.random.rand(4, 28, 28), [0, 1, 2, 3], ["a", "b", "c", "d"], ncols=4)
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"cannot reshape flat images of length {images.shape[1]} to squares.")
        images = images.reshape(-1, side, side)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    n = len(images)
    if n == 0:
        raise ValueError("no images to show.")
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.8 * nrows + 0.4), squeeze=False)

    def name(label: Any) -> str:
        return str(class_names[int(label)]) if class_names is not None else str(label)

    for i, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if i >= n:
            continue
        image = images[i]
        if image.ndim == 3 and image.max() > 1.0:
            image = image.astype("uint8")
        axis.imshow(image, cmap=cmap if image.ndim == 2 else None)
        if predictions is not None:
            wrong = labels is not None and int(predictions[i]) != int(labels[i])
            text = name(predictions[i]) + (f"\n({name(labels[i])})" if labels is not None else "")
            axis.set_title(text, fontsize=8, color="red" if wrong else "black")
        elif labels is not None:
            axis.set_title(name(labels[i]), fontsize=8)
    if predictions is not None and labels is not None:
        title = f"{title}: predicted (true), wrong in red"
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    class_names: Sequence[str] | None = None,
    *,
    normalize: bool = False,
    title: str = "Confusion matrix",
    ax: Any = None,
) -> Any:
    """Draw the confusion matrix of integer class predictions: rows are true classes, columns predicted ones.

    Parameters
    ----------
    y_true, y_pred
        True and predicted integer labels, shape ``(n,)``. (For probabilities, pass ``probs.argmax(axis=1)``.)
    class_names
        Names of the classes, indexed by label; defaults to ``0 .. k-1``.
    normalize
        Divide each row by its total, so a cell is the fraction of that true class predicted as the column's class.
    title
        Title of the axes.
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> ax = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ["cat", "dog", "bird"])
    """
    import matplotlib.pyplot as plt

    y_true = np.asarray(y_true).ravel().astype(int)
    y_pred = np.asarray(y_pred).ravel().astype(int)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}. "
            "For predicted probabilities pass probs.argmax(axis=1)."
        )
    k = len(class_names) if class_names is not None else int(max(y_true.max(), y_pred.max())) + 1
    matrix = np.zeros((k, k), dtype=float)
    np.add.at(matrix, (y_true, y_pred), 1)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * k + 3, 0.6 * k + 2.5))
    image = ax.imshow(matrix, cmap="Blues")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(k):
        for j in range(k):
            text = f"{matrix[i, j]:.2f}" if normalize else f"{int(matrix[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    return ax


# --- Convolutional Neural Nets ---------------------------------------------------------------------------------


def plot_feature_maps(
    maps: Any,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 8,
    title: str = "Feature maps",
    cmap: str = "viridis",
    max_maps: int | None = None,
    colorbar: bool = False,
) -> Any:
    """Show 2-D maps side by side: the channels of a convolutional layer's output, or any list of images.

    Parameters
    ----------
    maps
        Either one layer's activations for one image, shape ``(height, width, channels)`` (a leading batch axis
        of size 1 is dropped), drawn one channel per panel; or a list of arrays of possibly different sizes, each
        2-D (drawn with ``cmap``) or ``(height, width, 3)`` RGB (values 0..255 or 0..1).
    titles
        One title per panel; defaults to "channel <i>" for activations and to nothing for a list.
    ncols
        Number of panels per row.
    title
        Title of the whole figure.
    cmap
        Colour map for 2-D panels (``"gray"`` for images and edge maps, ``"viridis"`` for activations).
    max_maps
        Draw at most this many panels (the first ones), e.g. 16 of a layer's 128 channels.
    colorbar
        Add a small colour bar to every 2-D panel (useful when the panels have different value ranges).

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Examples
    --------
    >>> fig = plot_feature_maps(np.random.rand(26, 26, 32), max_maps=8, title="conv1 activations")
    >>> fig = plot_feature_maps([np.eye(5), np.ones((3, 3))], ["identity", "ones"], cmap="gray")
    """
    import matplotlib.pyplot as plt

    if isinstance(maps, (list, tuple)):
        panels = [np.asarray(m, dtype=float) for m in maps]
        default_titles = None
    else:
        array = np.asarray(maps, dtype=float)
        if array.ndim == 4 and array.shape[0] == 1:
            array = array[0]
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise ValueError(
                "plot_feature_maps needs activations of shape (height, width, channels) or a list of 2-D arrays; "
                f"got shape {array.shape}. For a batch, pass one image's activations: acts[0]."
            )
        panels = [array[..., i] for i in range(array.shape[-1])]
        default_titles = [f"channel {i}" for i in range(len(panels))]
    for i, panel in enumerate(panels):
        if not (panel.ndim == 2 or (panel.ndim == 3 and panel.shape[-1] == 3)):
            raise ValueError(f"panel {i} has shape {panel.shape}; each panel must be 2-D or (height, width, 3).")
    if max_maps is not None:
        panels = panels[:max_maps]
    if not panels:
        raise ValueError("no maps to show.")
    names = list(titles) if titles is not None else default_titles
    if names is not None and len(names) < len(panels):
        raise ValueError(f"{len(panels)} panels but only {len(names)} titles.")
    n = len(panels)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.0 * ncols, 2.3 * nrows + 0.5), squeeze=False)
    for i, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if i >= n:
            continue
        panel = panels[i]
        if panel.ndim == 3:
            shown = axis.imshow(np.clip(panel / 255.0 if panel.max() > 1.0 else panel, 0.0, 1.0))
        else:
            shown = axis.imshow(panel, cmap=cmap)
            if colorbar:
                fig.colorbar(shown, ax=axis, fraction=0.046, pad=0.04)
        if names is not None:
            axis.set_title(str(names[i]), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_filters(
    kernel: Any,
    *,
    ncols: int = 8,
    title: str = "Convolution kernels",
    max_filters: int | None = None,
    channel: int | None = None,
) -> Any:
    """Show the kernels of a ``Conv2D`` layer, one panel per filter, on a shared symmetric colour scale.

    Parameters
    ----------
    kernel
        The layer's kernel, shape ``(kernel_height, kernel_width, in_channels, filters)``, e.g.
        ``model.get_layer("conv1").get_weights()[0]``.
    ncols
        Number of panels per row.
    title
        Title of the whole figure.
    max_filters
        Draw at most this many filters (the first ones).
    channel
        Which input channel to show. By default a kernel on one channel is drawn as it is, and a kernel on three
        channels (the first layer on RGB images) is drawn as a colour image, rescaled to 0..1; for other inputs the
        weights are averaged over the input channels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Red is a positive weight and blue a negative one (grey-scale kernels), so an edge detector
        shows up as a red and a blue band.

    Examples
    --------
    >>> fig = plot_filters(np.random.randn(3, 3, 1, 16), ncols=8)
    """
    import matplotlib.pyplot as plt

    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 4:
        raise ValueError(
            "plot_filters needs a Conv2D kernel of shape (kernel_height, kernel_width, in_channels, filters), "
            f"got shape {kernel.shape}. Use layer.get_weights()[0] (index 1 is the bias)."
        )
    n = kernel.shape[-1] if max_filters is None else min(max_filters, kernel.shape[-1])
    rgb = channel is None and kernel.shape[2] == 3
    if channel is not None:
        panels = kernel[:, :, channel, :n]
    elif rgb:
        panels = kernel[..., :n]
    else:
        panels = kernel[..., :n].mean(axis=2)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.4 * nrows + 0.5), squeeze=False)
    limit = float(np.abs(panels).max()) or 1.0
    for i, axis in enumerate(axes.ravel()):
        axis.set_xticks([])
        axis.set_yticks([])
        if i >= n:
            axis.axis("off")
            continue
        if rgb:
            k = panels[..., i]
            axis.imshow((k - k.min()) / (np.ptp(k) or 1.0))
        else:
            shown = axis.imshow(panels[..., i], cmap="bwr", vmin=-limit, vmax=limit)
        axis.set_title(f"filter {i}", fontsize=7)
    if not rgb:
        fig.colorbar(shown, ax=axes.ravel().tolist(), fraction=0.02, pad=0.02, label="weight")
    fig.suptitle(title)
    return fig


# --- Regularization --------------------------------------------------------------------------------------------


def plot_history_grid(
    histories: Mapping[str, Any],
    metric: str = "loss",
    *,
    baseline: str | None = None,
    ncols: int = 3,
    mark_best: bool = True,
    title: str | None = None,
    logy: bool = False,
    sharey: bool = True,
) -> Any:
    """Small multiples of learning curves: one panel per run, training and validation curves of one metric.

    Each panel shows one run's training curve (solid) and validation curve (dashed). With ``baseline``, the
    baseline run's two curves are drawn in grey in every other panel, so each run is compared with the same
    reference, and the panels share the y axis (``sharey``) so that gaps can be compared across panels.

    Parameters
    ----------
    histories
        Mapping from a panel title (the run's name) to what ``model.fit`` returned (a ``keras.callbacks.History``)
        or its ``.history`` dict. Each must hold ``metric``; ``"val_<metric>"`` is drawn when recorded.
    metric
        The metric to draw, e.g. ``"loss"``, ``"accuracy"`` or a metric's name given to ``compile``.
    baseline
        The key in ``histories`` of the reference run, drawn in grey behind every other panel's curves.
    ncols
        Number of panels per row.
    mark_best
        Mark the best validation epoch of each run with a dotted vertical line (the lowest value, or the highest
        for a metric whose name contains "acc" or "auc").
    title
        Title of the whole figure; defaults to "Training and validation <metric>".
    logy
        Use a logarithmic y axis.
    sharey
        Share the y axis between the panels.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The panels, in the order of ``histories`` (unused panels of the last row are removed).

    Examples
    --------
    >>> runs = {"baseline": {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.8, 0.9]},
    ...         "dropout": {"loss": [1.1, 0.7, 0.5], "val_loss": [1.1, 0.8, 0.7]}}
    >>> axes = plot_history_grid(runs, "loss", baseline="baseline")
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    records = {}
    for name, history in histories.items():
        record = getattr(history, "history", history)
        if not isinstance(record, Mapping):
            raise TypeError(f"{name!r}: expected what model.fit returned or its .history dict, got {type(history)}.")
        if metric not in record:
            raise KeyError(f"{name!r} has no {metric!r} in its history; it recorded {sorted(record)}.")
        records[name] = record
    if not records:
        raise ValueError("no histories to draw.")
    if baseline is not None and baseline not in records:
        raise KeyError(f"baseline {baseline!r} is not one of the histories {list(records)}.")
    higher_is_better = any(word in metric.lower() for word in ("acc", "auc"))
    n = len(records)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows + 0.5), squeeze=False, sharey=sharey)
    flat = axes.ravel()

    def curves(axis, record, *, grey=False, label=""):
        train = np.asarray(record[metric], dtype=float)
        epochs = np.arange(1, len(train) + 1)
        style = dict(color="grey", alpha=0.6, linewidth=1.0) if grey else dict(linewidth=1.8)
        axis.plot(epochs, train, "-", label=f"{label}training", **style)
        key = f"val_{metric}"
        if key in record:
            val = np.asarray(record[key], dtype=float)
            line, = axis.plot(np.arange(1, len(val) + 1), val, "--", label=f"{label}validation", **style)
            if mark_best and not grey and len(val):
                best = int(np.argmax(val) if higher_is_better else np.argmin(val)) + 1
                axis.axvline(best, color=line.get_color(), linestyle=":", linewidth=1.0,
                             label=f"best validation epoch ({best})")

    for axis, (name, record) in zip(flat, records.items()):
        if baseline is not None and name != baseline:
            curves(axis, records[baseline], grey=True, label=f"{baseline}: ")
        curves(axis, record)
        if logy:
            axis.set_yscale("log")
        axis.set(xlabel="epoch", ylabel=metric, title=name)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
        axis.legend(fontsize="x-small")
    for axis in flat[n:]:
        axis.remove()
    fig.suptitle(title or f"Training and validation {metric}")
    fig.tight_layout()
    return flat[:n]


def plot_augmentations(
    original: Any,
    variants: Mapping[str, Any],
    *,
    title: str = "Random augmentations of one image",
) -> Any:
    """Show an image and random augmented versions of it: one row per augmentation, the original first.

    Parameters
    ----------
    original
        The image, shape ``(height, width, 3)`` (RGB, values 0..255 or 0..1) or ``(height, width)`` (grey).
    variants
        Mapping from a row label (e.g. ``"RandomRotation(0.1)"``) to the augmented versions of ``original`` drawn
        for that row, an array of shape ``(n, height, width[, 3])``. Rows may hold different numbers of versions.
    title
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: the original in the first column (its row label on the left), the versions to its right.

    Examples
    --------
    >>> image = np.random.rand(32, 32, 3)
    >>> variants = {"flip": image[None, :, ::-1], "noise": image + 0.1 * np.random.rand(3, 32, 32, 3)}
    >>> fig = plot_augmentations(image, variants)
    """
    import matplotlib.pyplot as plt

    if not variants:
        raise ValueError("no augmented versions to show.")
    rows = {label: np.asarray(images) for label, images in variants.items()}
    for label, images in rows.items():
        if images.ndim not in (3, 4) or len(images) == 0:
            raise ValueError(f"{label!r}: expected an array of shape (n, height, width[, 3]), got {images.shape}.")
    ncols = 1 + max(len(images) for images in rows.values())
    fig, axes = plt.subplots(len(rows), ncols, figsize=(1.5 * ncols, 1.6 * len(rows) + 0.5), squeeze=False)

    def show(axis: Any, image: Any) -> None:
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        if image.ndim == 3:
            # values 0..255 as bytes; augmented float images may stray slightly outside 0..1 or 0..255
            image = np.clip(image, 0, 255).astype("uint8") if image.max() > 1.0 else np.clip(image, 0.0, 1.0)
        axis.imshow(image, cmap="gray" if image.ndim == 2 else None)

    for r, (label, images) in enumerate(rows.items()):
        for c, axis in enumerate(axes[r]):
            # ticks and frame off, but not the axis: the row label is the first panel's y label
            axis.set_xticks([])
            axis.set_yticks([])
            for spine in axis.spines.values():
                spine.set_visible(False)
            if c == 0:
                show(axis, original)
                axis.set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
            elif c <= len(images):
                show(axis, images[c - 1])
            else:
                axis.remove()
                continue
            if r == 0:
                axis.set_title("original" if c == 0 else f"draw {c}", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_embedding_2d(
    points: Any,
    labels: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    title: str = "Word vectors projected to 2-D",
    xlabel: str = "component 1",
    ylabel: str = "component 2",
    ax: Any = None,
) -> Any:
    """Scatter plot of 2-D points (e.g. word vectors after PCA), each labelled with its word, coloured by group.

    Parameters
    ----------
    points
        Array of shape ``(n, 2)``: the projected vectors.
    labels
        The ``n`` texts written next to the points (the words).
    groups
        Optional group name of each point (e.g. ``"positive"``, ``"negative"``): one colour and legend entry per
        group, in order of first appearance.
    title, xlabel, ylabel
        Title and axis labels (name the projection, e.g. ``"PC 1 (12 % of the variance)"``).
    ax
        Matplotlib axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> points = np.array([[0.0, 1.0], [0.2, 0.9], [-1.0, -0.5]])
    >>> ax = plot_embedding_2d(points, ["good", "great", "awful"], groups=["positive", "positive", "negative"])
    """
    import matplotlib.pyplot as plt

    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}: project the vectors to 2-D first.")
    labels = [str(label) for label in labels]
    if len(labels) != len(points):
        raise ValueError(f"{len(points)} points but {len(labels)} labels.")
    groups = list(groups) if groups is not None else [""] * len(points)
    if len(groups) != len(points):
        raise ValueError(f"{len(points)} points but {len(groups)} groups.")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6))
    for group in dict.fromkeys(groups):
        mask = np.array([g == group for g in groups])
        ax.scatter(points[mask, 0], points[mask, 1], s=25, label=group or None)
    for (x, y), label in zip(points, labels):
        ax.annotate(label, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    if any(groups):
        ax.legend(fontsize="small")
    return ax


def plot_attention(
    weights: Any,
    keys: Sequence[str],
    queries: Sequence[str] | None = None,
    *,
    title: str = "Attention weights",
    xlabel: str = "key token (attended to)",
    ylabel: str = "query token (attending)",
    ax: Any = None,
) -> Any:
    """Draw attention weights as a heat map: one row per query token, one column per key token.

    Parameters
    ----------
    weights
        Array of shape ``(n_queries, n_keys)``: row ``i`` is how query token ``i`` spreads its attention over the
        keys (each row of a softmax sums to 1).
    keys
        The key tokens, labels of the columns.
    queries
        The query tokens, labels of the rows (default: ``keys``, for self-attention).
    title, xlabel, ylabel
        Title and axis labels.
    ax
        Matplotlib axes to draw into (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes of the heat map (with a colour bar beside it).

    Examples
    --------
    >>> tokens = ["a", "great", "film"]
    >>> ax = plot_attention(np.array([[0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]), tokens)
    """
    import matplotlib.pyplot as plt

    weights = np.asarray(weights, dtype=float)
    queries = list(keys) if queries is None else list(queries)
    if weights.shape != (len(queries), len(keys)):
        raise ValueError(f"weights of shape {weights.shape} do not match {len(queries)} queries x {len(keys)} keys.")
    if ax is None:
        size = 0.22 * max(len(keys), len(queries)) + 2.5
        _, ax = plt.subplots(figsize=(size + 1.2, size))
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(keys)), labels=list(keys), rotation=90, fontsize=8)
    ax.set_yticks(range(len(queries)), labels=queries, fontsize=8)
    ax.figure.colorbar(image, ax=ax, label="attention weight", fraction=0.046, pad=0.02)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return ax
