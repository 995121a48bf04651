package io.treeline.serving.inference;

/** What the inference log tells the server's metrics (treeline_inference_log_* on /metrics). */
public interface InferenceLogMetrics {
  String QUEUE_FULL = "queue_full";
  String WRITE_FAILED = "write_failed";

  InferenceLogMetrics NONE = new InferenceLogMetrics() {
    @Override
    public void committed(int rows, long nanos) {}

    @Override
    public void dropped(String reason, int rows) {}
  };

  /** A batch of {@code rows} committed, the append having taken {@code nanos}. */
  void committed(int rows, long nanos);

  /** Records not written: {@link #QUEUE_FULL} or {@link #WRITE_FAILED}. */
  void dropped(String reason, int rows);
}
