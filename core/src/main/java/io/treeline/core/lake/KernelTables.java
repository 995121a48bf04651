package io.treeline.core.lake;

import io.delta.kernel.DataWriteContext;
import io.delta.kernel.Operation;
import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.SnapshotBuilder;
import io.delta.kernel.TableManager;
import io.delta.kernel.Transaction;
import io.delta.kernel.TransactionCommitResult;
import io.delta.kernel.commit.CommitFailedException;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.engine.FileReadResult;
import io.delta.kernel.exceptions.ConcurrentWriteException;
import io.delta.kernel.exceptions.MaxCommitRetryLimitReachedException;
import io.delta.kernel.exceptions.TableAlreadyExistsException;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.hook.PostCommitHook;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterable;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.DataFileStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small Delta tables read and written with Delta Kernel, without a SparkSession: the registry's
 * tables, an online view's latest values. A read loads every row of one version into memory
 * ({@link TableContents}); a write is a copy-on-write rewrite of the whole table in one commit.
 * Not for tables that do not fit in memory several times over: those are Spark's.
 */
public final class KernelTables {
  private static final Logger LOG = LoggerFactory.getLogger(KernelTables.class);
  private static final String ENGINE_INFO = "treeline";

  private final Engine engine;

  public KernelTables(Configuration hadoop) {
    this.engine = DefaultEngine.create(hadoop);
  }

  /** The latest version of the table at {@code location}, or empty when there is no Delta table there. */
  public Optional<TableContents> read(String location) {
    return load(location, TableManager.loadSnapshot(location)).map(snapshot -> contents(location, snapshot));
  }

  /** The given version of the table at {@code location}. */
  public TableContents read(String location, long version) {
    return load(location, TableManager.loadSnapshot(location).atVersion(version)).map(snapshot -> contents(location, snapshot))
        .orElseThrow(() -> new IllegalStateException("Cannot read version " + version + " of " + location + ": there is no Delta table there."));
  }

