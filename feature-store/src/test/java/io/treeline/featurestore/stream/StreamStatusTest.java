package io.treeline.featurestore.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.lake.LakeHadoop;
import io.treeline.core.testing.S3Lake;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamStatusTest {
  private final Configuration hadoop = new Configuration();

  @TempDir Path checkpoints;

  @Test
  void a_reader_never_finds_the_status_missing_or_torn_while_it_is_rewritten() throws Exception {
    String checkpoint = "file:" + checkpoints.resolve("view");
    StreamStatus.write(checkpoint, Map.of("batch", 0), hadoop);
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Throwable> failures = new ArrayList<>();
    List<Integer> seen = new ArrayList<>();
    Thread reader = new Thread(() -> {
      while (writing.get()) {
        try {
          Map<String, Map<String, Object>> statuses = StreamStatus.readAll(checkpoints.toString(), hadoop);
          seen.add((Integer) statuses.get("view").get("batch"));
        } catch (Throwable e) {
          failures.add(e);
          return;
        }
      }
    });
    reader.start();
    for (int batch = 1; batch <= 2_000; batch++) {
      StreamStatus.write(checkpoint, Map.of("batch", batch), hadoop);
    }
    writing.set(false);
    reader.join();

    assertThat(failures).isEmpty();
    assertThat(seen).isNotEmpty().isSorted();
    assertThat(StreamStatus.readAll(checkpoints.toString(), hadoop).get("view")).isEqualTo(Map.of("batch", 2_000));
  }

  @Test
  void a_status_written_with_a_hadoop_checksum_by_an_earlier_version_is_replaced_and_still_reads() throws Exception {
    org.apache.hadoop.fs.Path old = new org.apache.hadoop.fs.Path(checkpoints.resolve("view/treeline/status.json").toUri());
    try (FSDataOutputStream out = FileSystem.getLocal(hadoop).create(old, true)) {
      out.write("{\"batch\" : 7}".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(checkpoints.resolve("view/treeline/.status.json.crc")).exists();

    StreamStatus.write(checkpoints.resolve("view").toString(), Map.of("batch", 8), hadoop);

    assertThat(StreamStatus.readAll(checkpoints.toString(), hadoop)).isEqualTo(Map.of("view", Map.of("batch", 8)));
    try (var files = Files.list(checkpoints.resolve("view/treeline"))) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("status.json");
    }
  }

  @Test
  void on_s3_the_status_is_one_object_written_in_place() throws Exception {
    S3Lake lake = new S3Lake();
    Configuration s3 = LakeHadoop.configuration(lake.config());

    StreamStatus.write(lake.layout().checkpoint("stream/view"), Map.of("batch", 1), s3);
    StreamStatus.write(lake.layout().checkpoint("stream/view"), Map.of("batch", 2), s3);

    assertThat(StreamStatus.readAll(lake.layout().checkpoint("stream"), s3)).isEqualTo(Map.of("view", Map.of("batch", 2)));
    assertThat(lake.keys("checkpoints/stream/view/")).containsExactly("lake/checkpoints/stream/view/treeline/status.json");
  }
}
