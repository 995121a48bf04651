package io.treeline.serving.inference;

import io.delta.kernel.engine.Engine;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deletes a table's expired Delta log files after a checkpoint, as Delta's protocol describes
 * ("Metadata Cleanup") and Spark's Delta writer does; Delta Kernel does not yet (delta-io/delta#7205),
 * and a server commits its log about once a second. A version is expired when its commit and every
 * older one were written before {@code delta.logRetentionDuration} (30 days unless the table says
 * otherwise); the newest complete checkpoint among the expired versions is kept with everything after
 * it, so every version newer than the retention can still be read (time travel), and the files of
 * older versions (commits, checksums, checkpoints, compacted logs) are deleted. Nothing is deleted
 * when the table turns cleanup off ({@code delta.enableExpiredLogCleanup=false}), protects its
 * checkpoints ({@code delta.requireCheckpointProtectionBeforeVersion}), or has checkpoints of a kind
 * this does not read (V2 checkpoints).
 */
final class ExpiredLogCleanup {
  static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
  private static final Pattern VERSIONED = Pattern.compile("(\\d{20})\\.(json|crc|checkpoint\\.parquet|checkpoint\\.(\\d{10})\\.(\\d{10})\\.parquet"
      + "|(\\d{20})\\.compacted\\.json|checkpoint\\.[^.]+\\.(json|parquet))");
  private static final Pattern INTERVAL = Pattern.compile("\\s*(?:interval\\s+)?(\\d+)\\s+(millisecond|second|minute|hour|day|week)s?\\s*",
      Pattern.CASE_INSENSITIVE);

  private ExpiredLogCleanup() {}

  /** One file of the log with the version it belongs to (a compacted log: its last version). */
  private record LogFile(String path, long version) {}

  /**
   * Deletes the expired log files of the table whose log is at {@code logPath}, given its
   * {@code properties}, as of {@code nowMillis}; returns how many were deleted.
   */
  static int run(Engine engine, String logPath, Map<String, String> properties, long nowMillis) throws IOException {
    if ("false".equalsIgnoreCase(properties.getOrDefault("delta.enableExpiredLogCleanup", "true").trim())
        || properties.containsKey("delta.requireCheckpointProtectionBeforeVersion")) {
      return 0;
    }
    long cutoff = nowMillis - retention(properties.get("delta.logRetentionDuration")).toMillis();
    java.util.Set<Long> completeCheckpoints = new java.util.HashSet<>();
    Map<String, java.util.BitSet> partsSeen = new java.util.HashMap<>(); // "version/parts" -> the parts of that checkpoint present
    List<LogFile> files = new ArrayList<>();
    long expiredUpTo = -1;
    // The log in name order: within a version its compacted logs, checkpoints and checksum come before its commit, so the listing
    // stops at the first commit that is not expired (or not the next version), having seen every file of the versions before it.
    try (CloseableIterator<FileStatus> listed = engine.getFileSystemClient().listFrom(logPath + "/" + "0".repeat(20))) {
      while (listed.hasNext()) {
        FileStatus status = listed.next();
        String name = status.getPath().substring(status.getPath().lastIndexOf('/') + 1);
        Matcher m = VERSIONED.matcher(name);
        if (!m.matches()) {
          continue;
        }
        if (m.group(6) != null) {
          return 0; // a V2 checkpoint: its sidecars would need reading; left to a writer that knows them
        }
        long version = Long.parseLong(m.group(1));
        String kind = m.group(2);
        if (kind.equals("json")) {
          if (expiredUpTo >= 0 && version != expiredUpTo + 1 || status.getModificationTime() > cutoff) {
            break; // a newer commit with an old time (a clock set back) ends the expired run too
          }
          expiredUpTo = version;
        } else if (kind.equals("checkpoint.parquet")) {
          completeCheckpoints.add(version);
        } else if (m.group(3) != null) {
          int part = Integer.parseInt(m.group(3));
          int parts = Integer.parseInt(m.group(4));
          java.util.BitSet seen = partsSeen.computeIfAbsent(version + "/" + parts, k -> new java.util.BitSet());
          if (part >= 1 && part <= parts) {
            seen.set(part);
          }
          if (seen.cardinality() == parts) {
            completeCheckpoints.add(version);
          }
        }
        files.add(new LogFile(status.getPath(), m.group(5) != null ? Long.parseLong(m.group(5)) : version));
      }
    }
    long keepFrom = -1;
    for (long checkpoint : completeCheckpoints) {
      if (checkpoint <= expiredUpTo) {
        keepFrom = Math.max(keepFrom, checkpoint);
      }
    }
    int deleted = 0;
    for (LogFile file : files) {
      if (file.version() < keepFrom && engine.getFileSystemClient().delete(file.path())) {
        deleted++;
      }
    }
    return deleted;
  }

  /** {@code delta.logRetentionDuration} ("interval 30 days"), or the default when absent; refuses what Delta would not parse either. */
  static Duration retention(String property) {
    if (property == null) {
      return DEFAULT_RETENTION;
    }
    Matcher m = INTERVAL.matcher(property);
    if (!m.matches()) {
      throw new IllegalArgumentException("delta.logRetentionDuration is '" + property + "', not an interval such as 'interval 30 days'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "millisecond" -> Duration.ofMillis(n);
      case "second" -> Duration.ofSeconds(n);
      case "minute" -> Duration.ofMinutes(n);
      case "hour" -> Duration.ofHours(n);
      case "day" -> Duration.ofDays(n);
      default -> Duration.ofDays(7 * n);
    };
  }
}
