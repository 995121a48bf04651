package io.treeline.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;

/**
 * The first write of a new Delta table, run in the background and held inside its one task until
 * released: meanwhile the table's directory and {@code _delta_log} exist without a commit, as they
 * do while another job creates the table. One at a time per test JVM; it takes one of local[2]'s cores.
 */
public final class HeldWrite implements AutoCloseable {
  // Static because Spark runs the task on a deserialized copy of the function, in this same JVM.
  private static volatile CountDownLatch release = new CountDownLatch(0);

  private final CompletableFuture<Void> write;

  private HeldWrite(CompletableFuture<Void> write) {
    this.write = write;
  }

  /** Starts creating a table of {@code rows} ids at {@code location} and returns once its Delta log directory exists. */
  public static HeldWrite start(SparkSession spark, String location, int rows) {
    release = new CountDownLatch(1);
    String view = "held_write_rows";
    spark.range(0, rows, 1, 1).mapPartitions(new WaitForRelease(), Encoders.LONG()).toDF("id").createOrReplaceTempView(view);
    // The form a training set is written in: one CREATE OR REPLACE ... AS SELECT.
    HeldWrite held = new HeldWrite(CompletableFuture.runAsync(
        () -> spark.sql("CREATE OR REPLACE TABLE delta.`" + location + "` USING delta AS SELECT * FROM " + view)));
    Path log = Path.of(location, "_delta_log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.isDirectory(log)) {
      if (held.write.isDone() || System.nanoTime() > deadline) {
        held.close();
        throw new IllegalStateException("the held write never created " + log + " (done: " + held.write.isDone() + ")");
      }
      sleep(20);
    }
    return held;
  }

  public boolean isRunning() {
    return !write.isDone();
  }

  /** Lets the write commit and waits for it. */
  public void commit() {
    release.countDown();
    try {
      write.get(60, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the held write did not commit", e);
    }
  }

  @Override
  public void close() {
    release.countDown();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static final class WaitForRelease implements MapPartitionsFunction<Long, Long> {
    @Override
    public Iterator<Long> call(Iterator<Long> rows) throws InterruptedException {
      if (!release.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the held write");
      }
      return rows;
    }
  }
}
