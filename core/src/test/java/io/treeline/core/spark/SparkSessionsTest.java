package io.treeline.core.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.testing.TestSpark;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {
  private static final LakeLayout LAKE = LakeLayout.at("/data/lake");

  @Test
  void standalone_runs_the_configured_master_with_delta_and_no_ui() {
    Map<String, String> settings = SparkSessions.settings(TreelineConfig.defaults(), new SparkConf(false), LAKE, false, 2);

    assertThat(settings)
        .containsEntry("spark.master", "local[*]")
        .containsEntry("spark.ui.enabled", "false")
        .containsEntry("spark.sql.shuffle.partitions", "4")
        .containsEntry("spark.sql.extensions", SparkSessions.DELTA_EXTENSION)
        .containsEntry("spark.sql.catalog.spark_catalog", SparkSessions.DELTA_CATALOG)
        .containsEntry("spark.sql.warehouse.dir", "/data/lake/warehouse");
  }

  @Test
  void under_spark_submit_keeps_what_was_submitted_and_adds_only_delta() {
    SparkConf submitted = new SparkConf(false)
        .set("spark.master", "spark://cluster:7077")
        .set("spark.sql.shuffle.partitions", "200")
        .set("spark.sql.extensions", "org.example.OtherExtension")
        .set("spark.app.custom", "kept");
    TreelineConfig config = TreelineConfig.defaults().with(Map.of(
        "spark.shuffle-partitions", "8", "spark.conf.spark.app.custom", "ours", "spark.conf.spark.other", "added"));

    Map<String, String> settings = SparkSessions.settings(config, submitted, LAKE, true, 2);

    assertThat(settings)
        .doesNotContainKeys("spark.master", "spark.ui.enabled", "spark.sql.shuffle.partitions", "spark.app.custom")
        .containsEntry("spark.sql.extensions", "org.example.OtherExtension," + SparkSessions.DELTA_EXTENSION)
        .containsEntry("spark.sql.catalog.spark_catalog", SparkSessions.DELTA_CATALOG)
        .containsEntry("spark.other", "added");
  }

  @Test
  void a_delta_extension_already_configured_is_not_added_twice() {
    SparkConf submitted = new SparkConf(false).set("spark.sql.extensions", SparkSessions.DELTA_EXTENSION);

    assertThat(SparkSessions.settings(TreelineConfig.defaults(), submitted, LAKE, true, 2)).doesNotContainKey("spark.sql.extensions");
  }

  @Test
  void the_session_it_builds_writes_and_reads_delta() {
    var spark = TestSpark.session();
    String path = System.getProperty("java.io.tmpdir") + "/treeline-delta-" + System.nanoTime();

    spark.range(5).write().format("delta").save(path);

    assertThat(spark.read().format("delta").load(path).count()).isEqualTo(5);
    assertThat(spark.conf().get("spark.sql.shuffle.partitions")).isEqualTo("2");
    assertThat(spark.sparkContext().ui().isEmpty()).isTrue();
  }
}
