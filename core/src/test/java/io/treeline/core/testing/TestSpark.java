package io.treeline.core.testing;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.spark.SparkSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test JVM: local[2], UI off, loopback, two shuffle partitions, Delta on.
 * It is built by the production factory, so tests exercise the same settings users get.
 */
public final class TestSpark {
  private static SparkSession session;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (session == null) {
      System.setProperty("spark.driver.host", "127.0.0.1");
      System.setProperty("spark.driver.bindAddress", "127.0.0.1");
      Path warehouse;
      try {
        warehouse = Files.createTempDirectory("treeline-test-spark");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      TreelineConfig config = TreelineConfig.defaults().with(Map.of(
          "spark.master", "local[2]",
          "spark.shuffle-partitions", "2",
          "lake.root", warehouse.toString()));
      session = SparkSessions.create(config, "treeline-tests");
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return session;
  }

  public static List<Row> sql(String query) {
    return session().sql(query).collectAsList();
  }

  public static Dataset<Row> table(String path) {
    return session().read().format("delta").load(path);
  }
}
