package io.treeline.jobs.runtime;

/** A unit of work with a typed result. Commands build a job, run it and print its result. */
public interface Job<R extends JobResult> {
  R run(JobContext context);
}
