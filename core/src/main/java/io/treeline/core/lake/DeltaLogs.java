package io.treeline.core.lake;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
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
  private DeltaLogs() {}

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
