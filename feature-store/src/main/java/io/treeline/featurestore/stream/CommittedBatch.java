package io.treeline.featurestore.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The last micro-batch a view's stream committed, and where in the source it ended, read from the
 * Structured Streaming checkpoint: {@code commits/<batch>} marks a batch done, {@code offsets/<batch>}
 * holds where it ended (Kafka: the next offset of each partition; files: an index into the file
 * source's log {@code sources/0/}, whose entries name the files read). Everything up to that point
 * is in the view's event log, batch by batch ({@code __batch_id}); the online lane starts from it.
 */
record CommittedBatch(long batchId, Map<Integer, Long> nextOffsets, Set<String> filesRead) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Optional<CommittedBatch> read(String checkpoint, Configuration hadoop) {
    try {
      Path commits = new Path(checkpoint, "commits");
      FileSystem fs = commits.getFileSystem(hadoop);
      if (!fs.exists(commits)) {
        return Optional.empty();
      }
      long batch = -1;
      for (FileStatus file : fs.listStatus(commits)) {
        batch = Math.max(batch, batchNumber(file.getPath().getName()));
      }
      if (batch < 0) {
        return Optional.empty();
      }
      List<String> offsets = lines(fs, new Path(checkpoint, "offsets/" + batch));
      JsonNode source = JSON.readTree(offsets.get(offsets.size() - 1));
      Map<Integer, Long> next = new HashMap<>();
      Set<String> files = new HashSet<>();
      if (source.has("logOffset")) {
        files.addAll(filesRead(fs, new Path(checkpoint, "sources/0"), source.get("logOffset").asLong()));
      } else {
        for (var topic : (Iterable<Map.Entry<String, JsonNode>>) source::fields) {
          for (var partition : (Iterable<Map.Entry<String, JsonNode>>) topic.getValue()::fields) {
            next.put(Integer.parseInt(partition.getKey()), partition.getValue().asLong());
          }
        }
      }
      return Optional.of(new CommittedBatch(batch, next, files));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the stream checkpoint " + checkpoint, e);
    }
  }

  /** The files the file source's log lists up to {@code logOffset} (its compacted files include every earlier entry). */
  private static Set<String> filesRead(FileSystem fs, Path log, long logOffset) throws IOException {
    Set<String> files = new HashSet<>();
    if (!fs.exists(log)) {
      return files;
    }
    for (FileStatus file : fs.listStatus(log)) {
      long entry = batchNumber(file.getPath().getName().replace(".compact", ""));
      if (entry < 0 || entry > logOffset) {
        continue;
      }
      for (String line : lines(fs, file.getPath())) {
        if (line.startsWith("{")) {
          files.add(pathOf(JSON.readTree(line).get("path").asText()));
        }
      }
    }
    return files;
  }

  /** A file's path without its scheme: the log writes file:///x, Hadoop's listing file:/x. */
  static String pathOf(String uri) {
    return new Path(uri).toUri().getPath();
  }

  private static long batchNumber(String name) {
    try {
      return Long.parseLong(name);
    } catch (NumberFormatException e) {
      return -1; // a temporary or hidden file
    }
  }

  private static List<String> lines(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }
}
