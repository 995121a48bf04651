package io.treeline.serving.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.treeline.serving.request.RequestPlan;
import io.treeline.serving.request.StreamedRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the body of {@code POST /v1/models/{name}/predict}, {@code {"records": [{...}, ...]}}, with a
 * streaming parser straight into a plan's values: no tree, no map per record. Only a body the tree
 * path would accept as it is: anything it might refuse (not UTF-8, not JSON, another key, an empty or
 * too large batch, a record {@link StreamedRecord} gives up on) returns null, and the caller reads
 * the body as a tree, which refuses it in the words it always had.
 */
final class NativeRecords {
  private NativeRecords() {}

  /**
   * A body's records read into a plan: each one's values and, when asked for, where its JSON object
   * lies in the body ({@code body[starts[i], ends[i])}), for what reads the record again later.
   */
  record Read(List<Object[]> rows, int[] starts, int[] ends) {}

  /** The records' values, one array per record; null when the tree path must read the body. */
  static Read read(BodyBuffer body, RequestPlan plan, int maxBatch, boolean spans) {
    return read(body.bytes(), body.length(), plan, maxBatch, spans);
  }

  /** As {@link #read(BodyBuffer, RequestPlan, int, boolean)}, from the first {@code length} bytes of {@code body}. */
  static Read read(byte[] body, int length, RequestPlan plan, int maxBatch, boolean spans) {
    if (length == 0 || Utf8.firstInvalid(body, length) >= 0) {
      return null;
    }
    // Without Jackson's duplicate detection: a field sent twice fills its slot twice, which StreamedRecord gives up on.
    try (JsonParser parser = Bodies.STREAMING.createParser(body, 0, length)) {
      if (parser.nextToken() != JsonToken.START_OBJECT || parser.nextToken() != JsonToken.FIELD_NAME
          || !parser.currentName().equals("records") || parser.nextToken() != JsonToken.START_ARRAY) {
        return null;
      }
      List<Object[]> rows = new ArrayList<>(1);
      int[] starts = spans ? new int[4] : null;
      int[] ends = spans ? new int[4] : null;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.START_OBJECT) {
        Object[] values = new Object[plan.width()];
        long start = spans ? parser.currentTokenLocation().getByteOffset() : 0;
        if (rows.size() == maxBatch || !StreamedRecord.read(plan, parser, values)) {
          return null;
        }
        if (spans) {
          if (rows.size() == starts.length) {
            starts = Arrays.copyOf(starts, starts.length * 2);
            ends = Arrays.copyOf(ends, ends.length * 2);
          }
          starts[rows.size()] = (int) start;
          ends[rows.size()] = (int) parser.currentLocation().getByteOffset(); // just past the record's '}'
        }
        rows.add(values);
      }
      boolean whole = token == JsonToken.END_ARRAY && !rows.isEmpty() && parser.nextToken() == JsonToken.END_OBJECT && parser.nextToken() == null;
      return whole ? new Read(rows, starts, ends) : null;
    } catch (IOException e) {
      return null; // not JSON the tree path accepts as it is: it says what is wrong
    }
  }
}
