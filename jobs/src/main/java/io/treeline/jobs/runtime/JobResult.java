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
}
