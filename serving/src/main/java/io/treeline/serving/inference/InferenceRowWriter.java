package io.treeline.serving.inference;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes each inference record's values straight to parquet-mr's column writers of
 * {@link InferenceParquetFile#SCHEMA} with their repetition and definition levels: parquet-mr's record
 * consumer would work the levels out again for every value. Not thread-safe: one per writing thread.
 */
final class InferenceRowWriter {
  private static final int FEATURES = 10;
  /** A feature's value present, absent (a null field of the element), and the list empty. */
  private static final int FEATURE_VALUE = 4;
  private static final int FEATURE_NULL = 3;
  private static final int FEATURES_EMPTY = 1;
  /** Strings remembered as Parquet binaries (model, route, feature names…); past it the cache starts again (a bounded memory). */
  private static final int BINARIES_REMEMBERED = 4_096;

  private final RequestJson json = new RequestJson();
  private final Map<String, Binary> binaries = new HashMap<>();
  private final List<ColumnDescriptor> columns;
  private final ColumnWriter[] leaves;

  InferenceRowWriter(MessageType schema) {
    this.columns = schema.getColumns();
    ColumnDescriptor name = columns.get(FEATURES);
    if (columns.size() != 21 || name.getMaxDefinitionLevel() != FEATURE_VALUE || name.getMaxRepetitionLevel() != 1
        || !name.getPath()[0].equals("features") || columns.get(0).getMaxDefinitionLevel() != 1) {
      throw new IllegalStateException("the levels written do not fit the schema " + schema);
    }
    this.leaves = new ColumnWriter[columns.size()];
  }

  /** Writes the next records into {@code store}'s columns (a new store per row group). */
  void start(ColumnWriteStore store) {
    for (int i = 0; i < leaves.length; i++) {
      leaves[i] = store.getColumnWriter(columns.get(i));
    }
  }

  void write(InferenceRecord r) {
    binary(0, r.requestId() == null ? null : Binary.fromString(r.requestId()));
    leaves[1].write(r.recordIndex(), 0, 1);
    leaves[2].write(r.loggedAtMicros(), 0, 1);
    string(3, r.origin());
    string(4, r.route());
    string(5, r.servedName());
    string(6, r.modelName());
    leaves[7].write(r.modelVersion(), 0, 1);
    string(8, r.runId());
    binary(9, json.render(r.request()));
    features(r.features());
    leaves[16].write(r.prediction(), 0, 1);
    number(17, r.probability(), 0, 1);
    number(18, r.latencyMs(), 0, 1);
    string(19, r.server());
    string(20, r.arm());
  }

  private void features(List<InferenceRecord.Feature> features) {
    if (features.isEmpty()) {
      for (int i = FEATURES; i < FEATURES + 6; i++) {
        leaves[i].writeNull(0, FEATURES_EMPTY);
      }
      return;
    }
    int repetition = 0;
    for (InferenceRecord.Feature f : features) {
      string(FEATURES, f.name(), repetition, FEATURE_VALUE);
      string(FEATURES + 1, f.view(), repetition, FEATURE_VALUE);
      string(FEATURES + 2, f.source(), repetition, FEATURE_VALUE);
      number(FEATURES + 3, f.number(), repetition, FEATURE_VALUE);
      string(FEATURES + 4, f.text(), repetition, FEATURE_VALUE);
      if (f.featureTime() == null) {
        leaves[FEATURES + 5].writeNull(repetition, FEATURE_NULL);
      } else {
        leaves[FEATURES + 5].write(micros(f.featureTime()), repetition, FEATURE_VALUE);
      }
      repetition = 1;
    }
  }

  private void string(int leaf, String value) {
    string(leaf, value, 0, 1);
  }

  /** A string most rows repeat (model, route, feature names…): encoded once, not once per value. */
  private void string(int leaf, String value, int repetition, int present) {
    if (value == null) {
      leaves[leaf].writeNull(repetition, present - 1);
      return;
    }
    Binary bytes = binaries.get(value);
    if (bytes == null) {
      if (binaries.size() >= BINARIES_REMEMBERED) {
        binaries.clear();
      }
      bytes = Binary.fromString(value);
      binaries.put(value, bytes);
    }
    leaves[leaf].write(bytes, repetition, present);
  }

  private void binary(int leaf, Binary value) {
    if (value == null) {
      leaves[leaf].writeNull(0, 0);
    } else {
      leaves[leaf].write(value, 0, 1);
    }
  }

  private void number(int leaf, Double value, int repetition, int present) {
    if (value == null) {
      leaves[leaf].writeNull(repetition, present - 1);
    } else {
      leaves[leaf].write(value.doubleValue(), repetition, present);
    }
  }

  private static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
  }
}
