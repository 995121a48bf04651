"""prometheus_client's own parser reads the server's /metrics.

usage: prometheus_text.py METRICS_URL
"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main(url):
    with urllib.request.urlopen(url) as response:
        text = response.read().decode("utf-8")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    requests = families["treeline_requests"]
    assert requests.type == "counter", requests.type
    assert any(s.labels.get("route") == "v1_predict" and s.value >= 1 for s in requests.samples), requests.samples
    duration = families["treeline_request_duration_seconds"]
    assert duration.type == "histogram", duration.type
    buckets = [s for s in duration.samples if s.name.endswith("_bucket")]
    assert buckets and any(s.labels.get("le") == "+Inf" for s in buckets)
    samples = sum(len(f.samples) for f in families.values())
    print(f"prometheus_client parser: {len(families)} families, {samples} samples: ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
