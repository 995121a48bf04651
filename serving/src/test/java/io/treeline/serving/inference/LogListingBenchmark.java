package io.treeline.serving.inference;

import io.treeline.core.testing.TempLake;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a commit of the inference log costs as its table's log grows: a server commits about once a
 * second, so a day leaves some 86,000 versions (and as many checksum files) in {@code _delta_log},
 * and every commit lists that directory. Appends batches of 1,000 records to a local table whose log
 * also holds N old entries (files named to sort before every version, so Delta skips them as it skips
 * versions before its checkpoint, but a listing still meets them), through Hadoop's log store and
 * through {@link LocalFileLogStore}, and prints the median, mean and longest commit (one in ten writes a
 * checkpoint, which lists the log) and the median thread CPU time. Not
 * part of the suite; run it with
 * {@code mvn -B -q test -pl serving -am -Dtest=LogListingBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * [-Dbench.entries=0,20000,200000 -Dbench.commits=15]}.
 */
class LogListingBenchmark {
  private static final int[] ENTRIES = Arrays.stream(System.getProperty("bench.entries", "0,20000,200000").split(","))
      .mapToInt(Integer::parseInt).toArray();
  private static final int COMMITS = Integer.getInteger("bench.commits", 20);
  private static final int ROWS = 1_000;

  @Test
  void prints_the_commit_time_against_the_logs_length() throws Exception {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.out.printf("LogListingBenchmark: %d commits of %,d rows each, %d cores%n", COMMITS, ROWS, Runtime.getRuntime().availableProcessors());
    try (TempLake lake = new TempLake()) {
      for (int entries : ENTRIES) {
        for (String store : List.of(io.delta.storage.HDFSLogStore.class.getName(), LocalFileLogStore.class.getName())) {
          Path table = lake.root().resolve("log-" + entries + "-" + store.substring(store.lastIndexOf('.') + 1));
          org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
          hadoop.set(LocalFileLogStore.KERNEL_SETTING, store);
          DeltaKernelAppender appender = new DeltaKernelAppender(table.toString(), hadoop);
          appender.append(Records.many("first", 1, Instant.now(), "bench")); // creates the table
          Path log = table.resolve("_delta_log");
          for (int i = 0; i < entries; i++) {
            Files.createFile(log.resolve(String.format("-old-%09d.json", i)));
          }
          List<Long> wall = new ArrayList<>();
          List<Long> cpu = new ArrayList<>();
          for (int commit = 0; commit < COMMITS + 3; commit++) {
            List<InferenceRecord> records = Records.many("c" + commit, ROWS, Instant.now(), "bench");
            long startWall = System.nanoTime();
            long startCpu = threads.getCurrentThreadCpuTime();
            appender.append(records);
            if (commit >= 3) { // the first ones load and compile the code
              wall.add(System.nanoTime() - startWall);
              cpu.add(threads.getCurrentThreadCpuTime() - startCpu);
            }
          }
          System.out.printf("LogListingBenchmark: %,8d old entries, %-17s commit wall median %6.1f ms, mean %6.1f, max %7.1f (a checkpoint's);"
              + " thread CPU median %6.1f ms%n", entries, store.substring(store.lastIndexOf('.') + 1), median(wall) / 1e6,
              wall.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6, wall.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6,
              median(cpu) / 1e6);
        }
      }
    }
  }

  private static double median(List<Long> values) {
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }
}
