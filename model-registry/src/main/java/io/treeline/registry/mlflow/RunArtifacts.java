package io.treeline.registry.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import io.treeline.modelpackage.ModelPackage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Moves run artifacts between Treeline and the tracking server's artifact store: through the
 * server's {@code mlflow-artifacts} HTTP API when the run's artifact URI is
 * {@code mlflow-artifacts:/…} (the server proxies its store), or straight to a store both sides can
 * reach (a local path, {@code s3://} read as {@code s3a://}) through Hadoop's file systems. Never
 * through the Python CLI.
 */
final class RunArtifacts {
  private static final String PROXIED = "mlflow-artifacts:";

  private final MlflowHttp http;
  private final Configuration hadoop;

  RunArtifacts(MlflowHttp http, Configuration hadoop) {
    this.http = http;
    this.hadoop = hadoop;
  }

  /** Copies every file under {@code sourceDir} to the run's artifact URI, keeping relative paths. */
  void upload(String sourceDir, String artifactUri, String mlflowRunId) {
    try {
      org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(sourceDir);
      FileSystem fs = source.getFileSystem(hadoop);
      String prefix = fs.makeQualified(source).toUri().getPath();
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(source, true);
      while (files.hasNext()) {
        LocatedFileStatus file = files.next();
        String name = file.getPath().getName();
        if (name.startsWith(".") && name.endsWith(".crc")) {
          continue; // Hadoop's local checksums: not part of the artifacts
        }
        String relative = file.getPath().toUri().getPath().substring(prefix.length() + 1);
        byte[] bytes;
        try (InputStream in = fs.open(file.getPath())) {
          bytes = in.readAllBytes();
        }
        if (relative.endsWith("/" + ModelPackage.MLMODEL) || relative.equals(ModelPackage.MLMODEL)) {
          bytes = withRunId(bytes, mlflowRunId);
        }
        write(artifactUri + "/" + relative, bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot upload the artifacts of " + sourceDir + " to " + artifactUri + ": " + e.getMessage(), e);
    }
  }

  /** Reads one artifact file. */
  byte[] read(String uri) {
    if (uri.startsWith(PROXIED)) {
      return http.downloadArtifact(proxiedPath(uri));
    }
    org.apache.hadoop.fs.Path path = hadoopPath(uri);
    try (InputStream in = path.getFileSystem(hadoop).open(path)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Copies the artifact directory {@code uri} into the local directory {@code target}. */
  void download(String uri, Path target) {
    try {
      if (uri.startsWith(PROXIED)) {
        downloadProxied(proxiedPath(uri), target);
      } else {
        org.apache.hadoop.fs.Path source = hadoopPath(uri);
        FileUtil.copy(source.getFileSystem(hadoop), source, FileSystem.getLocal(hadoop),
            new org.apache.hadoop.fs.Path(target.toAbsolutePath().toUri()), false, hadoop);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot download " + uri + " to " + target + ": " + e.getMessage(), e);
    }
  }

  private void downloadProxied(String path, Path target) throws IOException {
    Files.createDirectories(target);
    for (JsonNode file : http.listArtifacts(path).path("files")) {
      String name = file.path("path").asText();
      if (file.path("is_dir").asBoolean()) {
        downloadProxied(path + "/" + name, target.resolve(name));
      } else {
        Files.write(target.resolve(name), http.downloadArtifact(path + "/" + name));
      }
    }
  }

  /** Writes one artifact file, replacing it. */
  void write(String uri, byte[] bytes) throws IOException {
    if (uri.startsWith(PROXIED)) {
      http.uploadArtifact(proxiedPath(uri), bytes);
      return;
    }
    org.apache.hadoop.fs.Path path = hadoopPath(uri);
    try (var out = path.getFileSystem(hadoop).create(path, true)) {
      out.write(bytes);
    }
  }

  /** {@code mlflow-artifacts:/1/abc/artifacts} and {@code mlflow-artifacts://host:port/1/abc/artifacts} → {@code 1/abc/artifacts}. */
  static String proxiedPath(String uri) {
    String path = URI.create(uri).getPath();
    return path.startsWith("/") ? path.substring(1) : path;
  }

  private static org.apache.hadoop.fs.Path hadoopPath(String uri) {
    return new org.apache.hadoop.fs.Path(uri.startsWith("s3://") ? "s3a://" + uri.substring("s3://".length()) : uri);
  }

  /** The package was written before MLflow gave the run its id; MLmodel names MLflow's id. */
  static byte[] withRunId(byte[] mlmodel, String runId) {
    String text = new String(mlmodel, StandardCharsets.UTF_8);
    String replaced = text.replaceFirst("(?m)^run_id: .*$", "run_id: " + runId);
    if (replaced.equals(text) && !text.contains("\nrun_id: ")) {
      replaced = text + (text.endsWith("\n") ? "" : "\n") + "run_id: " + runId + "\n";
    }
    return replaced.getBytes(StandardCharsets.UTF_8);
  }
}
