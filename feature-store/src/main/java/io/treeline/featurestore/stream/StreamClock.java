package io.treeline.featurestore.stream;

import io.treeline.core.error.Errors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A stream's event-time clock before a micro-batch: the newest event time of every batch before
 * it — the stream's "now", which online values are as of. Kept in the checkpoint, one small file per batch,
 * written at the end of the batch before, so a batch replayed after a crash sees exactly the clock
 * it saw the first time — its watermark, and so which events are late, cannot change.
 */
public record StreamClock(long newestEventMicros) {
  public static final StreamClock START = new StreamClock(Long.MIN_VALUE);

  public boolean started() {
    return newestEventMicros != Long.MIN_VALUE;
  }

  /** Events older than this are late: the newest event time minus the allowed delay. */
  public long watermarkMicros(long delayMicros) {
    return started() ? newestEventMicros - delayMicros : Long.MIN_VALUE;
  }

  public StreamClock advance(long batchNewestEvent) {
    return new StreamClock(Math.max(newestEventMicros, batchNewestEvent));
  }

  /** The clock before batch {@code batchId}; a batch with no file before it is the first. */
  public static StreamClock before(String checkpoint, long batchId, Configuration hadoop) {
    Path file = file(checkpoint, batchId);
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      if (!fs.exists(file)) {
        if (batchId > 0 && fs.exists(file(checkpoint, batchId - 1))) {
          throw new IllegalStateException("missing " + file + " although the batch before it ran");
        }
        return START;
      }
      try (FSDataInputStream in = fs.open(file)) {
        return new StreamClock(Long.parseLong(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim()));
      }
    } catch (IOException | RuntimeException e) {
      throw Errors.jobFailed("read", "the stream clock " + file, String.valueOf(e.getMessage()),
          "The checkpoint is damaged: restore it, or start the view's stream again on a new checkpoint.", e);
    }
  }

  /** Records this clock as the one before batch {@code batchId}, atomically (temporary file, then rename). */
  public void writeBefore(String checkpoint, long batchId, Configuration hadoop) {
    Path file = file(checkpoint, batchId);
    Path temporary = new Path(file.getParent(), "." + file.getName() + ".tmp");
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      try (FSDataOutputStream out = fs.create(temporary, true)) {
        out.write((newestEventMicros + "\n").getBytes(StandardCharsets.UTF_8));
      }
      fs.delete(file, false);
      if (!fs.rename(temporary, file)) {
        throw new IOException("could not rename " + temporary + " to " + file);
      }
    } catch (IOException e) {
      throw Errors.jobFailed("write", "the stream clock " + file, e.getMessage(), "Check that the checkpoint directory is writable.", e);
    }
  }

  private static Path file(String checkpoint, long batchId) {
    return new Path(checkpoint + "/treeline/clock/" + batchId);
  }
}
