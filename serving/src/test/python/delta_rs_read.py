"""Reads an inference log table with delta-rs (deltalake: no Spark, no JVM), as a Python user would.

usage: delta_rs_read.py TABLE_PATH OUT_JSON

Writes {"version": N, "rows": [{"id": "REQUEST_ID#RECORD_INDEX", "prediction": P, "features": K, "feature_times": T}, ...]}:
each row's key, its prediction, how many features it carries and how many of them have a feature time.
"""
import json
import os
import sys

from deltalake import DeltaTable


def main(path, out_path):
    table = DeltaTable(path)
    rows = []
    for r in table.to_pyarrow_table().to_pylist():
        features = r["features"] or []
        rows.append({
            "id": f'{r["request_id"]}#{r["record_index"]}',
            "prediction": r["prediction"],
            "features": len(features),
            "feature_times": sum(1 for f in features if f["feature_time"] is not None),
        })
    with open(out_path, "w") as out:
        json.dump({"version": table.version(), "rows": rows}, out)


if __name__ == "__main__":
    main(*sys.argv[1:])
    # delta-rs's native threads can abort the interpreter's teardown after a read that succeeded ("terminate
    # called without an active exception", exit 134; delta-io/delta-rs#2184): the output is written, so leave
    # without the teardown.
    sys.stdout.flush()
    os._exit(0)
