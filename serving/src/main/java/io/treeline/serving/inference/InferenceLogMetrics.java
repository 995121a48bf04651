package io.treeline.serving.inference;

/** What the inference log tells the server's metrics (treeline_inference_log_* on /metrics). */
public interface InferenceLogMetrics {
  String QUEUE_FULL = "queue_full";
  String WRITE_FAILED = "write_failed";
  /** The spool is full (serving.inference-log.spool-max-mb): the lake has not taken its files for a while. */
  String SPOOL_FULL = "spool_full";

  InferenceLogMetrics NONE = new InferenceLogMetrics() {
    @Override
    public void committed(int rows, long nanos) {}

    @Override
    public void dropped(String reason, int rows) {}
  };

  /** A batch of {@code rows} committed, the append having taken {@code nanos}. */
  void committed(int rows, long nanos);

  /** Records not written: {@link #QUEUE_FULL}, {@link #WRITE_FAILED} or {@link #SPOOL_FULL}. */
  void dropped(String reason, int rows);
}
