package io.treeline.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.delta.kernel.exceptions.UnknownConfigurationException;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

class KernelTablesTest {
  private final KernelTables tables = new KernelTables(TestSpark.session().sparkContext().hadoopConfiguration());

  @Test
  void reads_what_spark_reads_of_a_table_with_updates_deletes_and_deletion_vectors() {
    try (TempLake lake = new TempLake()) {
      String table = lake.root().resolve("t").toString();
      TestSpark.sql("CREATE TABLE delta.`" + table + "` (s STRING, n BIGINT, i INT, x DOUBLE, f FLOAT, b BOOLEAN, ts TIMESTAMP,"
          + " ntz TIMESTAMP_NTZ, d DATE, m MAP<STRING, DOUBLE>) USING delta TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
      TestSpark.sql("INSERT INTO delta.`" + table + "` VALUES ('a', 1, 1, 1.5, 0.5, true, timestamp'2001-01-01 10:00:00.123456 UTC',"
          + " timestamp_ntz'2001-01-01 10:00:00.5', date'2001-01-01', map('k', 1.0D, 'l', 2.0D)),"
          + " ('b', null, null, null, null, null, null, null, null, null), ('c', 3, 3, 3.5, 3.5, false, timestamp'1960-06-01 00:00:00 UTC',"
          + " timestamp_ntz'1960-06-01 00:00', date'1960-06-01', map())");
      TestSpark.sql("INSERT INTO delta.`" + table + "` VALUES ('d', 4, 4, 4.5, 4.5, true, null, null, null, map('z', cast(null as double)))");
      TestSpark.sql("UPDATE delta.`" + table + "` SET n = 30 WHERE s = 'c'");
      TestSpark.sql("DELETE FROM delta.`" + table + "` WHERE s = 'a'");

      assertThat(lake.root().resolve("t").toFile().list()).anyMatch(name -> name.startsWith("deletion_vector_"));
      TableContents contents = tables.read(table).orElseThrow();

      Row last = TestSpark.sql("DESCRIBE HISTORY delta.`" + table + "` LIMIT 1").get(0);
      assertThat(contents.version()).isEqualTo(last.<Long>getAs("version")).isEqualTo(4);
      assertThat(contents.commitTime()).isEqualTo(last.<Timestamp>getAs("timestamp").toInstant());
      assertThat(sorted(contents.rows())).isEqualTo(sparkRows(table)).hasSize(3);
      assertThat(sorted(contents.rows()).get(1)).containsEntry("n", 30L).containsEntry("ntz", LocalDateTime.parse("1960-06-01T00:00"))
          .containsEntry("ts", Instant.parse("1960-06-01T00:00:00Z"));
      assertThat(sorted(tables.read(table, 1).rows()).get(0)).containsEntry("ts", Instant.parse("2001-01-01T10:00:00.123456Z"))
          .containsEntry("m", Map.of("k", 1.0, "l", 2.0));
    }
  }

  @Test
  void spark_reads_what_a_rewrite_wrote_over_a_spark_table() {
    try (TempLake lake = new TempLake()) {
      String table = lake.root().resolve("t").toString();
      TestSpark.sql("CREATE TABLE delta.`" + table + "` (s STRING NOT NULL, n BIGINT, ts TIMESTAMP, m MAP<STRING, STRING>) USING delta"
          + " TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
      TestSpark.sql("INSERT INTO delta.`" + table + "` VALUES ('a', 1, null, null), ('b', 2, null, null)");
      TestSpark.sql("DELETE FROM delta.`" + table + "` WHERE s = 'b'"); // a deletion vector the rewrite must remove with its file
      TableContents read = tables.read(table).orElseThrow();
      List<Map<String, Object>> rows = new ArrayList<>(read.rows());
      rows.add(row("s", "c", "n", null, "ts", Instant.parse("2020-02-02T02:02:02.000002Z"), "m", Map.of("k", "v")));

      long version = tables.rewrite(read, rows);

      assertThat(version).isEqualTo(read.version() + 1);
      assertThat(sparkRows(table)).isEqualTo(sorted(rows));
      assertThat(sorted(tables.read(table).orElseThrow().rows())).isEqualTo(sorted(rows));
      assertThat(TestSpark.sql("DESCRIBE HISTORY delta.`" + table + "` LIMIT 1").get(0).<String>getAs("operation")).isEqualTo("WRITE");
    }
  }

  @Test
  void a_rewrite_of_a_version_another_commit_followed_fails_even_on_an_empty_table() {
    try (TempLake lake = new TempLake()) {
      String table = lake.root().resolve("t").toString();
      StructType schema = new StructType().add("s", StringType.STRING, false).add("n", LongType.LONG)
          .add("ts", TimestampType.TIMESTAMP).add("m", new io.delta.kernel.types.MapType(StringType.STRING, DoubleType.DOUBLE, true));
      tables.createIfMissing(table, schema, Map.of());
      tables.createIfMissing(table, schema, Map.of());
      TableContents first = tables.read(table).orElseThrow();
      TableContents second = tables.read(table).orElseThrow();
      assertThat(first.rows()).isEmpty();

      tables.rewrite(first, List.of(row("s", "a", "n", 1L, "ts", null, "m", Map.of("x", 0.5))));

      assertThatThrownBy(() -> tables.rewrite(second, List.of(row("s", "b", "n", 2L, "ts", null, "m", null))))
          .isInstanceOf(TableChangedException.class).hasMessage("the Delta table at " + table + " changed after version 0 was read");
      assertThat(sparkRows(table)).containsExactly(row("s", "a", "n", 1L, "ts", null, "m", Map.of("x", 0.5)));
      assertThat(tables.read(lake.root().resolve("none").toString())).isEmpty();
    }
  }

  @Test
  void kernel_refuses_the_isolation_level_property() {
    try (TempLake lake = new TempLake()) {
      String table = lake.root().resolve("t").toString();
      assertThatThrownBy(() -> tables.createIfMissing(table, new StructType().add("s", StringType.STRING), Map.of("delta.isolationLevel", "Serializable")))
          .isInstanceOf(UnknownConfigurationException.class).hasMessageContaining("delta.isolationLevel");
    }
  }

  private static List<Map<String, Object>> sparkRows(String table) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Row row : TestSpark.table(table).collectAsList()) {
      Map<String, Object> values = new LinkedHashMap<>();
      StructField[] fields = row.schema().fields();
      for (int i = 0; i < fields.length; i++) {
        Object value = fields[i].dataType() instanceof MapType && !row.isNullAt(i) ? new HashMap<>(row.getJavaMap(i)) : row.get(i);
        if (value instanceof Timestamp t) {
          value = t.toInstant();
        } else if (value instanceof Date d) {
          value = d.toLocalDate();
        }
        values.put(fields[i].name(), value);
      }
      rows.add(values);
    }
    return sorted(rows);
  }

  private static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
    return rows.stream().sorted(Comparator.comparing(r -> (String) r.get("s"))).toList();
  }

  private static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      row.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return row;
  }
}
