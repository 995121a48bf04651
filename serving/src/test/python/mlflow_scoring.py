"""MLflow's own scoring client against /invocations, with values missing as pandas writes them,
compared with the same model package loaded by mlflow.pyfunc.

usage: mlflow_scoring.py HOST PORT MODEL_DIR ROWS_JSON

ROWS_JSON holds records with the model's input columns (treeline.json's input_schema) and "schema".
Every input format of the scoring protocol is sent (dataframe_split through ScoringServerClient,
dataframe_records, instances, inputs as records and as columns, CSV); each answer must equal
pyfunc's labels. /invocations answers labels only, so there are no probabilities to compare.
"""
import json
import math
import sys

import mlflow.pyfunc
import pandas as pd
import requests
from mlflow.pyfunc.scoring_server.client import ScoringServerClient


def frame(rows, schema):
    columns = {}
    for column in schema:
        values = [r.get(column["name"]) for r in rows]
        if column["type"] == "double":
            columns[column["name"]] = pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
        else:
            columns[column["name"]] = pd.Series(values, dtype="object")
    return pd.DataFrame(columns)


def with_missing(df):
    """Blanks one column per row in turn, and two in every fifth row: NaN for numbers, None for strings."""
    df = df.copy()
    names = list(df.columns)
    for i in range(len(df)):
        blank = [names[i % len(names)]] + ([names[(i * 3 + 1) % len(names)]] if i % 5 == 0 else [])
        for name in blank:
            df.at[i, name] = float("nan") if df[name].dtype == "float64" else None
    return df


def main(host, port, model_dir, rows_path):
    data = json.load(open(rows_path))
    df = with_missing(frame(data["rows"], data["schema"]))
    missing = int(df.isna().any(axis=1).sum())
    expected = [float(p) for p in mlflow.pyfunc.load_model(model_dir).predict(df)]

    client = ScoringServerClient(host, port)
    client.wait_server_ready(timeout=30)
    records = json.loads(df.to_json(orient="records"))  # None for NaN, as pandas writes JSON
    answers = {
        "dataframe_split": client.invoke(df)["predictions"],
        "dataframe_records (NaN)": client.invoke(json.dumps({"dataframe_records": df.to_dict(orient="records")}))["predictions"],
        "dataframe_records (null)": client.invoke(json.dumps({"dataframe_records": records}))["predictions"],
        "instances": client.invoke(json.dumps({"instances": df.to_dict(orient="records")}))["predictions"],
        "inputs (records)": client.invoke(json.dumps({"inputs": df.to_dict(orient="records")}))["predictions"],
        "inputs (columns)": client.invoke(json.dumps({"inputs": df.to_dict(orient="list")}))["predictions"],
    }
    csv = requests.post(f"http://{host}:{port}/invocations", data=df.to_csv(index=False), headers={"Content-Type": "text/csv"})
    assert csv.status_code == 200, csv.text
    answers["csv"] = csv.json()["predictions"]
    for name, predictions in answers.items():
        assert len(predictions) == len(expected), f"{name}: {len(predictions)} predictions for {len(expected)} rows"
        for i, (got, want) in enumerate(zip(predictions, expected)):
            assert not math.isnan(got) and got == want, f"{name}: row {i} is {got}, pyfunc says {want}; row {df.iloc[i].to_dict()}"
    print(f"mlflow scoring client: {len(expected)} rows ({missing} with missing values) in {len(answers)} formats equal pyfunc: ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
