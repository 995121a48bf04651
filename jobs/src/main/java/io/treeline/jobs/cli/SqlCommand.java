package io.treeline.jobs.cli;

import io.treeline.jobs.sql.ResultFormat;
import io.treeline.jobs.sql.SqlQuery;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description =
        "Run a Spark SQL statement against the lake's tables (raw.flights, raw.airports, …) and print the result. Example: treeline sql \"select count(*) from raw.flights\"")
final class SqlCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "QUERY", description = "The SQL statement.")
  String query;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
      description = "table (default), json (one object per line) or csv.", converter = FormatConverter.class)
  ResultFormat format;

  @Option(names = "--max-rows", paramLabel = "N", defaultValue = "1000", description = "Print at most N rows (default ${DEFAULT-VALUE}).")
  int maxRows;

  @Override
  public Integer call() {
    return CommandRunner.run(spec, config -> new SqlQuery(query, format, maxRows));
  }

  static final class FormatConverter implements picocli.CommandLine.ITypeConverter<ResultFormat> {
    @Override
    public ResultFormat convert(String value) {
      try {
        return ResultFormat.valueOf(value.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException("expected table, json or csv, got '" + value + "'");
      }
    }
  }
}
