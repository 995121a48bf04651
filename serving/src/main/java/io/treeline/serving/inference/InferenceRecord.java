package io.treeline.serving.inference;

import java.time.Instant;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

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
    features = features instanceof Inputs inputs ? inputs : new Listed(features == null ? List.of() : List.copyOf(features));
  }

  /** The record's features, readable field by field: {@link #features()} is always one. */
  public Inputs inputs() {
    return (Inputs) features;
  }

  /**
   * A record's model inputs, as a list of {@link Feature}s and field by field: the spool's writer
   * reads them field by field, so spooling a record makes no {@code Feature}, boxed number or
   * {@code Instant} per input. The server's implementation reads the inputs as the request used
   * them, when the log's writer asks, on its thread and not the request's.
   */
  public abstract static class Inputs extends AbstractList<Feature> implements RandomAccess {
    public abstract String name(int index);

    public abstract String view(int index);

    public abstract String source(int index);

    public abstract boolean hasNumber(int index);

    /** The numeric value; only when {@link #hasNumber}. */
    public abstract double number(int index);

    public abstract String text(int index);

    public abstract boolean hasFeatureTime(int index);

    /** The feature time's seconds since the epoch (UTC); only when {@link #hasFeatureTime}. */
    public abstract long featureTimeSecond(int index);

    /** The feature time's nanoseconds within its second; only when {@link #hasFeatureTime}. */
    public abstract int featureTimeNano(int index);

    @Override
    public Feature get(int index) {
      return new Feature(name(index), view(index), source(index), hasNumber(index) ? number(index) : null, text(index),
          hasFeatureTime(index) ? Instant.ofEpochSecond(featureTimeSecond(index), featureTimeNano(index)) : null);
    }
  }

  /** Inputs given as {@code Feature}s (read back from a spool, batch scoring, tests). */
  private static final class Listed extends Inputs {
    private final List<Feature> features;

    Listed(List<Feature> features) {
      this.features = features;
    }

    @Override
    public int size() {
      return features.size();
    }

    @Override
    public Feature get(int index) {
      return features.get(index);
    }

    @Override
    public String name(int index) {
      return features.get(index).name();
    }

    @Override
    public String view(int index) {
      return features.get(index).view();
    }

    @Override
    public String source(int index) {
      return features.get(index).source();
    }

    @Override
    public boolean hasNumber(int index) {
      return features.get(index).number() != null;
    }

    @Override
    public double number(int index) {
      return features.get(index).number();
    }

    @Override
    public String text(int index) {
      return features.get(index).text();
    }

    @Override
    public boolean hasFeatureTime(int index) {
      return features.get(index).featureTime() != null;
    }

    @Override
    public long featureTimeSecond(int index) {
      return features.get(index).featureTime().getEpochSecond();
    }

    @Override
    public int featureTimeNano(int index) {
      return features.get(index).featureTime().getNano();
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
    return micros(instant.getEpochSecond(), instant.getNano());
  }

  /** A time given as seconds since the epoch and nanoseconds within the second, in microseconds; fails past a long. */
  static long micros(long second, int nano) {
    return Math.addExact(Math.multiplyExact(second, 1_000_000L), nano / 1_000L);
  }

  public Instant loggedAt() {
    return Instant.EPOCH.plus(loggedAtMicros, java.time.temporal.ChronoUnit.MICROS);
  }

  /** The UTC date of {@link #loggedAt}, in days since the epoch: the table's partition. */
  public int date() {
    return (int) Math.floorDiv(loggedAtMicros, 86_400_000_000L);
  }
}
