package io.treeline.jobs.stream;

import io.treeline.core.error.Errors;
import io.treeline.core.error.TreelineException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes events as JSON lines into numbered files ({@code events-000001.json}, …) for Spark's file
 * source, through Hadoop's file systems (local, s3a). Each file is written under a hidden name,
 * which the file source ignores, and renamed when complete, so a running stream never reads half
 * a file. Numbering continues after the files already in the directory: a stream that has read
 * {@code events-000001.json} would not read a new file of the same name.
 */
final class EventFileSink implements EventSink {
  private static final Pattern EVENT_FILE = Pattern.compile("events-(\\d+)\\.json");

  private final FileSystem fs;
  private final Path dir;
  private final int eventsPerFile;
  private int nextNumber;
  private int filesWritten;
  private Writer current;
  private Path currentTemporary;
  private int eventsInCurrent;

  private EventFileSink(FileSystem fs, Path dir, int eventsPerFile, int nextNumber) {
    this.fs = fs;
    this.dir = dir;
    this.eventsPerFile = eventsPerFile;
    this.nextNumber = nextNumber;
  }

  static EventFileSink open(String directory, int eventsPerFile, Configuration hadoop) {
    Path dir = new Path(directory);
    FileSystem fs = null;
    try {
      // A file system of our own: switching off local .crc files must not change the lake's.
      fs = FileSystem.newInstance(dir.toUri(), hadoop);
      fs.setWriteChecksum(false);
      dir = fs.makeQualified(dir);
      fs.mkdirs(dir);
      int highest = 0;
      for (FileStatus status : listOrEmpty(fs, dir)) {
        Matcher name = EVENT_FILE.matcher(status.getPath().getName());
        if (name.matches()) {
          highest = Math.max(highest, Integer.parseInt(name.group(1)));
        }
      }
      return new EventFileSink(fs, dir, eventsPerFile, highest + 1);
    } catch (IOException | RuntimeException e) {
      closeQuietly(fs);
      throw Errors.invalidInput("write", "event files to " + directory, String.valueOf(e.getMessage()),
          "Pass a directory this machine can write to with --to-dir.", e);
    }
  }

  /** An object store may keep no marker for an empty directory, so a fresh directory can list as missing. */
  private static FileStatus[] listOrEmpty(FileSystem fs, Path dir) throws IOException {
    try {
      return fs.listStatus(dir);
    } catch (java.io.FileNotFoundException e) {
      return new FileStatus[0];
    }
  }

  @Override
  public void send(String key, String json) {
    try {
      if (current == null) {
        currentTemporary = new Path(dir, "." + fileName(nextNumber) + ".incoming");
        current = new BufferedWriter(new OutputStreamWriter(fs.create(currentTemporary, true), StandardCharsets.UTF_8), 1 << 16);
      }
      current.write(json);
      current.write('\n');
      if (++eventsInCurrent == eventsPerFile) {
        publish();
      }
    } catch (IOException e) {
      throw failed(e);
    }
  }

  @Override
  public void finish() {
    if (current != null) {
      try {
        publish();
      } catch (IOException e) {
        throw failed(e);
      }
    }
  }

  private long lastModified;

  private void publish() throws IOException {
    current.close();
    current = null;
    Path target = new Path(dir, fileName(nextNumber));
    if (!fs.rename(currentTemporary, target)) {
      throw new IOException("could not rename " + currentTemporary + " to " + target);
    }
    // Spark's file source takes files in modification-time order; files written within the same
    // millisecond would be taken in any order, so each one is made strictly newer than the last.
    lastModified = Math.max(System.currentTimeMillis(), lastModified + 1);
    try {
      fs.setTimes(target, lastModified, -1);
    } catch (UnsupportedOperationException e) {
      // Object stores keep their own times (and list in name order).
    }
    currentTemporary = null;
    eventsInCurrent = 0;
    nextNumber++;
    filesWritten++;
  }

  private static String fileName(int number) {
    return String.format("events-%06d.json", number);
  }

  private TreelineException failed(IOException e) {
    return Errors.jobFailed("write", "event files to " + dir, e.getMessage(), "Check the directory can be written and has space.", e);
  }

  int filesWritten() {
    return filesWritten;
  }

  @Override
  public String describe() {
    return "files in " + dir;
  }

  @Override
  public void close() {
    if (current != null) {
      try {
        current.close();
        fs.delete(currentTemporary, false);
      } catch (IOException e) {
        // Best effort: a leftover hidden file is ignored by the file source and overwritten by the next replay.
      }
    }
    closeQuietly(fs);
  }

  private static void closeQuietly(FileSystem fs) {
    try {
      if (fs != null) {
        fs.close();
      }
    } catch (IOException e) {
      // Nothing was left to write.
    }
  }
}
