"""Drives the server with Triton's HTTP client exactly as it ships (Open Inference Protocol v2).

usage: triton_client.py HOST:PORT MODEL CASES_JSON

CASES_JSON holds "records" (origin, destination, departure, distance) and "expected" (label and
probability per record, as /v1 answered them). Checks health, server and model metadata, inference
with JSON tensors and with binary tensors (inputs and outputs), the versioned routes and errors.
"""
import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def inputs(records, binary):
    tensors = []
    for name, datatype, values in [
        ("origin", "BYTES", np.array([r["origin"] for r in records], dtype=np.object_)),
        ("destination", "BYTES", np.array([r["destination"] for r in records], dtype=np.object_)),
        ("departure", "BYTES", np.array([r["departure"] for r in records], dtype=np.object_)),
        ("distance", "FP64", np.array([r["distance"] for r in records], dtype=np.float64)),
    ]:
        tensor = httpclient.InferInput(name, [len(records)], datatype)
        tensor.set_data_from_numpy(values, binary_data=binary)
        tensors.append(tensor)
    return tensors


def check(result, expected, what):
    labels = result.as_numpy("label")
    probabilities = result.as_numpy("probability")
    assert labels.shape == (len(expected),), f"{what}: label shape {labels.shape}"
    for i, e in enumerate(expected):
        assert labels[i] == e["label"], f"{what}: label {i} is {labels[i]}, /v1 says {e['label']}"
        assert abs(probabilities[i] - e["probability"]) <= 1e-9, f"{what}: probability {i} is {probabilities[i]}, /v1 says {e['probability']}"


def refused(call, status, mentions):
    try:
        call()
    except InferenceServerException as e:
        assert e.status() == str(status), f"status {e.status()}: {e.message()}"
        assert mentions in e.message(), e.message()
        return e.message()
    raise AssertionError(f"expected {status} mentioning {mentions!r}")


def main(url, model, cases_path):
    cases = json.load(open(cases_path))
    records, expected = cases["records"], cases["expected"]
    client = httpclient.InferenceServerClient(url=url)
    assert client.is_server_live() and client.is_server_ready()
    server = client.get_server_metadata()
    assert "binary_tensor_data" in server["extensions"], server
    metadata = client.get_model_metadata(model)
    version = metadata["versions"][0]
    assert client.get_model_metadata(model, model_version=version)["name"] == model
    assert client.is_model_ready(model) and client.is_model_ready(model, model_version=version)

    outputs = lambda binary: [httpclient.InferRequestedOutput(n, binary_data=binary) for n in ("label", "probability")]
    check(client.infer(model, inputs(records, False), outputs=outputs(False)), expected, "JSON in, JSON out")
    check(client.infer(model, inputs(records, True), outputs=outputs(True)), expected, "binary in, binary out")
    check(client.infer(model, inputs(records, True), outputs=outputs(False)), expected, "binary in, JSON out")
    check(client.infer(model, inputs(records, False)), expected, "the client's defaults (binary outputs)")
    check(client.infer(model, inputs(records, True), model_version=version), expected, "the versioned route")

    refused(lambda: client.infer(model, inputs(records, True), model_version="999"), 404, f"served: {version}")
    refused(lambda: client.get_model_metadata(model, model_version="999"), 404, f"served: {version}")
    refused(lambda: client.infer("nope", inputs(records, False)), 404, "no model named 'nope'")
    wrong = httpclient.InferInput("distance", [len(records)], "BYTES")
    wrong.set_data_from_numpy(np.array(["far"] * len(records), dtype=np.object_), binary_data=True)
    refused(lambda: client.infer(model, inputs(records, True)[:3] + [wrong]), 400, "distance must be a number")
    print(f"tritonclient: metadata, {len(records)} records as JSON and binary tensors, versioned routes, 4 refusals: ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
