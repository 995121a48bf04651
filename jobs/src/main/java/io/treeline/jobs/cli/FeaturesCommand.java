package io.treeline.jobs.cli;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.pit.FeatureRef;
import io.treeline.featurestore.pit.Spine;
import io.treeline.jobs.features.BuildTrainingSet;
import io.treeline.jobs.features.DescribeFeatureView;
import io.treeline.jobs.features.ListFeatures;
import io.treeline.jobs.features.MaterializeFeatures;
import io.treeline.jobs.features.PushOnline;
import io.treeline.jobs.features.ValidateFeatures;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "features",
    mixinStandardHelpOptions = true,
    description = "Declare, check and compute feature views (conf/features/*.yaml, see docs/features.md), and build point-in-time-correct training sets.",
    subcommands = {
      FeaturesCommand.Validate.class,
      FeaturesCommand.ListViews.class,
      FeaturesCommand.Describe.class,
      FeaturesCommand.Materialize.class,
      FeaturesCommand.PushOnlineCommand.class,
      FeaturesCommand.TrainingSet.class
    })
final class FeaturesCommand {

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check every feature view file without running a job: keys, values, SQL syntax, and column names and types against the sources that exist. Exit 2 names the file, the view, the key and the reason.")
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new ValidateFeatures());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the feature views: entities, kind, features, online, offline table.")
  static final class ListViews implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new ListFeatures());
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show everything a feature view declares.")
  static final class Describe implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "VIEW", description = "The view's name.")
    String view;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new DescribeFeatureView(view));
    }
  }

  @Command(name = "materialize", mixinStandardHelpOptions = true,
      description = "Compute feature views into their offline Delta tables (features.<view>, partitioned by feature_date). With --from/--until only that range is replaced, in one commit; windows reaching back before --from are still right. Rerunning a range gives the same rows.")
  static final class Materialize implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--view", paramLabel = "VIEW", description = "A view to compute (repeatable; default: all).")
    List<String> views = new ArrayList<>();

    @Option(names = "--from", paramLabel = "TIME", converter = TimeConverter.class, description = "Start of the range (inclusive), e.g. 2001-03-01.")
    LocalDateTime from;

    @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class, description = "End of the range (exclusive), e.g. 2001-04-01.")
    LocalDateTime until;

    @Option(names = "--online", description = "Then push the views' values as of --until (default: the end of the data) to the online store.")
    boolean online;

    @Option(names = "--strict", description = "Stop (exit 2, nothing written) if a source row has no event time or one that does not parse; by default such rows are left out, counted in the summary (unplaced_rows) and named in a warning.")
    boolean strict;

    @Override
    public Integer call() {
      return CommandRunner.run(spec,
          config -> new MaterializeFeatures(views, Optional.ofNullable(from), Optional.ofNullable(until), online, strict));
    }
  }

  @Command(name = "push-online", mixinStandardHelpOptions = true,
      description = "Fill the online store (online-store.type: embedded or redis) from the offline tables: per entity, the values known at --as-of (default: just after the view's newest source row became known, i.e. the end of the data). Only views with online: true unless --view names others. Writes run on the executors; a newer value is never replaced by an older one.")
  static final class PushOnlineCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--view", paramLabel = "VIEW", description = "A view to push (repeatable; default: every view with online: true).")
    List<String> views = new ArrayList<>();

    @Option(names = "--as-of", paramLabel = "TIME", converter = TimeConverter.class, description = "Push the values known at this moment.")
    LocalDateTime asOf;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new PushOnline(views, Optional.ofNullable(asOf)));
    }
  }

  @Command(name = "training-set", mixinStandardHelpOptions = true,
      description = "Join features to a spine point-in-time: every spine row gets each feature's value as known strictly before its event time (honouring available_at and ttl). Spine rows are never dropped or duplicated. The Delta version of every input is stored in the output table's properties; --as-of-versions rebuilds an earlier training set exactly.")
  static final class TrainingSet implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--spine", required = true, paramLabel = "TABLE_OR_SQL",
        description = "A lake table (raw.flights) or a SELECT over lake tables, with the entity key columns and the event time.")
    String spine;

    @Option(names = "--event-time", defaultValue = "event_time", paramLabel = "COLUMN",
        description = "The spine column holding the prediction moment (default ${DEFAULT-VALUE}).")
    String eventTime;

    @Option(names = "--features", required = true, paramLabel = "VIEW:FEATURE,…",
        description = "Features to join: view:feature, or a view name for all its features, comma-separated.")
    String features;

    @Option(names = "--out", required = true, paramLabel = "TABLE", description = "The output lake table, e.g. training.flight_delay.")
    String out;

    @Option(names = "--as-of-versions", paramLabel = "TABLE=VERSION,…",
        description = "Read these inputs at these Delta versions (as recorded in an earlier training set's properties).")
    String asOfVersions;

    @Override
    public Integer call() {
      return CommandRunner.run(spec, config -> new BuildTrainingSet(new Spine(spine, eventTime), FeatureRef.parseList(features),
          TableName.parse(out), versions(asOfVersions)));
    }

    static Map<String, Long> versions(String text) {
      Map<String, Long> versions = new LinkedHashMap<>();
      if (text == null || text.isBlank()) {
        return versions;
      }
      for (String pair : text.split(",")) {
        String[] parts = pair.trim().split("=");
        try {
          versions.put(TableName.parse(parts[0].trim()).toString(), Long.parseLong(parts[1].trim()));
        } catch (RuntimeException e) {
          throw Errors.invalidInput("read", "--as-of-versions", "'" + pair + "' is not TABLE=VERSION",
              "Write e.g. raw.flights=0,features.origin_delays=3.");
        }
      }
      return versions;
    }
  }
}
