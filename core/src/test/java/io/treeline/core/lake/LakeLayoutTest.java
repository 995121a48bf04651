package io.treeline.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeLayoutTest {
  @TempDir Path dir;

  @Test
  void a_relative_local_root_is_resolved_against_the_working_directory() {
    LakeLayout layout = LakeLayout.at("./lake");

    assertThat(layout.root()).isEqualTo(Path.of("lake").toAbsolutePath().toString());
    assertThat(layout.isLocal()).isTrue();
    assertThat(LakeLayout.at("file:" + dir).root()).isEqualTo(dir.toString());
  }

  @Test
  void knows_where_everything_lives_locally_and_on_s3() {
    LakeLayout local = LakeLayout.at("/data/lake/");
    LakeLayout s3 = LakeLayout.at("s3a://bucket/prefix/");

    assertThat(local.table(TableName.parse("raw.flights"))).isEqualTo("/data/lake/tables/raw/flights");
    assertThat(s3.table(TableName.parse("raw.flights"))).isEqualTo("s3a://bucket/prefix/tables/raw/flights");
    assertThat(s3.isLocal()).isFalse();
    assertThat(s3.rawDataset("vega-datasets-3.2.1")).isEqualTo("s3a://bucket/prefix/raw/vega-datasets-3.2.1");
    assertThat(s3.checkpoint("stream-origin")).isEqualTo("s3a://bucket/prefix/checkpoints/stream-origin");
    assertThat(s3.modelVersion("flight-delay", 3)).isEqualTo("s3a://bucket/prefix/models/flight-delay/3");
    assertThat(local.run("r-1")).isEqualTo("/data/lake/runs/r-1");
  }

  @Test
  void refuses_unsupported_schemes_and_bad_table_names() {
    assertThatThrownBy(() -> LakeLayout.at("hdfs://nn/lake"))
        .hasMessage("Cannot use lake root hdfs://nn/lake: scheme 'hdfs' is not supported");
    assertThatThrownBy(() -> TableName.parse("flights"))
        .hasMessage("Cannot use table name 'flights': expected namespace.table");
    assertThatThrownBy(() -> TableName.parse("raw.Flights-2"))
        .hasMessageStartingWith("Cannot use table name 'raw.Flights-2': each part must be lower-case");
  }

  @Test
  void a_root_that_cannot_be_written_is_an_input_error_that_says_why() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");

    assertThatThrownBy(() -> LakeAccess.requireWritable(LakeLayout.at(file.resolve("lake").toString()), new Configuration()))
        .hasMessageStartingWith("Cannot write lake root " + file.resolve("lake") + ":");
    assertThatThrownBy(() -> LakeAccess.requireWritable(LakeLayout.at(file.toString()), new Configuration()))
        .hasMessage("Cannot write lake root " + file + ": it is a file, not a directory");
  }

  @Test
  void a_writable_root_is_created_and_left_clean() {
    LakeAccess.requireWritable(LakeLayout.at(dir.resolve("new-lake").toString()), new Configuration());

    assertThat(dir.resolve("new-lake")).isEmptyDirectory();
  }
}
