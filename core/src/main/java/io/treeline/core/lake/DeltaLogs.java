package io.treeline.core.lake;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The newest committed version of a Delta table, read from its transaction log's file names with
 * one directory listing: what a long-running process (the prediction server) checks often without
 * starting a Spark job, which on a small machine would stall the requests it serves.
 */
public final class DeltaLogs {
  // Published commits and checkpoints (classic, multi-part, V2) sit directly in _delta_log; staged
  // commits (_staged_commits/), unbackfilled ones (_commits/), checksums and temp files prove nothing.
  private static final Pattern COMMIT = Pattern.compile("\\d{20}\\.json");
  private static final Pattern CHECKPOINT = Pattern.compile("\\d{20}\\.checkpoint(\\..+)?\\.(parquet|json)");

  private DeltaLogs() {}

  /**
   * Whether the table at {@code location} has a version a reader can open: a published commit, a
   * checkpoint or {@code _last_checkpoint}. False while a new table's first write is still running,
   * after a first write that failed, and when there is no log at all.
   */
  public static boolean hasCommit(String location, Configuration hadoop) {
    Path log = new Path(location, "_delta_log");
    try {
      FileSystem fs = log.getFileSystem(hadoop);
      for (FileStatus file : fs.listStatus(log)) {
        String name = file.getPath().getName();
        if (!file.isDirectory()
            && (COMMIT.matcher(name).matches() || CHECKPOINT.matcher(name).matches() || name.equals("_last_checkpoint"))) {
          return true;
        }
      }
      return false;
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the Delta log of " + location + ": " + e.getMessage(), e);
    }
  }

  /** The newest version committed to the table at {@code location}, or -1 when it has no log yet. */
  public static long latestVersion(String location, Configuration hadoop) {
    Path log = new Path(location, "_delta_log");
    try {
      FileSystem fs = log.getFileSystem(hadoop);
      long latest = -1;
      for (FileStatus file : fs.listStatus(log)) {
        String name = file.getPath().getName();
        // Commits are <20-digit version>.json; checkpoints, checksums and _last_checkpoint are not.
        if (name.length() == 25 && name.endsWith(".json") && name.chars().limit(20).allMatch(Character::isDigit)) {
          latest = Math.max(latest, Long.parseLong(name.substring(0, 20)));
        }
      }
      return latest;
    } catch (FileNotFoundException e) {
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the Delta log of " + location + ": " + e.getMessage(), e);
    }
  }
}
