package io.treeline.core.lake;

import io.treeline.core.error.Errors;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Checks the lake can be written before a job starts writing to it. */
public final class LakeAccess {
  private LakeAccess() {}

  public static void requireWritable(LakeLayout layout, Configuration hadoopConf) {
    Path root = new Path(layout.root());
    Path probe = new Path(root, ".treeline-write-probe-" + UUID.randomUUID());
    try {
      FileSystem fs = root.getFileSystem(hadoopConf);
      if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
        throw Errors.invalidInput("write", "lake root " + layout.root(), "it is a file, not a directory",
            "Set lake.root (or TREELINE_LAKE_ROOT, or --conf lake.root=DIR) to a directory.");
      }
      if (!fs.mkdirs(root)) {
        throw new IOException("could not create the directory");
      }
      fs.create(probe, false).close();
      fs.delete(probe, false);
    } catch (IOException e) {
      throw Errors.invalidInput("write", "lake root " + layout.root(), reason(e),
          "Set lake.root (or TREELINE_LAKE_ROOT, or --conf lake.root=DIR) to a directory this user can write.", e);
    }
  }

  private static String reason(IOException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
