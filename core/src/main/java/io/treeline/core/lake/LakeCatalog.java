package io.treeline.core.lake;

import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.catalog.SessionCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Makes the lake's Delta tables queryable by name ({@code select * from raw.flights}) in a session
 * whose catalog does not persist: every {@code tables/<ns>/<table>} whose Delta log has a commit
 * becomes an external table of the session catalog. Registration reads only the Delta log.
 *
 * <p>A table directory without a commit — a new table whose first write is still running in
 * another job, or one whose first write failed — is skipped with a warning, so it never stops
 * commands that do not need it; a query that names it can ask {@link #explainMissingTable} why.
 */
public final class LakeCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(LakeCatalog.class);
  private static final String DELTA_NO_LOG = "DELTA_CREATE_EXTERNAL_TABLE_WITHOUT_TXN_LOG";
  private static final String NOT_FOUND = "TABLE_OR_VIEW_NOT_FOUND";
  private static final String NO_COMMIT_REMEDY = "Wait for the job, or delete the directory if no job is writing it.";

  private final SparkSession spark;
  private final LakeLayout layout;

  public LakeCatalog(SparkSession spark, LakeLayout layout) {
    this.spark = spark;
    this.layout = layout;
  }

  /** The Delta tables of the lake that have at least one commit, sorted by name. */
  public List<TableName> tables() {
    return directories().stream().filter(this::hasCommit).toList();
  }

  /**
   * Registers every lake table that has a commit in the session catalog and returns their names.
   * Tables without one are skipped with a warning, and registrations this catalog made earlier in
   * the session for tables since deleted (or being made again) are dropped; a table that has gained
   * its first commit since the last call is registered now.
   */
  public List<TableName> registerAll() {
    List<TableName> registered = new ArrayList<>();
    for (TableName table : directories()) {
      // One listing of the log spares the common case Delta's exception; tryRegister still turns that
      // exception into a skip for whatever the listing cannot see (the log changing between the two).
      if (hasCommit(table) && tryRegister(table)) {
        registered.add(table);
      } else {
        LOG.warn("Not registering {}: {}. {} Queries that name it fail until it has one.", table, noCommitReason(table), NO_COMMIT_REMEDY);
      }
    }
    forgetAllBut(new HashSet<>(registered));
    return registered;
  }

  /**
   * Registers one table; a registration pointing at another location (another lake used earlier by
   * this session) is replaced. Dropping an external table leaves its files alone.
   */
  public void register(TableName table) {
    if (!tryRegister(table)) {
      throw Errors.invalidInput("register", table.toString(), noCommitReason(table), NO_COMMIT_REMEDY);
    }
  }

  /**
   * Why {@code table} cannot be read, when the reason is that its directory exists without a Delta
   * commit; empty when it has one or does not exist at all.
   */
  public Optional<InvalidInputException> whyUnreadable(TableName table) {
    return whyUnreadable(table, null);
  }

  /**
   * The clear error for a query that failed because it names a lake table that could not be
   * registered for want of a commit; empty when {@code failure} is anything else.
   */
  public Optional<InvalidInputException> explainMissingTable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SparkThrowable spark && NOT_FOUND.equals(spark.getCondition())) {
        String relation = spark.getMessageParameters().get("relationName");
        return relation == null ? Optional.empty() : lakeName(relation).flatMap(table -> whyUnreadable(table, failure));
      }
    }
    return Optional.empty();
  }

  private Optional<InvalidInputException> whyUnreadable(TableName table, Throwable cause) {
    Path location = new Path(layout.table(table));
    try {
      if (!location.getFileSystem(hadoop()).exists(location) || hasCommit(table)) {
        return Optional.empty();
      }
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty(); // only an explanation: the caller still has its own error to report
    }
    return Optional.of(Errors.invalidInput("read", table.toString(), noCommitReason(table), NO_COMMIT_REMEDY, cause));
  }

  private boolean tryRegister(TableName table) {
    String location = layout.table(table);
    spark.sql("CREATE DATABASE IF NOT EXISTS " + table.namespace());
    // The session catalog's own metadata: reading it does not open the (possibly deleted) old location.
    TableIdentifier id = identifier(table);
    SessionCatalog catalog = spark.sessionState().catalog();
    if (catalog.tableExists(id)) {
      try {
        if (samePlace(catalog.getTableMetadata(id).location(), location)) {
          return true;
        }
        catalog.dropTable(id, true, false);
      } catch (Exception e) { // Scala declares NoSuchTableException and friends as checked
        throw new IllegalStateException("Cannot re-register " + table + " at " + location, e);
      }
    }
    try {
      spark.sql("CREATE TABLE " + table + " USING delta LOCATION '" + location.replace("'", "\\'") + "'");
      return true;
    } catch (Exception e) { // Spark throws its checked AnalysisException without declaring it
      if (hasCondition(e, DELTA_NO_LOG)) {
        return false;
      }
      throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
    }
  }

  /** Drops this lake's registrations of tables not in {@code keep}; other lakes' and users' tables stay. */
  private void forgetAllBut(Set<TableName> keep) {
    SessionCatalog catalog = spark.sessionState().catalog();
    for (String database : CollectionConverters.asJava(catalog.listDatabases())) {
      for (TableIdentifier id : CollectionConverters.asJava(catalog.listTables(database))) {
        if (id.database().isEmpty()) {
          continue; // a temporary view
        }
        Optional<TableName> name = lakeName(id.database().get() + "." + id.table());
        if (name.isEmpty() || keep.contains(name.get())) {
          continue;
        }
        try {
          if (samePlace(catalog.getTableMetadata(id).location(), layout.table(name.get()))) {
            catalog.dropTable(id, true, false);
          }
        } catch (Exception e) { // dropped meanwhile, or not a table: nothing of ours to forget
          LOG.debug("Left {} registered: {}", id, e.toString());
        }
      }
    }
  }

  /** The directories under tables/<ns>/ that hold a Delta log, sorted by name. */
  private List<TableName> directories() {
    List<TableName> found = new ArrayList<>();
    try {
      Path root = new Path(layout.tablesRoot());
      FileSystem fs = root.getFileSystem(hadoop());
      if (!fs.exists(root)) {
        return found;
      }
      for (FileStatus namespace : fs.listStatus(root)) {
        if (!namespace.isDirectory()) {
          continue;
        }
        for (FileStatus table : fs.listStatus(namespace.getPath())) {
          if (table.isDirectory() && fs.exists(new Path(table.getPath(), "_delta_log"))) {
            Optional<TableName> name = lakeName(namespace.getPath().getName() + "." + table.getPath().getName());
            if (name.isPresent()) {
              found.add(name.get());
            } else {
              LOG.warn("Not registering {}: its name is not namespace.table in lower-case letters, digits and underscores", table.getPath());
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list lake tables under " + layout.tablesRoot(), e);
    }
    found.sort((a, b) -> a.toString().compareTo(b.toString()));
    return found;
  }

  private boolean hasCommit(TableName table) {
    return DeltaLogs.hasCommit(layout.table(table), hadoop());
  }

  private String noCommitReason(TableName table) {
    return "its directory " + layout.table(table)
        + " has no Delta commit yet — a job may still be creating it, or a failed first write left it behind";
  }

  private Configuration hadoop() {
    return spark.sparkContext().hadoopConfiguration();
  }

  private static TableIdentifier identifier(TableName table) {
    return new TableIdentifier(table.table(), Option.apply(table.namespace()));
  }

  /** A lake table's name from a relation name as Spark prints it ({@code `spark_catalog`.`raw`.`x`}). */
  private static Optional<TableName> lakeName(String relation) {
    String[] parts = relation.replace("`", "").toLowerCase(java.util.Locale.ROOT).split("\\.");
    if (parts.length < 2) {
      return Optional.empty();
    }
    try {
      return Optional.of(new TableName(parts[parts.length - 2], parts[parts.length - 1]));
    } catch (InvalidInputException e) {
      return Optional.empty();
    }
  }

  /** Compares authority and path only: the catalog keeps {@code file:/x} where the layout says {@code /x}. */
  private static boolean samePlace(URI registered, String location) {
    URI expected = new Path(location).toUri();
    URI actual = new Path(registered).toUri();
    return actual.getPath().equals(expected.getPath())
        && (actual.getAuthority() == null ? "" : actual.getAuthority()).equals(expected.getAuthority() == null ? "" : expected.getAuthority());
  }

  private static boolean hasCondition(Throwable failure, String condition) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SparkThrowable spark && condition.equals(spark.getCondition())) {
        return true;
      }
    }
    return false;
  }
}
