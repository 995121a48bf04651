package io.treeline.jobs.cli;

import io.treeline.jobs.logging.LogFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(
    name = "treeline",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Spark ML pipelines: features into a Delta lake, RandomForest training on point-in-time-correct training sets, a model registry and online predictions.",
      "",
      "Settings come from conf/treeline.yaml, TREELINE_* environment variables and --conf KEY=VALUE, in increasing order of precedence. Exit codes: 0 success, 1 job failed, 2 usage, spec or input error, 3 conflict that a retry may resolve."
    },
    subcommands = {
      QuickstartCommand.class,
      DataCommand.class,
      FeaturesCommand.class,
      PipelinesCommand.class,
      TrainCommand.class,
      ScoreCommand.class,
      MonitorCommand.class,
      ModelsCommand.class,
      ServeCommand.class,
      StreamCommand.class,
      ReplayCommand.class,
      SqlCommand.class,
      DoctorCommand.class,
      HelpCommand.class
    })
public final class TreelineCommand {
  @Option(names = "--conf", paramLabel = "KEY=VALUE", scope = ScopeType.INHERIT,
      description = "Override a setting, e.g. --conf lake.root=/data/lake or --conf spark.conf.spark.sql.shuffle.partitions=8. Repeatable.")
  List<String> conf = new ArrayList<>();

  @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Settings file (default: $TREELINE_CONFIG, else conf/treeline.yaml of the installation or the working directory).")
  Path configFile;

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "Show Spark's own log at INFO and stack traces of errors.")
  boolean verbose;

  @Option(names = "--log-format", paramLabel = "FORMAT", scope = ScopeType.INHERIT, converter = LogFormatConverter.class,
      description = "text (default) or json: the log on stderr as one JSON object a line (time, level, logger, message, thread, …), "
          + "Spark's and the server's own log included; the command's output on stdout is unchanged. Default: log.format, $TREELINE_LOG_FORMAT.")
  LogFormat logFormat;

  @Option(names = "--summary-json", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Write a JSON object summarising the result (status, exit code, figures) to FILE, for schedulers.")
  Path summaryJson;

  static final class LogFormatConverter implements picocli.CommandLine.ITypeConverter<LogFormat> {
    @Override
    public LogFormat convert(String value) {
      LogFormat format = LogFormat.parse(value);
      if (format == null) {
        throw new picocli.CommandLine.TypeConversionException("expected text or json, got '" + value + "'");
      }
      return format;
    }
  }
}
