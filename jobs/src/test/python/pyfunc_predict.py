"""Loads a registered Treeline model the way a Python user would and predicts.

usage: pyfunc_predict.py MODEL_URI ROWS_JSONL SCHEMA_JSON OUT_JSON

MODEL_URI is e.g. models:/flight-delay@champion (MLFLOW_TRACKING_URI names the server); the rows
are JSON lines with the model's input columns; SCHEMA_JSON is treeline.json's input_schema. Writes
{"pyfunc": [...], "probability": [...]}: pyfunc's predictions, and P(class 1) from the same
package loaded with mlflow.spark.
"""
import json
import sys

import mlflow
import mlflow.pyfunc
import mlflow.spark
import pandas as pd


def main(model_uri, rows_path, schema_path, out_path):
    schema = json.load(open(schema_path))
    with open(rows_path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    columns = {}
    for column in schema:
        name = column["name"]
        values = [r.get(name) for r in records]
        if column["type"] == "double":
            columns[name] = pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
        else:
            columns[name] = pd.Series(values, dtype="object")
    frame = pd.DataFrame(columns)

    model = mlflow.pyfunc.load_model(model_uri)
    pyfunc = [float(p) for p in model.predict(frame)]

    spark_model = mlflow.spark.load_model(model_uri)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    scored = spark_model.transform(spark.createDataFrame(frame)).select("probability").collect()
    probability = [float(r.probability[1]) for r in scored]
    json.dump({"pyfunc": pyfunc, "probability": probability}, open(out_path, "w"))


if __name__ == "__main__":
    main(*sys.argv[1:])
