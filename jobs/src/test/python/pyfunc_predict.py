"""Loads a registered Treeline model the way a Python user would and predicts.

usage: pyfunc_predict.py MODEL_URI ROWS_JSONL SCHEMA_JSON OUT_JSON

MODEL_URI is e.g. models:/flight-delay@champion (MLFLOW_TRACKING_URI names the server); the rows
are JSON lines with the model's input columns; SCHEMA_JSON is treeline.json's input_schema. Writes
{"pyfunc": [...], "spark_udf": [...], "probability": [...]}: pyfunc's predictions, those of
mlflow.pyfunc.spark_udf over a Spark DataFrame of the same rows, and P(class 1) from the same
package loaded with mlflow.spark.
"""
import json
import os
import sys

# Spark's Python workers must run this interpreter (the venv's, with pandas and MLflow), not python3 on the PATH.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

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
    rows = spark.createDataFrame(frame)
    scored = spark_model.transform(rows).select("probability").collect()
    probability = [float(r.probability[1]) for r in scored]

    # What a Python user runs to score a table in Spark; row order is kept by the index column.
    from pyspark.sql import functions as F

    udf = mlflow.pyfunc.spark_udf(spark, model_uri, result_type="double", env_manager="local")
    indexed = spark.createDataFrame(frame.assign(_row=range(len(frame))))
    predicted = indexed.select("_row", udf(*[F.col(c) for c in frame.columns]).alias("p")).orderBy("_row").collect()
    spark_udf = [float(r.p) for r in predicted]
    json.dump({"pyfunc": pyfunc, "spark_udf": spark_udf, "probability": probability}, open(out_path, "w"))


if __name__ == "__main__":
    main(*sys.argv[1:])
