package io.treeline.serving.inference;

import java.util.ArrayList;
import java.util.List;

/** Where the inference log's batches go: one append, all of it or nothing, per batch. */
public interface InferenceAppender {
  /** What {@link Batch#commit} returns for a spool file the table holds already: nothing was written. */
  long ALREADY_COMMITTED = -1;

  /**
   * Appends {@code records} in one commit and returns the table version it made. A failure leaves
   * the table as it was (files written for a commit that failed are never read); the caller may retry.
   */
  long append(List<InferenceRecord> records) throws Exception;

  /** Names the destination in log lines, e.g. the table's location. */
  String destination();

  /**
   * Starts a batch that takes its records one at a time, as the writer receives them. This default
   * holds them until {@link Batch#commit}, which calls {@link #append}; an appender that can encode
   * each record at once (and so hold bytes, not objects) overrides it.
   */
  default Batch open() throws Exception {
    List<InferenceRecord> held = new ArrayList<>();
    return new Batch() {
      @Override
      public void add(InferenceRecord record) {
        held.add(record);
      }

      @Override
      public int rows() {
        return held.size();
      }

      @Override
      public long commit() throws Exception {
        return append(held);
      }

      @Override
      public void abort() {
        held.clear();
      }
    };
  }

  /**
   * A batch whose commit is number {@code number} of spool {@code spoolId} (docs/serving.md#inference-log): an
   * appender that can tell which numbers the table holds commits each number at most once, and returns
   * {@link #ALREADY_COMMITTED} for one it holds. This default cannot tell, and commits every time.
   */
  default Batch open(String spoolId, long number) throws Exception {
    return open();
  }

  /** The records of one commit, added as they come. Not thread-safe: one writer thread. */
  interface Batch {
    /** Adds a record; after a failure the batch is given up ({@link #abort}). */
    void add(InferenceRecord record) throws Exception;

    int rows();

    /** Commits what was added and returns the table version; may be called again after a failure, to try again. */
    long commit() throws Exception;

    /** Gives the batch up: nothing of it is committed. */
    void abort();
  }
}
