package io.treeline.serving.inference;

import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;

/**
 * A process that logs inferences into the table at {@code args[0]} as fast as its writer commits them,
 * until it is killed; it prints "committed N" after each commit, N the rows committed so far. Run by
 * {@link InferenceLogKillTest} in a child JVM, which kills it with SIGKILL.
 */
public final class KilledWriter {
  static final int BATCH_ROWS = 50;

  private KilledWriter() {}

  public static void main(String[] args) throws InterruptedException {
    InferenceLog[] log = new InferenceLog[1];
    InferenceLogMetrics report = new InferenceLogMetrics() {
      @Override
      public void committed(int rows, long nanos) {
        System.out.println("committed " + (log[0].committedRows() + rows)); // counted after this returns
        System.out.flush();
      }

      @Override
      public void dropped(String reason, int rows) {}
    };
    log[0] = InferenceLog.start(InferenceLogSettings.to(new DeltaKernelAppender(args[0], new Configuration()))
        .withBatching(100_000, BATCH_ROWS, Duration.ofMillis(10)).withServer("killed"), report);
    for (int i = 0; ; i++) {
      log[0].offer(Records.record("k-" + i, 0, Instant.now(), "killed"));
      if (i % 10 == 0) {
        Thread.sleep(1);
      }
    }
  }
}
