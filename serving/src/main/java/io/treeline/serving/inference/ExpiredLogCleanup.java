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
import java.util.TreeMap;
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
  private record LogFile(String path, long version, long modified) {}

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
    TreeMap<Long, Long> commits = new TreeMap<>(); // version -> when written
    TreeMap<Long, Integer> checkpointParts = new TreeMap<>(); // version -> parts present (-1: a single file)
    Map<Long, Integer> checkpointPartsExpected = new TreeMap<>();
    List<LogFile> files = new ArrayList<>();
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
          commits.put(version, status.getModificationTime());
        } else if (kind.equals("checkpoint.parquet")) {
          checkpointParts.put(version, -1);
        } else if (m.group(3) != null) {
          checkpointParts.merge(version, 1, Integer::sum);
          checkpointPartsExpected.put(version, Integer.parseInt(m.group(4)));
        }
        files.add(new LogFile(status.getPath(), m.group(5) != null ? Long.parseLong(m.group(5)) : version, status.getModificationTime()));
      }
    }
    long expiredUpTo = -1;
    for (Map.Entry<Long, Long> commit : commits.entrySet()) {
      // only a run of expired commits from the oldest on: a newer commit with an old time (a clock set back) stops it
      if (commit.getKey() != expiredUpTo + 1 && expiredUpTo >= 0 || commit.getValue() > cutoff) {
        break;
      }
      expiredUpTo = commit.getKey();
    }
    long keepFrom = -1;
    for (Map.Entry<Long, Integer> checkpoint : checkpointParts.headMap(expiredUpTo, true).entrySet()) {
      int parts = checkpoint.getValue();
      if (parts == -1 || Integer.valueOf(parts).equals(checkpointPartsExpected.get(checkpoint.getKey()))) {
        keepFrom = checkpoint.getKey();
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
