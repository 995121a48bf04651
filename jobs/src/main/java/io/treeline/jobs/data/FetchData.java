package io.treeline.jobs.data;

import io.treeline.core.error.Errors;
import io.treeline.core.hash.Sha256;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.fs.FileSystem;

/**
 * Obtains the vega-datasets tarball (npm pack, a download cache, or a file given with --from),
 * verifies its SHA-256 and places the flights and airports files in the lake's raw area.
 */
public final class FetchData implements Job<FetchData.Result> {
  private final Path from;
  private final Path cacheDir;
  private final String npm;

  /** @param from a tarball to use instead of npm, or null */
  public FetchData(Path from, Path cacheDir) {
    this(from, cacheDir, "npm");
  }

  /** @param npm the npm executable; tests point it elsewhere to see a machine without npm */
  FetchData(Path from, Path cacheDir, String npm) {
    this.from = from;
    this.cacheDir = cacheDir;
    this.npm = npm;
  }

  public record Result(Path tarball, String obtainedFrom, List<String> files) implements JobResult {
    @Override
    public String summaryLine() {
      return "Fetched " + VegaDatasets.SPEC + " (" + obtainedFrom + ", sha256 verified) into " + String.join(", ", files);
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("package", VegaDatasets.SPEC);
      summary.put("tarball", tarball.toString());
      summary.put("obtained_from", obtainedFrom);
      summary.put("sha256", VegaDatasets.TARBALL_SHA256);
      summary.put("files", files);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    context.requireWritableLake();
    Path tarball;
    String obtainedFrom;
    Path cached = cacheDir.resolve(VegaDatasets.TARBALL);
    if (from != null) {
      if (!Files.isRegularFile(from)) {
        throw Errors.invalidInput("fetch", VegaDatasets.SPEC, "--from " + from + " is not a file",
            "Pass the path of " + VegaDatasets.TARBALL + " (made by `npm pack " + VegaDatasets.SPEC + "`).");
      }
      tarball = from;
      obtainedFrom = "--from " + from;
    } else if (Files.isRegularFile(cached) && VegaDatasets.TARBALL_SHA256.equals(sha256(cached))) {
      tarball = cached;
      obtainedFrom = "cache " + cacheDir;
    } else {
      context.progress().status("npm pack " + VegaDatasets.SPEC);
      tarball = npmPack(npm, cacheDir);
      obtainedFrom = "npm";
    }
    String actual = sha256(tarball);
    if (!VegaDatasets.TARBALL_SHA256.equals(actual)) {
      throw Errors.invalidInput("fetch", VegaDatasets.SPEC,
          "the SHA-256 of " + tarball + " is " + actual + ", expected " + VegaDatasets.TARBALL_SHA256,
          "The file is damaged or is another version: delete it and run `treeline data fetch` again.");
    }
    List<String> placed = extract(tarball, context);
    return new Result(tarball, obtainedFrom, placed);
  }

  private static String sha256(Path file) {
    try {
      return Sha256.of(file);
    } catch (IOException e) {
      throw Errors.invalidInput("read", file.toString(), e.getMessage(), "Check the file can be read.", e);
    }
  }

  private static Path npmPack(String npm, Path cacheDir) {
    List<String> command = List.of(npm, "pack", VegaDatasets.SPEC, "--pack-destination", cacheDir.toString(), "--silent");
    Process process;
    try {
      Files.createDirectories(cacheDir);
      process = new ProcessBuilder(command).directory(cacheDir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw Errors.invalidInput("fetch", VegaDatasets.SPEC, "npm is not installed or not on the PATH (" + e.getMessage() + ")",
          "Install Node.js with npm (https://nodejs.org, or `apt-get install npm`), or fetch the tarball elsewhere with `npm pack "
              + VegaDatasets.SPEC + "` and pass it with --from FILE.", e);
    }
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw Errors.jobFailed("fetch", VegaDatasets.SPEC, "npm pack did not finish in 10 minutes",
            "Check access to the npm registry, or pass a tarball with --from FILE.", null);
      }
      Path tarball = cacheDir.resolve(VegaDatasets.TARBALL);
      if (process.exitValue() != 0 || !Files.isRegularFile(tarball)) {
        throw Errors.jobFailed("fetch", VegaDatasets.SPEC, "npm pack failed (exit " + process.exitValue() + "): " + output.strip(),
            "Check access to the npm registry (npm config get registry), or pass a tarball with --from FILE.", null);
      }
      return tarball;
    } catch (IOException e) {
      throw Errors.jobFailed("fetch", VegaDatasets.SPEC, e.getMessage(), "Run it again.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.jobFailed("fetch", VegaDatasets.SPEC, "interrupted", "Run it again.", e);
    }
  }

  /** Copies the two data files out of the tarball into the lake, each written then renamed into place. */
  private static List<String> extract(Path tarball, JobContext context) {
    List<String> wanted = List.of(VegaDatasets.FLIGHTS_FILE, VegaDatasets.AIRPORTS_FILE);
    List<String> placed = new ArrayList<>();
    String directory = VegaDatasets.rawDirectory(context.layout());
    try (InputStream file = Files.newInputStream(tarball);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(file, 1 << 16))) {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(directory);
      FileSystem fs = target.getFileSystem(context.hadoopConf());
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        String name = entry.getName();
        if (!name.startsWith(VegaDatasets.ENTRY_PREFIX) || !wanted.contains(name.substring(VegaDatasets.ENTRY_PREFIX.length()))) {
          continue;
        }
        String fileName = name.substring(VegaDatasets.ENTRY_PREFIX.length());
        org.apache.hadoop.fs.Path destination = new org.apache.hadoop.fs.Path(target, fileName);
        org.apache.hadoop.fs.Path temporary = new org.apache.hadoop.fs.Path(target, "." + fileName + ".incoming");
        try (OutputStream out = fs.create(temporary, true)) {
          tar.transferTo(out);
        }
        fs.delete(destination, false);
        if (!fs.rename(temporary, destination)) {
          throw new IOException("could not rename " + temporary + " to " + destination);
        }
        placed.add(destination.toString());
      }
    } catch (IOException e) {
      throw Errors.jobFailed("extract", tarball.toString(), e.getMessage(), "Delete the tarball and fetch again.", e);
    }
    if (placed.size() != wanted.size()) {
      throw Errors.invalidInput("extract", tarball.toString(), "it lacks " + wanted + " under " + VegaDatasets.ENTRY_PREFIX,
          "Use the tarball of " + VegaDatasets.SPEC + ".");
    }
    return placed;
  }

  /** ~/.cache/treeline/downloads unless data.cache-dir or TREELINE_CACHE says otherwise. */
  public static Path defaultCacheDir(String configured) {
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String cache = System.getenv("TREELINE_CACHE");
    Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "treeline");
    return base.resolve("downloads");
  }
}
