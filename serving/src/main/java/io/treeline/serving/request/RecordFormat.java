package io.treeline.serving.request;

/** How a protocol writes a record's values, and so what a null or NaN in it means. */
public enum RecordFormat {
  /** /v1 and the Open Inference Protocol: typed JSON values; null and NaN are refused, a field left out is looked up. */
  JSON(false, false),
  /** /invocations as pandas writes JSON: null and NaN mean missing, which the model imputes without a lookup. */
  PANDAS_JSON(false, true),
  /** /invocations as CSV: every cell is text; an empty cell or NaN means missing, as in pandas. */
  PANDAS_CSV(true, true);

  private final boolean text;
  private final boolean nullIsMissing;

  RecordFormat(boolean text, boolean nullIsMissing) {
    this.text = text;
    this.nullIsMissing = nullIsMissing;
  }

  /** Every value arrives as text (numbers too). */
  public boolean text() {
    return text;
  }

  /** A null or NaN value stands for a missing one rather than being an error. */
  public boolean nullIsMissing() {
    return nullIsMissing;
  }
}
