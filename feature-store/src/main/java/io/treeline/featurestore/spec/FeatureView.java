package io.treeline.featurestore.spec;

import io.treeline.core.hash.Sha256;
import io.treeline.core.lake.TableName;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A feature view: features of one kind of entity, computed from one source. A timed view (with
 * {@code event_time}) changes over time and is joined point-in-time, using {@code available_at} —
 * the moment a row's values become known — rather than the event time. A static view (no event
 * time) holds one row per entity, valid at all times.
 */
public record FeatureView(
    String name,
    String description,
    String owner,
    Map<String, String> tags,
    List<String> entities,
    SourceSpec source,
    Map<String, String> columns,
    Optional<String> eventTime,
    Optional<String> availableAt,
    Optional<TimeWindow> ttl,
    boolean online,
    List<FeatureSpec> features,
    Path file) {

  public static final String NAMESPACE = "features";

  public FeatureView {
    tags = Map.copyOf(tags);
    entities = List.copyOf(entities);
    columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    features = List.copyOf(features);
  }

  public boolean timed() {
    return eventTime.isPresent();
  }

  /** The offline Delta table: {@code features.<name>}. */
  public TableName offlineTable() {
    return new TableName(NAMESPACE, name);
  }

  public Optional<FeatureSpec> feature(String featureName) {
    return features.stream().filter(f -> f.name().equals(featureName)).findFirst();
  }

  /** The SQL expression giving the moment a row becomes known: available_at, else the event time. */
  public String availabilityExpression() {
    return availableAt.orElseGet(eventTime::orElseThrow);
  }

  /**
   * How far before a moment a materialization must read so that the windows reaching back are right:
   * the longest window (zero when no feature has one). Unbounded features need more: see {@link
   * #hasUnboundedFeatures}.
   */
  public java.time.Duration lookback() {
    java.time.Duration longest = java.time.Duration.ZERO;
    for (FeatureSpec feature : features) {
      if (feature.window().isPresent()) {
        longest = max(longest, feature.window().get().duration());
      }
    }
    return longest;
  }

  /** Whether a feature has no window (row-level, or {@code last} without one): it can reach back to any age. */
  public boolean hasUnboundedFeatures() {
    return features.stream().anyMatch(f -> f.window().isEmpty());
  }

  /**
   * A SHA-256 of what the view computes: its entities, source, columns, times, ttl and features' expressions,
   * aggregations and windows. Its name, description, owner, tags, file and the features' descriptions are left out,
   * so rewording a view keeps it and changing a window or an expression does not.
   */
  public String definitionSha256() {
    StringBuilder text = new StringBuilder();
    text.append("entities=").append(entities).append('\n');
    text.append("source=").append(source.table().orElse("")).append('|').append(source.path().orElse("")).append('|')
        .append(source.format()).append('|').append(source.filter().orElse("")).append('\n');
    columns.forEach((column, expr) -> text.append("column ").append(column).append('=').append(expr).append('\n'));
    text.append("event_time=").append(eventTime.orElse("")).append('\n');
    text.append("available_at=").append(availableAt.orElse("")).append('\n');
    text.append("ttl=").append(ttl.map(t -> t.duration().toString()).orElse("")).append('\n');
    for (FeatureSpec feature : features) {
      text.append("feature ").append(feature.name()).append('|').append(feature.expr().orElse("")).append('|')
          .append(feature.aggregation().map(Aggregation::name).orElse("")).append('|')
          .append(feature.window().map(w -> w.duration().toString()).orElse("")).append('\n');
    }
    return Sha256.of(text.toString());
  }

  private static java.time.Duration max(java.time.Duration a, java.time.Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
