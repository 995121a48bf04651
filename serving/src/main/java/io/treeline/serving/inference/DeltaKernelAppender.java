package io.treeline.serving.inference;

import io.delta.kernel.DataWriteContext;
import io.delta.kernel.Operation;
import io.delta.kernel.Table;
import io.delta.kernel.Transaction;
import io.delta.kernel.TransactionBuilder;
import io.delta.kernel.TransactionCommitResult;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.ConcurrentTransactionException;
import io.delta.kernel.exceptions.ConcurrentWriteException;
import io.delta.kernel.exceptions.TableAlreadyExistsException;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.hook.PostCommitHook;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterable;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.DataFileStatus;
import io.treeline.core.lake.KernelTables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends inference records to a Delta table with Delta Kernel, so the server needs no SparkSession:
 * one Parquet file per date in the batch ({@link InferenceParquetFile}), then one commit. Creates the table (schema
 * {@link InferenceLogSchema#TABLE}, partitioned by date) when it is absent. Several writers may append
 * at once: Kernel rebases a blind append over the commits that won the race, and a writer that lost the
 * race to create the table appends to the one the winner made.
 *
 * <p>On a local, HDFS or cloud lake whose log store has atomic put-if-absent (Azure, GCS) this is safe
 * across processes; on {@code s3a://} Delta's default log store is safe for one writing process per
 * table only, as for Spark's Delta writer (docs/serving.md#inference-log).
 */
public final class DeltaKernelAppender implements InferenceAppender {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaKernelAppender.class);
  private static final String ENGINE_INFO = "treeline-serving";
  /** Races to create the table, each settled by one more attempt; conflicts between appends Kernel retries itself. */
  private static final int CREATE_ATTEMPTS = 3;
  private static final long CLEANUP_EVERY_MILLIS = java.util.concurrent.TimeUnit.HOURS.toMillis(1);

  private final String location;
  private final Engine engine;
  private final InferenceParquetFile parquet;
  private final java.util.concurrent.atomic.AtomicBoolean warnedMissing = new java.util.concurrent.atomic.AtomicBoolean();
  /** When expired log files were last looked for; at most hourly, since each look lists the whole log. */
  private long lastCleanupMillis = Long.MIN_VALUE;

  public DeltaKernelAppender(String location, Configuration hadoop) {
    this(location, hadoop, true);
  }

  /** With {@code ownFiles} false, always through Kernel's own Parquet writer: what a table Kernel lays out otherwise gets. */
  DeltaKernelAppender(String location, Configuration hadoop, boolean ownFiles) {
    this.location = location;
    this.engine = DefaultEngine.create(LocalFileLogStore.on(hadoop));
    this.parquet = ownFiles ? new InferenceParquetFile(hadoop) : null;
  }

  @Override
  public String destination() {
    return location;
  }

  @Override
  public long append(List<InferenceRecord> records) throws IOException {
    KernelBatch batch = open();
    try {
      for (InferenceRecord record : records) {
        batch.add(record);
      }
      return batch.commit();
    } catch (IOException | RuntimeException e) {
      batch.abort();
      throw e;
    }
  }

  /** A batch whose records go into its data files as they are added; the commit then only finishes the files and writes the log entry. */
  @Override
  public KernelBatch open() throws IOException {
    return new KernelBatch(null, -1);
  }

  /** A batch committed as transaction {@code number} of {@code spoolId}: when the table holds that number already, nothing is added. */
  @Override
  public KernelBatch open(String spoolId, long number) throws IOException {
    return new KernelBatch(spoolId, number);
  }

  /**
   * Where the next transaction starts: from the table as this appender's last commit left it, so most
   * commits do not read the log again (Kernel lists the log from its last checkpoint for that, and a
   * server commits every second). From the table's latest version when there is none: at the start,
   * after a checkpoint (which lists the log anyway; the snapshot would otherwise carry every commit
   * since it was loaded), after a commit another writer raced (Kernel gives no snapshot then), after a
   * failure, and when the committed version's log entry changed (the table removed or made anew).
   */
  private io.delta.kernel.Snapshot committed;
  /** {@link #committed}'s own log entry as it was right after the commit. */
  private io.delta.kernel.utils.FileStatus committedEntry;

  /** A transaction on the table; with a spool id, one that Kernel refuses (ConcurrentTransactionException) when the table holds its number. */
  private Transaction transaction(String spoolId, long number) {
    if (committed != null && unchanged()) {
      var update = committed.buildUpdateTableTransaction(ENGINE_INFO, Operation.WRITE);
      return (spoolId == null ? update : update.withTransactionId(spoolId, number)).build(engine);
    }
    committed = null;
    Table table = Table.forPath(engine, location);
    try {
      TransactionBuilder write = table.createTransactionBuilder(engine, ENGINE_INFO, Operation.WRITE);
      Transaction txn = (spoolId == null ? write : write.withTransactionId(engine, spoolId, number)).build(engine);
      requireSchema(txn.getSchema(engine), txn.getPartitionColumns(engine));
      return txn;
    } catch (TableNotFoundException e) {
      TransactionBuilder create = table.createTransactionBuilder(engine, ENGINE_INFO, Operation.CREATE_TABLE)
          .withSchema(engine, InferenceLogSchema.TABLE)
          .withPartitionColumns(engine, InferenceLogSchema.PARTITION_COLUMNS)
          .withTableProperties(engine, Map.of(InferenceLogSchema.LOG_RETENTION_PROPERTY, InferenceLogSchema.LOG_RETENTION));
      LOG.info("Creating the inference log table at {}", location);
      return (spoolId == null ? create : create.withTransactionId(engine, spoolId, number)).build(engine);
    }
  }

  /** A table of another shape (made by hand, or by an older schema) is not appended to: the rows would not fit it. */
  private void requireSchema(StructType schema, List<String> partitionColumns) {
    List<String> problems = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (StructField expected : InferenceLogSchema.TABLE.fields()) {
      int index = schema.indexOf(expected.getName());
      if (index < 0 && InferenceLogSchema.ADDED_COLUMNS.contains(expected.getName())) {
        missing.add(expected.getName());
      } else if (index < 0) {
        problems.add("no column " + expected.getName());
      } else if (!schema.at(index).getDataType().equivalent(expected.getDataType())) {
        problems.add(expected.getName() + " is " + schema.at(index).getDataType() + ", not " + expected.getDataType());
      }
    }
    if (schema.length() + missing.size() != InferenceLogSchema.TABLE.length()) {
      problems.add(schema.length() + " columns, not " + InferenceLogSchema.TABLE.length());
    }
    if (!partitionColumns.equals(InferenceLogSchema.PARTITION_COLUMNS)) {
      problems.add("partitioned by " + partitionColumns + ", not by date");
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("Cannot append to the inference log at " + location + ": the table there is not an inference log ("
          + String.join("; ", problems) + "). Move it aside, or set serving.inference-log.table to another table.");
    }
    if (!missing.isEmpty() && warnedMissing.compareAndSet(false, true)) {
      // Kernel adds columns only to column-mapped tables; Spark's ALTER adds them here, and the rows written meanwhile show theirs.
      LOG.warn("The inference log at {} was made before its column(s) {}: rows are appended, and their {} show once the column is added:"
          + " treeline sql \"ALTER TABLE delta.`{}` ADD COLUMNS ({} STRING)\"", location, missing, missing, location, String.join(" STRING, ", missing));
    }
  }

  /** One data file of a batch, with the date partition it belongs to. */
  private record WrittenFile(int date, DataFileStatus status) {}

  final class KernelBatch implements Batch {
    private final String spoolId;
    private final long number;
    /** The table holds this spool number already: the batch adds nothing and its commit writes nothing. */
    private boolean alreadyCommitted;
    /** The transaction the files were laid out for; a commit tried again starts its own. */
    private Transaction first;
    private final Row state;
    private final StructType tableSchema;
    private final boolean ownFiles;
    private final TreeMap<Integer, InferenceParquetFile.Writing> open = new TreeMap<>();
    /** Only when Kernel's own writer makes the files (a table of another physical layout): it takes them all at once. */
    private final List<InferenceRecord> held = new ArrayList<>();
    private List<WrittenFile> written;
    private int rows;

    KernelBatch(String spoolId, long number) throws IOException {
      this.spoolId = spoolId;
      this.number = number;
      try {
        first = transaction(spoolId, number);
      } catch (ConcurrentTransactionException e) {
        alreadyCommitted = true;
        state = null;
        tableSchema = null;
        ownFiles = false;
        return;
      }
      state = first.getTransactionState(engine);
      tableSchema = first.getSchema(engine);
      // A table made before some added columns takes our files too: they carry those columns, which its readers see once added.
      StructType expected = new StructType();
      for (StructField field : InferenceParquetFile.PHYSICAL.fields()) {
        if (tableSchema.indexOf(field.getName()) >= 0) {
          expected = expected.add(field);
        }
      }
      ownFiles = parquet != null && physicalSchema(state, partition(0), tableSchema).equals(expected);
    }

    @Override
    public void add(InferenceRecord record) throws IOException {
      if (alreadyCommitted) {
        rows++;
        return;
      }
      if (written != null) {
        throw new IllegalStateException("this batch is already written; start another");
      }
      if (ownFiles) {
        InferenceParquetFile.Writing file = open.get(record.date());
        if (file == null) {
          file = parquet.open(Transaction.getWriteContext(engine, state, partition(record.date())).getTargetDirectory());
          open.put(record.date(), file);
        }
        file.write(record);
      } else {
        held.add(record);
      }
      rows++;
    }

    @Override
    public int rows() {
      return rows;
    }

    @Override
    public long commit() throws IOException {
      if (alreadyCommitted) {
        return ALREADY_COMMITTED;
      }
      if (written == null) {
        written = finishFiles();
      }
      for (int attempt = 1; ; attempt++) {
        try {
          Transaction txn = first != null ? first : transaction(spoolId, number);
          first = null;
          return commitFiles(txn, written);
        } catch (ConcurrentTransactionException e) {
          // An earlier attempt of this very commit landed (its answer was lost): the rows are in the table once.
          LOG.debug("Spool file {} of {} is in {} already", number, spoolId, location);
          alreadyCommitted = true;
          return ALREADY_COMMITTED;
        } catch (TableAlreadyExistsException | ConcurrentWriteException e) {
          // Another writer made the table first, or changed its metadata since our last commit: try again on the table as it is.
          committed = null;
          if (attempt >= CREATE_ATTEMPTS) {
            throw e;
          }
          LOG.debug("Another writer changed {} first; appending again ({})", location, e.getMessage());
        } catch (IOException | RuntimeException e) {
          committed = null; // a caller's next attempt reads the table as it is now
          throw e;
        }
      }
    }

    @Override
    public void abort() {
      open.values().forEach(InferenceParquetFile.Writing::abort);
      open.clear();
      held.clear();
    }

    private List<WrittenFile> finishFiles() throws IOException {
      List<WrittenFile> files = new ArrayList<>();
      for (Map.Entry<Integer, InferenceParquetFile.Writing> day : open.entrySet()) {
        DataWriteContext context = Transaction.getWriteContext(engine, state, partition(day.getKey()));
        files.add(new WrittenFile(day.getKey(), day.getValue().finish(context.getStatisticsColumns())));
      }
      open.clear();
      for (Map.Entry<Integer, List<InferenceRecord>> day : byDate(held).entrySet()) {
        Map<String, Literal> partition = partition(day.getKey());
        DataWriteContext context = Transaction.getWriteContext(engine, state, partition);
        FilteredColumnarBatch batch = new FilteredColumnarBatch(RecordColumns.of(day.getValue(), tableSchema), Optional.empty());
        CloseableIterator<FilteredColumnarBatch> physical = Transaction.transformLogicalData(engine, state, KernelTables.iterator(List.of(batch)), partition);
        try (CloseableIterator<DataFileStatus> made = engine.getParquetHandler().writeParquetFiles(context.getTargetDirectory(), physical,
            context.getStatisticsColumns())) {
          made.forEachRemaining(status -> files.add(new WrittenFile(day.getKey(), status)));
        }
      }
      held.clear();
      return files;
    }
  }

  private static Map<String, Literal> partition(int date) {
    return Map.of(InferenceLogSchema.PARTITION_COLUMN, Literal.ofDate(date));
  }

  private long commitFiles(Transaction txn, List<WrittenFile> files) throws IOException {
    Row state = txn.getTransactionState(engine);
    List<Row> actions = new ArrayList<>();
    for (WrittenFile file : files) {
      DataWriteContext context = Transaction.getWriteContext(engine, state, partition(file.date()));
      try (CloseableIterator<Row> added = Transaction.generateAppendActions(engine, state, KernelTables.iterator(List.of(file.status())), context)) {
        added.forEachRemaining(actions::add);
      }
    }
    TransactionCommitResult result = txn.commit(engine, CloseableIterable.inMemoryIterable(KernelTables.iterator(actions)));
    remember(result.getPostCommitSnapshot().orElse(null));
    boolean checkpointed = false;
    for (PostCommitHook hook : result.getPostCommitHooks()) {
      try {
        hook.threadSafeInvoke(engine); // checkpoints, so reading the log stays quick after thousands of commits
        checkpointed |= hook.getType() == PostCommitHook.PostCommitHookType.CHECKPOINT;
        if (hook.getType() == PostCommitHook.PostCommitHookType.CHECKPOINT || hook.getType() == PostCommitHook.PostCommitHookType.CHECKSUM_FULL) {
          committed = null;
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("The commit {} to {} is written, but its {} hook failed: {}", result.getVersion(), location, hook.getType(), e.toString());
      }
    }
    if (checkpointed) {
      cleanUpExpiredLog(result);
    }
    return result.getVersion();
  }

  private void remember(io.delta.kernel.Snapshot snapshot) {
    committed = snapshot;
    if (snapshot != null) {
      try {
        committedEntry = engine.getFileSystemClient().getFileStatus(entry(snapshot));
      } catch (IOException | RuntimeException e) {
        committed = null;
      }
    }
  }

  /** Whether {@link #committed}'s log entry is still the one its commit wrote. */
  private boolean unchanged() {
    try {
      io.delta.kernel.utils.FileStatus now = engine.getFileSystemClient().getFileStatus(entry(committed));
      return now.getSize() == committedEntry.getSize() && now.getModificationTime() == committedEntry.getModificationTime();
    } catch (IOException | RuntimeException e) {
      return false; // gone: the next commit loads the table as it is, or creates it again
    }
  }

  private static String entry(io.delta.kernel.Snapshot snapshot) {
    return snapshot.getLogPath() + "/" + String.format("%020d.json", snapshot.getVersion());
  }

  /** After a checkpoint, at most hourly: the log files older than the table's log retention go (ExpiredLogCleanup). */
  private void cleanUpExpiredLog(TransactionCommitResult result) {
    long now = System.currentTimeMillis();
    if (lastCleanupMillis != Long.MIN_VALUE && now - lastCleanupMillis < CLEANUP_EVERY_MILLIS) {
      return;
    }
    lastCleanupMillis = now;
    try {
      io.delta.kernel.Snapshot snapshot = result.getPostCommitSnapshot().orElseGet(() -> Table.forPath(engine, location).getLatestSnapshot(engine));
      int deleted = ExpiredLogCleanup.run(engine, snapshot.getLogPath().toString(), snapshot.getTableProperties(), now);
      if (deleted > 0) {
        LOG.info("Deleted {} log files of {} older than its log retention", deleted, location);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot delete the expired log files of {} (the commit is written; tried again in an hour): {}", location, e.toString());
    }
  }

  /**
   * The columns Kernel would write to this table's data files: the table's without the partition
   * column, unless a table feature asks otherwise (Iceberg compatibility keeps the partition column
   * in the file). Kernel's own checks of what it can write to (column mapping, variants, defaults) run here too.
   */
  private StructType physicalSchema(Row state, Map<String, Literal> partition, StructType tableSchema) throws IOException {
    FilteredColumnarBatch none = new FilteredColumnarBatch(RecordColumns.of(List.of(), tableSchema), Optional.empty());
    try (CloseableIterator<FilteredColumnarBatch> physical = Transaction.transformLogicalData(engine, state, KernelTables.iterator(List.of(none)), partition)) {
      return physical.next().getData().getSchema();
    }
  }

  private static TreeMap<Integer, List<InferenceRecord>> byDate(List<InferenceRecord> records) {
    TreeMap<Integer, List<InferenceRecord>> days = new TreeMap<>();
    for (InferenceRecord record : records) {
      days.computeIfAbsent(record.date(), d -> new ArrayList<>()).add(record);
    }
    return days;
  }
}
