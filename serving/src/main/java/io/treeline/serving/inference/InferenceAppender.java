package io.treeline.serving.inference;

import java.util.List;

/** Where the inference log's batches go: one append, all of it or nothing, per call. */
public interface InferenceAppender {
  /**
   * Appends {@code records} in one commit and returns the table version it made. A failure leaves
   * the table as it was (files written for a commit that failed are never read); the caller may retry.
   */
  long append(List<InferenceRecord> records) throws Exception;

  /** Names the destination in log lines, e.g. the table's location. */
  String destination();
}
