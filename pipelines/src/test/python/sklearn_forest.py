"""scikit-learn's RandomForestClassifier on the inputs Treeline's pipeline prepared (exported by
ForestExperiments' export=DIR): the same rows, imputation and indexing, so only the forest differs.

usage: sklearn_forest.py DIR TREES DEPTH [VARIANT ...]
A variant is a max_features value (sqrt, 6, 0.15), optionally with ":binned=N": every input first
cut into at most N bins at the quantiles of a 65,536-row sample of the train split, as Spark finds
its split candidates (maxBins N + 1); ":nobootstrap" fits every tree on all rows; ":seed=N" seeds the forest (default 42).
Prints the test AUC and fit time of each (default: sqrt).
"""
import sys
import time

import numpy as np
import pyarrow.parquet as pq
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score


def load(path):
    table = pq.read_table(path)
    x = np.array(table.column("x").to_pylist(), dtype=np.float64)
    y = table.column("label").to_numpy()
    return x, y


def main(directory, trees, depth, *max_features):
    x_train, y_train = load(directory + "/train")
    x_test, y_test = load(directory + "/test")
    print("scikit-learn: train %d rows, test %d rows, %d inputs" % (len(y_train), len(y_test), x_train.shape[1]))
    for variant in max_features or ("sqrt",):
        features, *options = variant.split(":")
        options = dict(option.partition("=")[::2] for option in options)
        bootstrap = "nobootstrap" not in options
        binned = options.get("binned")
        train, test = (binned_inputs(x_train, x_test, int(binned)) if binned else (x_train, x_test))
        value = float(features) if features.replace(".", "").isdigit() and "." in features else int(features) if features.isdigit() else features
        forest = RandomForestClassifier(n_estimators=int(trees), max_depth=int(depth), max_features=value, bootstrap=bootstrap, n_jobs=2,
                                        random_state=int(options.get("seed", 42)))
        start = time.time()
        forest.fit(train, y_train)
        seconds = time.time() - start
        auc = roc_auc_score(y_test, forest.predict_proba(test)[:, 1])
        nodes = sum(tree.tree_.node_count for tree in forest.estimators_)
        print("sklearn %sx%s %s: test AUC %.4f, fit %.1f s, %d nodes" % (trees, depth, variant, auc, seconds, nodes))


def binned_inputs(x_train, x_test, bins):
    """Each column replaced by its bin number; bin edges at sample quantiles, as few as the distinct values allow."""
    sample = x_train[np.random.default_rng(42).choice(len(x_train), size=min(len(x_train), 65536), replace=False)]
    train = np.empty_like(x_train)
    test = np.empty_like(x_test)
    for column in range(x_train.shape[1]):
        edges = np.unique(np.quantile(sample[:, column], np.linspace(0, 1, bins + 1)[1:-1]))
        train[:, column] = np.searchsorted(edges, x_train[:, column], side="left")
        test[:, column] = np.searchsorted(edges, x_test[:, column], side="left")
    return train, test


if __name__ == "__main__":
    main(*sys.argv[1:])
