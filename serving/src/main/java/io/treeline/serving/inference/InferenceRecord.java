package io.treeline.serving.inference;

import java.time.Instant;
import java.util.List;

/**
 * One scored record as the inference log keeps it: one row of {@code monitoring.inference_log}
 * (docs/serving.md#inference-log). Built only for sampled requests, after the response is known.
 *
 * @param request the record as received; rendered as JSON by the writer, off the request path (the
 *     parsed request is never changed after scoring, so it is not copied)
 * @param loggedAtMicros when the request was received, in microseconds since the epoch (UTC)
 * @param probability of the positive class; null for regressors and multi-class models
 * @param latencyMs the server's time for the whole request (a shadow's: its own scoring); null for batch scoring
 * @param arm the route's arm that answered, or the shadow that scored it; null for batch scoring
 */
public record InferenceRecord(
    String requestId,
    int recordIndex,
    long loggedAtMicros,
    String origin,
    String route,
    String servedName,
    String modelName,
    long modelVersion,
    String runId,
    RequestRecord request,
    List<Feature> features,
    double prediction,
    Double probability,
    Double latencyMs,
    String server,
    String arm) {

  public static final String ONLINE = "online";
  public static final String BATCH = "batch";
  /** Scored beside an online answer by a shadow, never answered; same request id and record index as the answer. */
  public static final String SHADOW = "shadow";

  public InferenceRecord {
    request = request == null ? RequestRecord.EMPTY : request;
    features = features == null ? List.of() : features instanceof Converted<?> converted ? converted : List.copyOf(features);
  }

  /**
   * A record's features as a view over another form of them, each converted when read: on the log's
   * writer thread, not on the request thread that offered the record.
   *
   * @param <T> the form they were used in; {@code used} must never change
   */
  public static final class Converted<T> extends java.util.AbstractList<Feature> implements java.util.RandomAccess {
    private final List<T> used;
    private final java.util.function.Function<T, Feature> convert;

    public Converted(List<T> used, java.util.function.Function<T, Feature> convert) {
      this.used = used;
      this.convert = convert;
    }

    @Override
    public Feature get(int index) {
      return convert.apply(used.get(index));
    }

    @Override
    public int size() {
      return used.size();
    }
  }

  /**
   * One model input as the model used it.
   *
   * @param view the feature view it belongs to; null for request features
   * @param source request, derived, online_store or missing
   * @param number the value of a numeric input (null when missing)
   * @param text the value of a string input (null when missing)
   * @param featureTime the online store's feature time of the entity the value came from, else null
   */
  public record Feature(String name, String view, String source, Double number, String text, Instant featureTime) {}

  /** {@code instant} in microseconds since the epoch, as the table's timestamps hold it; fails past their range. */
  static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
  }

  public Instant loggedAt() {
    return Instant.EPOCH.plus(loggedAtMicros, java.time.temporal.ChronoUnit.MICROS);
  }

  /** The UTC date of {@link #loggedAt}, in days since the epoch: the table's partition. */
  public int date() {
    return (int) Math.floorDiv(loggedAtMicros, 86_400_000_000L);
  }
}
