package io.treeline.featurestore.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
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
    Path temporary = new Path(checkpoint + "/treeline/.status.json.tmp");
    FileSystem fs = file.getFileSystem(hadoop);
    try (FSDataOutputStream out = fs.create(temporary, true)) {
      out.write(JSON.writeValueAsBytes(status));
    }
    // Replaced in one rename, so a reader never finds the file missing.
    org.apache.hadoop.fs.FileContext.getFileContext(fs.makeQualified(file).toUri(), hadoop).rename(fs.makeQualified(temporary), fs.makeQualified(file), org.apache.hadoop.fs.Options.Rename.OVERWRITE);
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
