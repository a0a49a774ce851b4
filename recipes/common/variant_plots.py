"""Charts that compare training variants: bars over seeds, values per layer.

Comparison recipes (regularisers, activations and initialisers, ...) measure
a few numbers per variant and seed. `plot_variant_bars` draws them as bars
(mean) with error bars (standard deviation over seeds), one panel per
quantity; `plot_layer_values` draws one line per variant across the layers of
a network, such as the gradient norm of every layer at initialisation.
Both save a PNG with matplotlib's Agg backend and return its path.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_variant_bars(values, path, panels, title=None):
    """Draws one bar per variant and panel: mean over seeds, std as error bar.

    Args:
        values: A dict `{variant: {quantity: [value per seed, ...]}}`.
            Missing or non-finite values are left out of the mean.
        path: PNG path to write.
        panels: A dict `{quantity: panel title}`: which quantities to draw,
            in order, one panel each.
        title: Figure title. Defaults to `None` (no title).

    Returns:
        `path`.

    Raises:
        ValueError: If `panels` is empty.

    Example:

    ```python
    plot_variant_bars(
        {"none": {"gap": [0.4, 0.5]}, "l2": {"gap": [0.1, 0.12]}},
        "plots/gap.png", {"gap": "val - train loss"})
    ```
    """
    if not panels:
        raise ValueError(
            f"The 'panels' parameter must name at least one quantity. Got {panels!r} instead.")
    labels = list(values)
    positions = np.arange(len(labels))
    figure, axes = plt.subplots(1, len(panels), squeeze=False,
                                figsize=(max(4.0, 0.7 * len(labels) + 1.5) * len(panels), 3.8))
    for axis, (quantity, panel_title) in zip(axes[0], panels.items()):
        means, stds = [], []
        for label in labels:
            finite = np.asarray(values[label].get(quantity, []), dtype="float64")
            finite = finite[np.isfinite(finite)]
            means.append(finite.mean() if len(finite) else np.nan)
            stds.append(finite.std() if len(finite) > 1 else 0.0)
        axis.bar(positions, means, yerr=stds, capsize=4,
                 color=[f"C{i % 10}" for i in range(len(labels))], alpha=0.85)
        axis.axhline(0, color="grey", linewidth=0.8)
        axis.set_xticks(positions)
        axis.set_xticklabels(labels, rotation=30, ha="right")
        axis.set_title(panel_title)
        axis.grid(axis="y", alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_layer_values(values, path, ylabel, log_y=True, title=None):
    """Draws one line per variant across the layers of a network.

    Args:
        values: A dict `{variant: {layer_name: value}}` (or
            `{variant: [{layer_name: value}, ...]}` for several seeds, drawn
            as the geometric mean with a min-max band when `log_y`, else the
            arithmetic mean). The layer order is that of the first variant.
        path: PNG path to write.
        ylabel: Label of the value axis, such as `"gradient L2 norm"`.
        log_y: Whether to use a log scale (gradient norms span decades).
            Defaults to `True`.
        title: Figure title. Defaults to `None` (no title).

    Returns:
        `path`.

    Example:

    ```python
    plot_layer_values({"relu": {"dense_0": 0.9, "head": 1.2}},
                      "plots/norms.png", "gradient L2 norm")
    ```
    """
    figure, axis = plt.subplots(figsize=(7.5, 4.2))
    layers = []
    for label, runs in values.items():
        runs = [runs] if isinstance(runs, dict) else list(runs)
        if not runs:
            continue
        layers = layers or list(runs[0])
        stacked = np.array([[run.get(layer, np.nan) for layer in layers] for run in runs],
                           dtype="float64")
        if log_y:
            positive = np.where(stacked > 0, stacked, np.nan)
            centre = np.exp(np.nanmean(np.log(positive), axis=0))
        else:
            centre = np.nanmean(stacked, axis=0)
        line, = axis.plot(np.arange(len(layers)), centre, marker="o", label=label)
        if len(runs) > 1:
            axis.fill_between(np.arange(len(layers)), np.nanmin(stacked, axis=0),
                              np.nanmax(stacked, axis=0), color=line.get_color(), alpha=0.15)
    axis.set_xticks(np.arange(len(layers)))
    axis.set_xticklabels(layers, rotation=45, ha="right")
    axis.set_xlabel("layer (input side first)")
    axis.set_ylabel(ylabel)
    if log_y:
        axis.set_yscale("log")
    if title:
        axis.set_title(title)
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
