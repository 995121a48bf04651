package io.treeline.jobs.cli;

import io.treeline.jobs.monitor.LabelSource;
import io.treeline.jobs.monitor.MonitorModel;
import io.treeline.jobs.monitor.MonitorRange;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "monitor",
    mixinStandardHelpOptions = true,
    description = {
      "Monitor a served model from monitoring.inference_log, as a Spark job: drift of every input and of the prediction against the training set of the version that served (PSI, Jensen-Shannon, KS, null share), training/serving skew of the looked-up features (recomputed offline as of each request), and live quality once labels are known (AUC, AUC-PR, log loss, calibration, threshold metrics beside the test metrics).",
      "",
      "Each prediction belongs to the period of its event time (the model's event-time column in the logged request), else of the moment it was logged. Writes monitoring.drift, monitoring.skew and monitoring.quality, replacing the model's figures in the range, and a markdown report with plots under <lake>/monitoring/reports/<model>/<range>/. Thresholds: each version's own, from its pipeline's monitoring: section as recorded in the model package; what the pipeline left out comes from the settings monitoring.drift.*, monitoring.skew.threshold, monitoring.quality.auc-margin; those settings given with --conf (or TREELINE_MONITORING_* variables) override the package for this run (docs/monitoring.md#thresholds).",
      "",
      "Example: treeline monitor --model flight-delay --since 2001-06-01 --until 2001-07-01 --labels-sql \"select flight_id, cast(arrival_delay > 15 as double) label from raw.flights\" --label-key flight_id",
      "",
      "Exit 0 when no threshold is breached, 1 when one is (or the job failed), 2 when an option is wrong or there is nothing to monitor yet."
    })
final class MonitorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  // --version names a model version here, which drops the standard mixin's -V/--version and with it -h/--help: declared again.
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "The registered model, e.g. flight-delay.")
  String model;

  @Option(names = "--version", paramLabel = "V", description = "Only this version (default: every version the log holds predictions of).")
  Long version;

  @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
      description = "First moment monitored, inclusive (2001-06-01, 2001-06-01T06:00, or today-1d: midnight a day ago in the process's time zone, for schedules); default: the first logged prediction's period.")
  LocalDateTime since;

  @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class,
      description = "End of the range, exclusive (a time, today or today-Nd); default: the end of the last logged prediction's period.")
  LocalDateTime until;

  @Option(names = "--granularity", defaultValue = "day", paramLabel = "day|hour|range",
      description = "Length of a period: day (default), hour, or range — the whole range as one period, compared with the training set as a whole.")
  String granularity;

  @Option(names = "--labels", paramLabel = "TABLE", description = "A lake table with the --label-key columns and a `label` column.")
  String labelsTable;

  @Option(names = "--labels-sql", paramLabel = "QUERY",
      description = "A SELECT giving the --label-key columns and `label`, e.g. \"select flight_id, cast(arrival_delay > 15 as double) label from raw.flights\".")
  String labelsSql;

  @Option(names = "--label-key", split = ",", paramLabel = "COLUMN,…",
      description = "Columns identifying a request in both the labels and the logged request JSON, e.g. flight_id.")
  List<String> labelKey = List.of();

  @Option(names = "--skew-sample", defaultValue = "0", paramLabel = "N",
      description = "Recompute the looked-up features of at most N requests per version (a fixed-seed sample); 0 (default) checks every one.")
  long skewSample;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new MonitorModel(model, version,
        new MonitorRange(since, until, MonitorRange.Granularity.parse(granularity)), new LabelSource(labelsTable, labelsSql, labelKey), skewSample));
  }
}
