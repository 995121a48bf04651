package io.treeline.jobs.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The installation's git commit, when it is a git checkout (TREELINE_GIT_COMMIT overrides). */
final class GitCommit {
  private GitCommit() {}

  static String current() {
    String given = System.getenv("TREELINE_GIT_COMMIT");
    if (given != null && !given.isBlank()) {
      return given.trim();
    }
    String home = System.getenv("TREELINE_HOME");
    try {
      Process git = new ProcessBuilder("git", "-C", home == null ? "." : home, "rev-parse", "HEAD")
          .redirectErrorStream(true).directory(Path.of(".").toFile()).start();
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return git.waitFor(5, TimeUnit.SECONDS) && git.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
