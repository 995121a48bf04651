package io.treeline.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.spark.SparkSessions;
import io.treeline.core.testing.S3Lake;
import io.treeline.core.testing.S3Server;
import io.treeline.core.testing.TestSpark;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The lake on a real S3-compatible server (S3Proxy on loopback) through S3A. */
class S3LakeTest {

  @Test
  void a_delta_table_is_written_to_and_read_from_an_s3a_lake() {
    S3Lake lake = new S3Lake();
    TestSpark.session();
    SparkSession spark = SparkSessions.create(lake.config(), "s3-test");
    String table = lake.layout().table(TableName.parse("features.s3_check"));

    spark.range(0, 100).selectExpr("id", "id * 2 AS twice").write().format("delta").save(table);
    spark.range(100, 150).selectExpr("id", "id * 2 AS twice").write().format("delta").mode("append").save(table);

    List<Row> rows = spark.read().format("delta").load(table).selectExpr("count(*)", "sum(twice)").collectAsList();
    assertThat(rows.get(0).getLong(0)).isEqualTo(150);
    assertThat(rows.get(0).getLong(1)).isEqualTo(2 * (149L * 150 / 2));
    assertThat(lake.keys("tables/features/s3_check/_delta_log/"))
        .contains("lake/tables/features/s3_check/_delta_log/00000000000000000000.json",
            "lake/tables/features/s3_check/_delta_log/00000000000000000001.json");
  }

  @Test
  void an_empty_directory_exists_after_mkdirs_as_spark_checkpoints_expect() throws Exception {
    S3Lake lake = new S3Lake();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(lake.layout().checkpoint("stream/view") + "/sources/0");
    org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(LakeHadoop.configuration(lake.config()));

    assertThat(fs.mkdirs(dir)).isTrue();

    assertThat(fs.getFileStatus(dir).isDirectory()).isTrue();
    assertThat(fs.listStatus(dir)).isEmpty();
  }

  @Test
  void the_lake_root_writable_check_works_on_s3a_and_names_a_missing_bucket() {
    S3Lake lake = new S3Lake();
    LakeAccess.requireWritable(lake.layout(), LakeHadoop.configuration(lake.config()));

    TreelineConfig missing = lake.config(Map.of("lake.root", "s3a://no-such-bucket-treeline/lake"));
    assertThatThrownBy(() -> LakeAccess.requireWritable(LakeLayout.at(missing.lakeRoot()), LakeHadoop.configuration(missing)))
        .hasMessageContaining("Cannot write lake root s3a://no-such-bucket-treeline/lake")
        .hasMessageNotContaining(S3Server.SECRET_KEY);
  }

  @Test
  void a_wrong_secret_is_refused_by_the_server_and_never_shown() {
    S3Lake lake = new S3Lake();
    TreelineConfig wrong = lake.config(Map.of("spark.conf.spark.hadoop.fs.s3a.secret.key", "not-the-secret-4711"));
    Configuration conf = LakeHadoop.configuration(wrong);
    conf.set("fs.s3a.attempts.maximum", "1");
    conf.set("fs.s3a.retry.limit", "1");

    assertThatThrownBy(() -> LakeAccess.requireWritable(lake.layout(), conf))
        .hasMessageContaining("Cannot write lake root " + lake.root())
        .hasMessageNotContaining("not-the-secret-4711");
  }
}
