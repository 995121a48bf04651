package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** A server killed with SIGKILL while logging: the table stays readable and holds exactly the batches it committed. */
class InferenceLogKillTest {
  @Test
  void a_killed_writer_loses_at_most_its_unflushed_batch_and_leaves_a_readable_table() throws Exception {
    try (TempLake lake = new TempLake()) {
      String location = lake.root().resolve("killed").toString();
      // Its output goes to a file, not a pipe: the lines it printed before the kill are all there to read afterwards.
      Path out = lake.root().resolve("killed-writer.out");
      Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), KilledWriter.class.getName(), location)
          .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (lastCommitted(out) < 1_000 && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(lastCommitted(out)).as("rows committed before the kill").isGreaterThanOrEqualTo(1_000);

      child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long printed = lastCommitted(out);
      assertThat(child.exitValue()).as("killed by signal 9").isEqualTo(128 + 9);

      Dataset<Row> log = TestSpark.session().read().format("delta").load(location);
      long rows = log.count();
      // A commit may land after its line could be printed: then one batch more than printed.
      assertThat(rows).isBetween(printed, printed + KilledWriter.BATCH_ROWS);
      assertThat(log.select("request_id").distinct().count()).as("no row twice").isEqualTo(rows);
      assertThat(log.where("size(features) = 5 AND request IS NOT NULL AND server = 'killed'").count()).as("every row whole").isEqualTo(rows);
      long versions = TestSpark.session().sql("DESCRIBE HISTORY delta.`" + location + "`").count();
      assertThat(versions).as("one commit per batch, each whole").isGreaterThan(1);
    }
  }

  /** The rows the child said it had committed, from its last whole line. */
  private static long lastCommitted(Path out) throws java.io.IOException {
    if (!Files.exists(out)) {
      return 0;
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return 0;
    }
    int start = text.lastIndexOf('\n', end - 1) + 1;
    return Long.parseLong(text.substring(start, end).substring("committed ".length()));
  }
}
