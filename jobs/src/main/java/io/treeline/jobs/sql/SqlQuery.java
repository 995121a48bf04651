package io.treeline.jobs.sql;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.jobs.runtime.Job;
import io.treeline.jobs.runtime.JobContext;
import io.treeline.jobs.runtime.JobResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.parser.ParseException;

/** Runs one Spark SQL statement against the lake's tables and prints its rows. */
public final class SqlQuery implements Job<SqlQuery.Result> {
  private final String query;
  private final ResultFormat format;
  private final int maxRows;

  public SqlQuery(String query, ResultFormat format, int maxRows) {
    if (maxRows <= 0) {
      throw Errors.invalidInput("run", "the query", "--max-rows must be positive, got " + maxRows, "Pass --max-rows N with N ≥ 1.");
    }
    this.query = query;
    this.format = format;
    this.maxRows = maxRows;
  }

  public record Result(int rowsPrinted, boolean truncated, List<String> columns) implements JobResult {
    @Override
    public String summaryLine() {
      return rowsPrinted + (rowsPrinted == 1 ? " row" : " rows") + (truncated ? " (truncated; raise --max-rows to see more)" : "");
    }

    @Override
    public Map<String, Object> summary() {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("rows", rowsPrinted);
      summary.put("truncated", truncated);
      summary.put("columns", columns);
      return summary;
    }
  }

  @Override
  public Result run(JobContext context) {
    Dataset<Row> result;
    try {
      result = context.spark().sql(query);
    } catch (Exception e) { // Spark throws its checked AnalysisException without declaring it
      if (e instanceof ParseException) {
        throw Errors.invalidInput("run", "the query", "it does not parse: " + firstLine(e.getMessage()),
            "Fix the SQL; `treeline sql \"show tables in raw\"` lists the tables.", e);
      }
      if (e instanceof AnalysisException) {
        // A table left out of the session catalog for want of a commit is otherwise just "not found".
        new LakeCatalog(context.spark(), context.layout()).explainMissingTable(e).ifPresent(unreadable -> {
          throw unreadable;
        });
        throw Errors.invalidInput("run", "the query", firstLine(e.getMessage()),
            "`treeline sql \"show tables in raw\"` lists the tables; `describe raw.flights` shows a table's columns.", e);
      }
      throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
    }
    List<Row> rows = result.limit(maxRows + 1).collectAsList();
    boolean truncated = rows.size() > maxRows;
    List<Row> shown = truncated ? rows.subList(0, maxRows) : rows;
    format.print(result.schema(), shown, context.out());
    return new Result(shown.size(), truncated, List.of(result.schema().fieldNames()));
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
