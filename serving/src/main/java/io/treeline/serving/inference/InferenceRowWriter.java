package io.treeline.serving.inference;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes each inference record's top-level values ({@link InferenceParquetFile#TOP_LEVEL}) straight to
 * parquet-mr's column writers with their definition levels: parquet-mr's record consumer would work
 * the levels out again for every value. The features go to {@link FeatureColumns}. Not thread-safe:
 * one per writing thread.
 */
final class InferenceRowWriter {
  /** Strings remembered as Parquet binaries (model, route, feature names…); past it the cache starts again (a bounded memory). */
  private static final int BINARIES_REMEMBERED = 4_096;

  private final RequestJson json = new RequestJson();
  private final Map<String, Binary> binaries = new HashMap<>();
  private final List<ColumnDescriptor> columns;
  private final ColumnWriter[] leaves;
  /** Per leaf, the string written last and its binary: most rows repeat the row before's, often as the same object. */
  private final String[] lastString;
  private final Binary[] lastBinary;

  InferenceRowWriter(MessageType schema) {
    this.columns = schema.getColumns();
    if (columns.size() != 15 || columns.stream().anyMatch(c -> c.getPath().length != 1 || c.getMaxDefinitionLevel() != 1)) {
      throw new IllegalStateException("the levels written do not fit the schema " + schema);
    }
    this.leaves = new ColumnWriter[columns.size()];
    this.lastString = new String[columns.size()];
    this.lastBinary = new Binary[columns.size()];
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
    leaves[10].write(r.prediction(), 0, 1);
    number(11, r.probability(), 0, 1);
    number(12, r.latencyMs(), 0, 1);
    string(13, r.server());
    string(14, r.arm());
  }

  /** A string most rows repeat (model, route, server…): encoded once, not once per value. */
  private void string(int leaf, String value) {
    if (value == null) {
      leaves[leaf].writeNull(0, 0);
      return;
    }
    if (value == lastString[leaf]) {
      leaves[leaf].write(lastBinary[leaf], 0, 1);
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
    lastString[leaf] = value;
    lastBinary[leaf] = bytes;
    leaves[leaf].write(bytes, 0, 1);
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
}
