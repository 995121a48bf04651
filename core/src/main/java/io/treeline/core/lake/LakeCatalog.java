package io.treeline.core.lake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import scala.Option;

/**
 * Makes the lake's Delta tables queryable by name ({@code select * from raw.flights}) in a session
 * whose catalog does not persist: every {@code tables/<ns>/<table>} holding a Delta log becomes an
 * external table of the session catalog. Registration reads only the Delta log.
 */
public final class LakeCatalog {
  private final SparkSession spark;
  private final LakeLayout layout;

  public LakeCatalog(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  /** The Delta tables present in the lake, sorted by name. */
  public List<TableName> tables() {
    List<TableName> found = new ArrayList<>();
    try {
      Path root = new Path(layout.tablesRoot());
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(root)) {
        return found;
      }
      for (FileStatus namespace : fs.listStatus(root)) {
        if (!namespace.isDirectory()) {
          continue;
        }
        for (FileStatus table : fs.listStatus(namespace.getPath())) {
          if (table.isDirectory() && fs.exists(new Path(table.getPath(), "_delta_log"))) {
            found.add(new TableName(namespace.getPath().getName(), table.getPath().getName()));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list lake tables under " + layout.tablesRoot(), e);
    }
    found.sort((a, b) -> a.toString().compareTo(b.toString()));
    return found;
  }

  /** Registers every lake table in the session catalog and returns their names. */
  public List<TableName> registerAll() {
    List<TableName> tables = tables();
    for (TableName table : tables) {
      register(table);
    }
    return tables;
  }

  /**
   * Registers one table; a registration pointing at another location (another lake used earlier by
   * this session) is replaced. Dropping an external table leaves its files alone.
   */
  public void register(TableName table) {
    String location = layout.table(table);
    spark.sql("CREATE DATABASE IF NOT EXISTS " + table.namespace());
    // The session catalog's own metadata: reading it does not open the (possibly deleted) old location.
    TableIdentifier id = new TableIdentifier(table.table(), Option.apply(table.namespace()));
    if (spark.sessionState().catalog().tableExists(id)) {
      try {
        String registered = spark.sessionState().catalog().getTableMetadata(id).location().toString();
        if (new Path(registered).toUri().getPath().equals(new Path(location).toUri().getPath())) {
          return;
        }
        spark.sessionState().catalog().dropTable(id, true, false);
      } catch (Exception e) { // Scala declares NoSuchTableException and friends as checked
        throw new IllegalStateException("Cannot re-register " + table + " at " + location, e);
      }
    }
    spark.sql("CREATE TABLE " + table + " USING delta LOCATION '" + location.replace("'", "\\'") + "'");
  }
}
