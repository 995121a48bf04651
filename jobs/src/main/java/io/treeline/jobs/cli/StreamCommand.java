package io.treeline.jobs.cli;

import io.treeline.jobs.stream.RunStreams;
import io.treeline.jobs.stream.ShowStreamStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    subcommands = StreamCommand.Status.class,
    description = {
      "Compute feature views from a stream of events (one Spark Structured Streaming query per view), with the same definitions and code as "
          + "features materialize: each micro-batch's events go to the view's event log (stream.<view>_events), the touched entities' "
          + "timelines are recomputed and replace theirs in features.<view>, and their values as of the newest event go to the online store.",
      "",
      "Events are JSON objects with the columns of the view's source table (treeline replay writes them): from the Kafka topic "
          + "stream.kafka.topic when stream.kafka.bootstrap-servers is set, otherwise from JSON-lines files in stream.files.dir. "
          + "Events that are not JSON, lack a key or the event time, have a mistyped field, or arrive more than stream.watermark-minutes "
          + "behind the newest event go to stream.dead_letters with the reason and their coordinates; the stream goes on.",
      "",
      "Exactly once: every Delta write carries the query id and batch id, so a batch replayed after a crash writes nothing twice; "
          + "online writes never replace a newer value. Checkpoints: stream.checkpoint-dir/<view>. On the first batch of a view whose source "
          + "table has rows, the events the windows still need are copied from it, so the stream continues the batch history.",
      "",
      "Online views also get an online lane (stream.online-lane, on by default; not with --available-now): the same source read "
          + "directly from where the last committed batch ended, each entity's windows kept in memory with the batch accumulators, and "
          + "the values that changed written every stream.online-lane-interval-ms, a fraction of a second behind the events with Redis. "
          + "The micro-batches then leave the online writes to it; stream status shows its freshness.",
      "",
      "Runs until SIGTERM or Ctrl-C, which finish the batch in progress; docs/streaming.md has every setting."
    })
final class StreamCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--view", paramLabel = "VIEW", description = "A feature view to stream (repeatable; one query each).")
  List<String> views = new ArrayList<>();

  @Option(names = "--available-now",
      description = "Process the events there are now (in batches of the per-trigger limits), then stop: for scheduled runs and tests.")
  boolean availableNow;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new RunStreams(views, availableNow));
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show each view stream's last batch, events, dead letters, input and processing rates, lag (Kafka: events not yet read), "
          + "freshness p99 (event produced → readable online) and clock, from the status files in stream.checkpoint-dir. "
          + "A stream whose process died without stopping shows as gone.")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new ShowStreamStatus());
    }
  }
}
