package io.treeline.jobs.score;

import io.treeline.core.error.Errors;
import io.treeline.core.lake.TableName;
import io.treeline.featurestore.pit.Spine;
import io.treeline.modelpackage.ModelManifest;
import io.treeline.modelpackage.ModelManifest.RequestFeature;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows to score and the moment each is scored as of: a lake table or a SELECT over lake
 * tables, with either a column holding each row's prediction moment (features as known just
 * before it, as in the training set) or one moment for all rows (what the online store would have
 * answered then).
 */
public record ScoringInput(String table, String sql, String eventTime, LocalDateTime asOf) {
  /** The column holding the moment of --as-of, added to every row. */
  public static final String AS_OF_COLUMN = "scored_as_of";

  public ScoringInput {
    if ((table == null) == (sql == null)) {
      throw Errors.invalidInput("read", "the input", "give exactly one of --input TABLE and --sql QUERY", "Pass --input raw.flights or --sql \"SELECT …\".");
    }
    if ((eventTime == null) == (asOf == null)) {
      throw Errors.invalidInput("read", "the scoring moment", "give exactly one of --event-time COLUMN and --as-of TIME",
          "Pass --event-time departure_time to score each row as of its own moment, or --as-of 2001-06-30T12:00 for one moment.");
    }
    if (table != null) {
      TableName.parse(table.trim());
    }
  }

  /** Where the scoring moment of each row is. */
  public String momentColumn() {
    return eventTime != null ? eventTime : AS_OF_COLUMN;
  }

  public String describe() {
    return table != null ? table.trim() : sql.trim();
  }

  /**
   * The spine the feature store joins to: the input's own columns, the request features computed
   * from them with the model's expressions exactly as training computed them, and the --as-of moment.
   */
  public Spine spine(ModelManifest manifest) {
    String inner = table != null ? "SELECT * FROM " + table.trim() : sql.trim();
    List<String> select = new ArrayList<>();
    select.add("s.*");
    for (RequestFeature feature : manifest.requestFeatures()) {
      if (feature.expr() != null) {
        select.add("(" + feature.expr() + ") AS `" + feature.name() + "`");
      }
    }
    if (asOf != null) {
      select.add("CAST('" + asOf + "' AS TIMESTAMP_NTZ) AS " + AS_OF_COLUMN);
    }
    return new Spine("SELECT " + String.join(", ", select) + " FROM (" + inner + ") s", momentColumn());
  }
}