  private Optional<Snapshot> load(String location, SnapshotBuilder builder) {
    try {
      return Optional.of(builder.build(engine));
    } catch (TableNotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Creates an empty table unless one exists; a writer that lost the race to create it takes the
   * winner's. Kernel refuses table properties it does not know (among them delta.isolationLevel).
   */
  public void createIfMissing(String location, StructType schema, Map<String, String> properties) {
    if (load(location, TableManager.loadSnapshot(location)).isPresent()) {
      return;
    }
    try {
      TransactionCommitResult result = TableManager.buildCreateTableTransaction(location, schema, ENGINE_INFO)
          .withTableProperties(properties).build(engine)
          .commit(engine, CloseableIterable.emptyIterable());
      runHooks(location, result);
    } catch (TableAlreadyExistsException | ConcurrentWriteException | MaxCommitRetryLimitReachedException e) {
      if (load(location, TableManager.loadSnapshot(location)).isEmpty()) {
        throw e;
      }
    }
  }

  /**
   * Replaces all rows of the table with {@code rows} in one commit on top of the version {@code read}:
   * removes every data file of that version and adds one holding {@code rows}. Fails with
   * {@link TableChangedException} when any other commit came after {@code read}, whatever it changed,
   * so the caller's read-modify-write is serializable: read again and retry.
   *
   * @return the version committed
   */
  public long rewrite(TableContents read, List<Map<String, Object>> rows) {
    Snapshot snapshot = read.snapshot();
    if (!snapshot.getPartitionColumnNames().isEmpty()) {
      throw new IllegalArgumentException("Cannot rewrite the Delta table at " + read.location() + ": it is partitioned, and KernelTables writes only unpartitioned tables.");
    }
    // No retries: Kernel would rebase this commit over any commit that removed none of the same files
    // (one adding a row to an empty table, say), which for a read-modify-write is a lost update.
    Transaction txn = snapshot.buildUpdateTableTransaction(ENGINE_INFO, Operation.WRITE).withMaxRetries(0).build(engine);
    List<Row> actions = new ArrayList<>();
    try {
      for (Row file : scanFiles(snapshot.getScanBuilder().build())) {
        actions.add(KernelFiles.remove(file));
      }
      if (!rows.isEmpty()) {
        actions.addAll(addFile(txn, rows));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot rewrite the Delta table at " + read.location() + ": " + e.getMessage(), e);
    }
    try {
      TransactionCommitResult result = txn.commit(engine, CloseableIterable.inMemoryIterable(iterator(actions)));
      runHooks(read.location(), result);
      return result.getVersion();
    } catch (ConcurrentWriteException e) {
      throw new TableChangedException(read.location(), read.version(), e);
    } catch (MaxCommitRetryLimitReachedException e) {
      if (e.getCause() instanceof CommitFailedException failed && failed.isConflict()) {
        throw new TableChangedException(read.location(), read.version(), e);
      }
      throw e; // the commit's outcome is unknown (an I/O error while writing it): not a conflict to retry blindly
    }
  }

  private List<Row> addFile(Transaction txn, List<Map<String, Object>> rows) throws IOException {
    Row state = txn.getTransactionState(engine);
    StructType schema = txn.getSchema(engine);
    List<ColumnVector> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      List<Object> values = new ArrayList<>(rows.size());
      for (Map<String, Object> row : rows) {
        values.add(row.get(field.getName()));
      }
      columns.add(new ValueColumn(field.getDataType(), values));
    }
    FilteredColumnarBatch batch = new FilteredColumnarBatch(new Batch(schema, columns, rows.size()), Optional.empty());
    Map<String, Literal> unpartitioned = Map.of();
    DataWriteContext context = Transaction.getWriteContext(engine, state, unpartitioned);
    List<Row> adds = new ArrayList<>();
    try (CloseableIterator<FilteredColumnarBatch> physical = Transaction.transformLogicalData(engine, state, iterator(List.of(batch)), unpartitioned);
        CloseableIterator<DataFileStatus> files = engine.getParquetHandler().writeParquetFiles(context.getTargetDirectory(), physical,
            context.getStatisticsColumns());
        CloseableIterator<Row> actions = Transaction.generateAppendActions(engine, state, files, context)) {
      actions.forEachRemaining(adds::add);
    }
    return adds;
  }

  private TableContents contents(String location, Snapshot snapshot) {
    List<String> columns = snapshot.getSchema().fieldNames();
    List<Map<String, Object>> rows = new ArrayList<>();
    Scan scan = snapshot.getScanBuilder().build();
    Row scanState = scan.getScanState(engine);
    StructType physical = KernelFiles.physicalReadSchema(scanState);
    try {
      for (Row file : scanFiles(scan)) {
        try (CloseableIterator<ColumnarBatch> data = engine.getParquetHandler()
            .readParquetFiles(iterator(List.of(KernelFiles.status(file))), physical, Optional.empty()).map(FileReadResult::getData);
            CloseableIterator<FilteredColumnarBatch> logical = Scan.transformPhysicalData(engine, scanState, file, data)) {
          while (logical.hasNext()) {
            addSelectedRows(logical.next(), columns, rows);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the Delta table at " + location + ": " + e.getMessage(), e);
    }
    return new TableContents(location, snapshot, Instant.ofEpochMilli(snapshot.getTimestamp(engine)), columns, rows);
  }

  /** The rows a batch's selection vector keeps: it drops those a deletion vector deletes. */
  private static void addSelectedRows(FilteredColumnarBatch filtered, List<String> columns, List<Map<String, Object>> rows) {
    ColumnarBatch batch = filtered.getData();
    Optional<ColumnVector> selection = filtered.getSelectionVector();
    for (int i = 0; i < batch.getSize(); i++) {
      if (selection.isEmpty() || (!selection.get().isNullAt(i) && selection.get().getBoolean(i))) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int c = 0; c < columns.size(); c++) {
          row.put(columns.get(c), KernelValues.read(batch.getColumnVector(c), i));
        }
        rows.add(row);
      }
    }
  }

  /** The scan's data files (with their statistics, which a remove action carries). */
  private List<Row> scanFiles(Scan scan) throws IOException {
    List<Row> files = new ArrayList<>();
    try (CloseableIterator<FilteredColumnarBatch> batches = scan.getScanFiles(engine, true)) {
      while (batches.hasNext()) {
        try (CloseableIterator<Row> selected = batches.next().getRows()) {
          selected.forEachRemaining(files::add);
        }
      }
    }
    return files;
  }

  /** Checkpoints and checksums, so that loading the table stays quick after many commits. */
  private void runHooks(String location, TransactionCommitResult result) {
    for (PostCommitHook hook : result.getPostCommitHooks()) {
      try {
        hook.threadSafeInvoke(engine);
      } catch (IOException | RuntimeException e) {
        LOG.warn("The commit {} to {} is written, but its {} hook failed: {}", result.getVersion(), location, hook.getType(), e.toString());
      }
    }
  }

  /** A list as the closeable iterator Kernel's APIs take; closing it releases nothing. */
  public static <T> CloseableIterator<T> iterator(List<T> items) {
    Iterator<T> it = items.iterator();
    return new CloseableIterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public T next() {
        return it.next();
      }

      @Override
      public void close() {}
    };
  }

  /** Rows of plain values as the columnar batch Kernel's Parquet writer takes. */
  private record Batch(StructType schema, List<ColumnVector> columns, int size) implements ColumnarBatch {
    @Override
    public StructType getSchema() {
      return schema;
    }

    @Override
    public ColumnVector getColumnVector(int ordinal) {
      return columns.get(ordinal);
    }

    @Override
    public int getSize() {
      return size;
    }
  }
}
