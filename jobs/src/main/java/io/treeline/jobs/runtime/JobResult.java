package io.treeline.jobs.runtime;

import java.util.List;
import java.util.Map;

/** What a job did: one line for people, and a map for schedulers (written by --summary-json). */
public interface JobResult {
  String summaryLine();

  Map<String, Object> summary();

  /** Things the job did not stop for but a person should know, each a sentence saying what to do. */
  default List<String> warnings() {
    return List.of();
  }

  /**
   * The exit code of a job that ran to its end: 0, or 1 when what it found should fail a schedule
   * (a monitor whose threshold was breached), with the summary written and the figures pushed all the same.
   */
  default int exitCode() {
    return 0;
  }
}
