package io.treeline.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;

/** Copies directories between the lake (local or s3a) and local disk through Hadoop's file systems. */
public final class Artifacts {
  private Artifacts() {}

  /** Copies the directory {@code from} to {@code to}, replacing {@code to} if it exists. */
  public static void copyDirectory(String from, String to, Configuration hadoop) {
    Path source = new Path(from);
    Path target = new Path(to);
    try {
      FileSystem sourceFs = source.getFileSystem(hadoop);
      FileSystem targetFs = target.getFileSystem(hadoop);
      if (targetFs.exists(target)) {
        targetFs.delete(target, true);
      }
      targetFs.mkdirs(target.getParent());
      if (!FileUtil.copy(sourceFs, source, targetFs, target, false, hadoop)) {
        throw new IOException("the copy reported failure");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code contents} to the file {@code location}, replacing it. */
  public static void write(String location, byte[] contents, Configuration hadoop) {
    Path path = new Path(location);
    try (var out = path.getFileSystem(hadoop).create(path, true)) {
      out.write(contents);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + location + ": " + e.getMessage(), e);
    }
  }

  public static boolean exists(String location, Configuration hadoop) {
    Path path = new Path(location);
    try {
      return path.getFileSystem(hadoop).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + location + ": " + e.getMessage(), e);
    }
  }
}
