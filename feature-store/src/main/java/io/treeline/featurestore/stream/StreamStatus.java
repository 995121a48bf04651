package io.treeline.featurestore.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * The last known state of each view's stream, as a small JSON file in its checkpoint
 * ({@code treeline/status.json}), rewritten after every micro-batch by the process running it, so
 * {@code treeline stream status} can show it from anywhere that sees the lake.
 */
public final class StreamStatus {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private StreamStatus() {}

  public static void write(String checkpoint, Map<String, Object> status, Configuration hadoop) throws IOException {
    Path file = new Path(checkpoint + "/treeline/status.json");
    FileSystem fs = file.getFileSystem(hadoop);
    Path qualified = fs.makeQualified(file);
    byte[] json = JSON.writeValueAsBytes(status);
    // A reader must find the old file or the new one, never none and never half of one; each kind of
    // store gives that its own way. Hadoop's rename with OVERWRITE is a delete and then a rename
    // everywhere but HDFS, which leaves a moment with no file.
    switch (qualified.toUri().getScheme()) {
      case "file" -> replaceLocalFile(java.nio.file.Path.of(qualified.toUri()), json);
      case "hdfs", "viewfs" -> {
        Path temporary = new Path(qualified.getParent(), ".status.json.tmp");
        try (FSDataOutputStream out = fs.create(temporary, true)) {
          out.write(json);
        }
        FileContext.getFileContext(qualified.toUri(), hadoop).rename(temporary, qualified, Options.Rename.OVERWRITE);
      }
      // An object store makes an object visible whole, when its upload completes.
      default -> {
        try (FSDataOutputStream out = fs.create(qualified, true)) {
          out.write(json);
        }
      }
    }
  }

  private static void replaceLocalFile(java.nio.file.Path file, byte[] json) throws IOException {
    java.nio.file.Path directory = file.getParent();
    Files.createDirectories(directory);
    java.nio.file.Path temporary = directory.resolve(".status.json.tmp");
    Files.write(temporary, json);
    // Written without Hadoop's checksum file, so one left by an earlier version would no longer match.
    Files.deleteIfExists(directory.resolve(".status.json.crc"));
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Every view's status under the checkpoint root, by view name; views that never ran a batch are absent. */
  @SuppressWarnings("unchecked")
  public static Map<String, Map<String, Object>> readAll(String checkpointRoot, Configuration hadoop) throws IOException {
    Map<String, Map<String, Object>> statuses = new LinkedHashMap<>();
    Path root = new Path(checkpointRoot);
    FileSystem fs = root.getFileSystem(hadoop);
    if (!fs.exists(root)) {
      return statuses;
    }
    List<FileStatus> views = new ArrayList<>(List.of(fs.listStatus(root)));
    views.sort(java.util.Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus view : views) {
      Path file = new Path(view.getPath(), "treeline/status.json");
      if (view.isDirectory() && fs.exists(file)) {
        try (FSDataInputStream in = fs.open(file)) {
          statuses.put(view.getPath().getName(), JSON.readValue(new String(in.readAllBytes(), StandardCharsets.UTF_8), Map.class));
        }
      }
    }
    return statuses;
  }
}
