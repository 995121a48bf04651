package io.treeline.featurestore.stream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The event files of the directory that the micro-batches have not read, oldest first, then each new
 * one as it appears; as Spark's file source, names starting with "." or "_" are left until renamed.
 */
final class FileLaneFeed implements LaneFeed {
  private final Path dir;
  private final FileSystem fs;
  private final Set<String> read;

  FileLaneFeed(String dir, Set<String> alreadyRead, Configuration hadoop) {
    this.dir = new Path(dir);
    this.read = new HashSet<>(alreadyRead);
    try {
      this.fs = this.dir.getFileSystem(hadoop);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<Row> poll(Duration wait) {
    List<Row> rows = new ArrayList<>();
    try {
      List<FileStatus> fresh = new ArrayList<>();
      if (fs.exists(dir)) {
        for (FileStatus file : fs.listStatus(dir)) {
          String name = file.getPath().getName();
          if (file.isFile() && !name.startsWith(".") && !name.startsWith("_") && !read.contains(CommittedBatch.pathOf(file.getPath().toString()))) {
            fresh.add(file);
          }
        }
      }
      fresh.sort(Comparator.comparingLong(FileStatus::getModificationTime).thenComparing(f -> f.getPath().getName()));
      for (FileStatus file : fresh) {
        Timestamp produced = new Timestamp(file.getModificationTime());
        String path = file.getPath().toString();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file.getPath()), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            rows.add(RowFactory.create(line, null, null, null, path, produced));
          }
        }
        read.add(CommittedBatch.pathOf(path));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the event files in " + dir, e);
    }
    if (rows.isEmpty()) {
      sleep(wait);
    }
    return rows;
  }

  private static void sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {}
}
