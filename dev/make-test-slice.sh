#!/usr/bin/env bash
# Regenerates the flights slice committed as a test resource: the first 20,000 flights (in
# departure order) between the ten busiest airports, with the raw file's own schema, so tests
# can use it in place of flights-3m.parquet. Needs `bin/treeline data fetch` to have run.
set -euo pipefail
HOME_DIR="$(cd "$(dirname "$0")/.." && pwd)"
LAKE="${1:-$HOME_DIR/lake}"
RAW="$LAKE/raw/vega-datasets-3.2.1"
OUT="$HOME_DIR/core/src/test/resources/flights"
TMP="$(mktemp -d)"
"$HOME_DIR/bin/treeline" --conf lake.root="$LAKE" sql "
  INSERT OVERWRITE DIRECTORY '$TMP/slice' USING parquet
  SELECT /*+ COALESCE(1) */ * FROM (
    SELECT * FROM parquet.\`$RAW/flights-3m.parquet\`
    WHERE origin IN ('ORD','DFW','ATL','LAX','PHX','STL','DTW','MSP','LAS','DEN')
      AND destination IN ('ORD','DFW','ATL','LAX','PHX','STL','DTW','MSP','LAS','DEN')
    ORDER BY date, origin, destination, delay, distance
    LIMIT 20000)
  ORDER BY date, origin, destination, delay, distance"
mkdir -p "$OUT"
cp "$TMP"/slice/part-*.parquet "$OUT/flights-20k.parquet"
cp "$RAW/airports.csv" "$OUT/airports.csv"
rm -rf "$TMP"
ls -l "$OUT"
