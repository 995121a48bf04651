package io.treeline.core.lake;

import io.delta.kernel.Snapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * All rows of one version of a small Delta table, as plain Java values: String, Long, Integer,
 * Short, Byte, Double, Float, Boolean, BigDecimal, byte[], LocalDate, Instant (timestamp),
 * LocalDateTime (timestamp_ntz), List (array), Map (map, and struct by field name), null for null.
 * Each row maps column name to value, in the table's column order.
 */
public final class TableContents {
  private final String location;
  private final Snapshot snapshot;
  private final Instant commitTime;
  private final List<String> columns;
  private final List<Map<String, Object>> rows;

  TableContents(String location, Snapshot snapshot, Instant commitTime, List<String> columns, List<Map<String, Object>> rows) {
    this.location = location;
    this.snapshot = snapshot;
    this.commitTime = commitTime;
    this.columns = List.copyOf(columns);
    this.rows = List.copyOf(rows);
  }

  public String location() {
    return location;
  }

  public long version() {
    return snapshot.getVersion();
  }

  /** When the version was committed, as Delta's history reports it. */
  public Instant commitTime() {
    return commitTime;
  }

  public List<String> columns() {
    return columns;
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  /** The snapshot read, which a rewrite commits on top of. */
  Snapshot snapshot() {
    return snapshot;
  }
}
