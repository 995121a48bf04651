package io.treeline.serving.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.testing.TempLake;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The inference log's Delta log store for local disks: put-if-absent across writers, atomic overwrite, nothing left behind. */
class LocalFileLogStoreTest {
  private static final TempLake LAKE = new TempLake();
  private final LocalFileLogStore store = new LocalFileLogStore(new Configuration());

  @AfterAll
  static void cleanUp() {
    LAKE.close();
  }

  @Test
  void a_version_is_written_once_and_an_overwrite_replaces_it_whole() throws Exception {
    java.nio.file.Path log = LAKE.root().resolve("once/_delta_log");
    Path version = new Path(log.resolve("00000000000000000000.json").toUri());

    store.write(version, List.of("{\"a\":1}", "{\"b\":2}").iterator(), false, new Configuration());
    assertThatThrownBy(() -> store.write(version, List.of("{\"c\":3}").iterator(), false, new Configuration()))
        .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("00000000000000000000.json");
    assertThat(Files.readString(log.resolve("00000000000000000000.json"))).isEqualTo("{\"a\":1}\n{\"b\":2}\n");

    Path pointer = new Path(log.resolve("_last_checkpoint").toUri());
    store.write(pointer, List.of("{\"version\":1}").iterator(), true, new Configuration());
    store.write(pointer, List.of("{\"version\":2}").iterator(), true, new Configuration());
    assertThat(Files.readString(log.resolve("_last_checkpoint"))).isEqualTo("{\"version\":2}\n");
    try (Stream<java.nio.file.Path> files = Files.list(log)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("00000000000000000000.json", "_last_checkpoint");
    }
  }

  @Test
  void of_writers_racing_for_one_version_exactly_one_wins() throws Exception {
    for (int round = 0; round < 20; round++) {
      java.nio.file.Path log = LAKE.root().resolve("race-" + round + "/_delta_log");
      Path version = new Path(log.resolve("00000000000000000007.json").toUri());
      List<String> winners = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        String name = "writer-" + w;
        Thread writer = new Thread(() -> {
          try {
            start.await();
            store.write(version, List.of("{\"by\":\"" + name + "\"}").iterator(), false, new Configuration());
            winners.add(name);
          } catch (FileAlreadyExistsException lost) {
            // the others lose
          } catch (Exception e) {
            winners.add("error " + e);
          }
        });
        writer.start();
        writers.add(writer);
      }
      start.countDown();
      for (Thread writer : writers) {
        writer.join();
      }
      assertThat(winners).hasSize(1);
      assertThat(Files.readString(log.resolve("00000000000000000007.json"), StandardCharsets.UTF_8)).isEqualTo("{\"by\":\"" + winners.get(0) + "\"}\n");
    }
  }

  @Test
  void it_lists_the_log_as_hadoops_log_store_does() throws Exception {
    java.nio.file.Path log = Files.createDirectories(LAKE.root().resolve("listed/_delta_log"));
    for (int version = 0; version < 25; version++) {
      Files.writeString(log.resolve(String.format("%020d.json", version)), "{}".repeat(version + 1));
      Files.writeString(log.resolve(String.format("%020d.crc", version)), "c");
    }
    Files.writeString(log.resolve(String.format("%020d.checkpoint.parquet", 20)), "parquet");
    Files.writeString(log.resolve(String.format("%020d.checkpoint.0000000001.0000000002.parquet", 10)), "part 1");
    Files.writeString(log.resolve(String.format("%020d.checkpoint.0000000002.0000000002.parquet", 10)), "part 2");
    Files.writeString(log.resolve("_last_checkpoint"), "{\"version\":20}");
    Files.writeString(log.resolve(".00000000000000000025.json.5f3c.tmp"), "a writer's temporary file");
    Files.writeString(log.resolve(".00000000000000000024.json.crc"), "Hadoop's checksum");
    Files.createDirectories(log.resolve("_staged_commits"));
    Files.writeString(log.resolve("zz-not-delta"), "");
    Configuration hadoop = new Configuration();
    io.delta.storage.HDFSLogStore hadoops = new io.delta.storage.HDFSLogStore(hadoop);

    for (String from : List.of("-", "00000000000000000000", "00000000000000000010.checkpoint", "00000000000000000020.checkpoint.parquet",
        "00000000000000000024.json", "00000000000000000025", "_last_checkpoint", "zz")) {
      Path start = new Path(log.resolve(from).toUri());
      assertThat(listed(store.listFrom(start, hadoop))).as("from '" + from + "'").isNotEmpty().isEqualTo(listed(hadoops.listFrom(start, hadoop)))
          .is(new org.assertj.core.api.Condition<>(l -> !from.equals("00000000000000000024.json") || l.get(0).contains("/00000000000000000024.json "),
              "starts at the named file"));
    }
    Path pastAll = new Path(log.resolve("zzz").toUri());
    assertThat(listed(store.listFrom(pastAll, hadoop))).isEmpty();
    assertThat(listed(hadoops.listFrom(pastAll, hadoop))).isEmpty();
    Path missing = new Path(LAKE.root().resolve("no-table/_delta_log/00000000000000000000").toUri());
    assertThatThrownBy(() -> store.listFrom(missing, hadoop)).isInstanceOf(java.io.FileNotFoundException.class)
        .hasMessageContaining("no-table/_delta_log");
    assertThatThrownBy(() -> hadoops.listFrom(missing, hadoop)).isInstanceOf(java.io.FileNotFoundException.class);
  }

  /** Each listed entry as path, length, directory or not and time modified: what Delta reads of them. */
  private static List<String> listed(java.util.Iterator<org.apache.hadoop.fs.FileStatus> statuses) {
    List<String> entries = new ArrayList<>();
    statuses.forEachRemaining(s -> entries.add(s.getPath() + " " + s.getLen() + " " + s.isDirectory() + " " + s.getModificationTime()));
    return entries;
  }

  @Test
  void the_appender_writes_its_local_table_through_it() throws Exception {
    java.nio.file.Path table = LAKE.root().resolve("appended");
    DeltaKernelAppender appender = new DeltaKernelAppender(table.toString(), new Configuration());
    for (int i = 0; i < 12; i++) { // past Kernel's checkpoint interval of 10, so _last_checkpoint is overwritten through it too
      appender.append(Records.many("r" + i, 2, Instant.now(), "host:1"));
    }
    try (Stream<java.nio.file.Path> files = Files.list(table.resolve("_delta_log"))) {
      List<String> names = files.map(f -> f.getFileName().toString()).toList();
      assertThat(names).contains("00000000000000000011.json", "_last_checkpoint");
      assertThat(names).as("Hadoop's local file system writes a checksum file beside each; this store does not")
          .noneMatch(n -> n.endsWith(".json.crc") && n.startsWith(".0"));
      assertThat(names).as("no temporary file is left").noneMatch(n -> n.endsWith(".tmp"));
    }
    assertThat(LocalFileLogStore.on(new Configuration()).get(LocalFileLogStore.KERNEL_SETTING)).isEqualTo(LocalFileLogStore.class.getName());
  }
}
