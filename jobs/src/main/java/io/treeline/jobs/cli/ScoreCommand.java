package io.treeline.jobs.cli;

import io.treeline.core.lake.TableName;
import io.treeline.jobs.score.ScoreBatch;
import io.treeline.jobs.score.ScoreWriteMode;
import io.treeline.jobs.score.ScoringInput;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Score a lake table or query with a registered model version, as a Spark job: every row gets the model's features from the feature store as known just before its own moment (--event-time, the training-set join) or before one moment for all rows (--as-of), the request features computed with the pipeline's expressions, and the prediction of the pipeline compiled exactly as `treeline serve` runs it, on the executors.",
      "",
      "Writes a Delta table with the input's columns (or --keep), prediction, probability (classifiers), model_name, model_version, run_id, scored_at (and the model inputs with --with-features). The model version and the Delta version of every input are in the table's properties and in the commit's user metadata.",
      "",
      "Example: treeline score --model flight-delay@champion --sql \"select * from raw.flights where departure_date = '2001-06-30'\" --event-time departure_time --out scores.flight_delay --mode \"replace-where=departure_date = '2001-06-30'\"",
      "",
      "Exit 0 when written, 1 when the job failed, 2 when an option, the input or the model is wrong (nothing is written)."
    })
final class ScoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "NAME@ALIAS|NAME/VERSION",
      description = "The registered version to score with: flight-delay@champion, flight-delay/3, or flight-delay for the newest.")
  String model;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--input", paramLabel = "TABLE", description = "A lake table to score, e.g. raw.flights.")
    String table;

    @Option(names = "--sql", paramLabel = "QUERY", description = "A SELECT over lake tables giving the rows to score.")
    String sql;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Moment moment;

  static final class Moment {
    @Option(names = "--event-time", paramLabel = "COLUMN",
        description = "The input column holding each row's prediction moment: features are as known strictly before it.")
    String column;

    @Option(names = "--as-of", paramLabel = "TIME", converter = TimeConverter.class,
        description = "Score every row as of this moment (2001-06-30 or 2001-06-30T12:00): what the online store would have answered then.")
    LocalDateTime time;
  }

  @Option(names = "--out", required = true, paramLabel = "TABLE", description = "The output lake table, e.g. scores.flight_delay.")
  String out;

  @Option(names = "--mode", defaultValue = "overwrite", paramLabel = "MODE",
      description = "overwrite (default: replace the table), append, or replace-where=CONDITION (replace exactly the rows matching it, e.g. \"replace-where=departure_date = '2001-06-30'\"; a scored row outside it fails the run).")
  String mode;

  @Option(names = "--keep", split = ",", paramLabel = "COLUMN,…",
      description = "Input columns to carry into the output (default: all of them), e.g. flight_id,departure_date.")
  List<String> keep = List.of();

  @Option(names = "--with-features", description = "Also write every model input the prediction used (request and looked-up features).")
  boolean withFeatures;

  @Option(names = "--log-inferences",
      description = "Also append every prediction to monitoring.inference_log, the table the prediction server logs into, flagged origin = 'batch', so monitoring sees batch and online predictions together.")
  boolean logInferences;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new ScoreBatch(model, new ScoringInput(source.table, source.sql, moment.column, moment.time),
        TableName.parse(out), ScoreWriteMode.parse(mode), keep, withFeatures, logInferences));
  }
}
