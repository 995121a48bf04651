"""scikit-learn's RandomForestClassifier on the inputs Treeline's pipeline prepared (exported by
ForestExperiments' export=DIR): the same rows, imputation and indexing, so only the forest differs.

usage: sklearn_forest.py DIR TREES DEPTH [max_features ...]
Prints the test AUC and fit time for each max_features value (default: sqrt).
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
    for features in max_features or ("sqrt",):
        value = float(features) if features.replace(".", "").isdigit() and "." in features else int(features) if features.isdigit() else features
        forest = RandomForestClassifier(n_estimators=int(trees), max_depth=int(depth), max_features=value, n_jobs=2, random_state=42)
        start = time.time()
        forest.fit(x_train, y_train)
        seconds = time.time() - start
        auc = roc_auc_score(y_test, forest.predict_proba(x_test)[:, 1])
        print("sklearn %sx%s max_features=%s: test AUC %.4f, fit %.1f s" % (trees, depth, features, auc, seconds))


if __name__ == "__main__":
    main(*sys.argv[1:])
