package io.treeline.jobs.runtime;

import java.util.Map;

/** What a job did: one line for people, and a map for schedulers (written by --summary-json). */
public interface JobResult {
  String summaryLine();

  Map<String, Object> summary();
}
