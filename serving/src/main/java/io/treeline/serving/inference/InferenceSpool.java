package io.treeline.serving.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The inference log's spool: a directory of {@link SpoolSegment} files on local disk that the writer
 * appends to while the server is busy and commits to the table later, oldest first. Each file is
 * numbered; its number (the last file's, for a commit of several) is the Delta transaction version of
 * its commit under this spool's id, so a file committed but not yet deleted when the server died is
 * recognised at the next start and not appended twice. The numbers only grow: the next one is kept in the directory (spool.next), so files
 * made after every earlier one was committed and removed are not mistaken for those. One server
 * process per directory (a lock file says so). Not thread-safe: the writer thread's alone.
 */
final class InferenceSpool implements AutoCloseable {
  private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{20})\\.spool");

  private final Path directory;
  private final String id;
  private final FileChannel lockChannel;
  private final FileLock lock;
  /** Closed files waiting for their commit, oldest first. */
  private final Deque<Closed> closed = new ArrayDeque<>();
  private SpoolSegment.Writer open;
  /** The open file's number, while a file is open. */
  private long openNumber;
  private long next;
  private long closedBytes;

  /** A file written and closed: its number, path, size and when it was closed. */
  record Closed(long number, Path file, long bytes, long closedNanos) {}

  private InferenceSpool(Path directory, String id, FileChannel lockChannel, FileLock lock, long next) {
    this.directory = directory;
    this.id = id;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.next = next;
  }

  /**
   * Opens (or makes) the spool in {@code directory}: the files a previous server left there are the
   * first to commit; new files are numbered past them and past every number given before.
   */
  static InferenceSpool open(Path directory) throws IOException {
    Files.createDirectories(directory);
    FileChannel channel = FileChannel.open(directory.resolve("spool.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null; // held by another spool of this very process
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException("Cannot use the inference log's spool at " + directory + ": another server process holds it. Give each"
          + " server its own directory (serving.inference-log.spool-dir).");
    }
    try {
      String id = spoolId(directory);
      Deque<Closed> left = new ArrayDeque<>();
      try (Stream<Path> files = Files.list(directory)) {
        files.sorted().forEach(file -> {
          Matcher m = SEGMENT.matcher(file.getFileName().toString());
          if (m.matches()) {
            try {
              left.add(new Closed(Long.parseLong(m.group(1)), file, Files.size(file), System.nanoTime()));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        });
      }
      long highest = left.isEmpty() ? -1 : left.getLast().number();
      InferenceSpool spool = new InferenceSpool(directory, id, channel, lock, Math.max(highest + 1, nextNumber(directory)));
      left.forEach(spool::closed);
      return spool;
    } catch (IOException | RuntimeException e) {
      lock.release();
      channel.close();
      throw e;
    }
  }

  /** The number the next file takes, as spool.next keeps it; 0 for a new spool. */
  private static long nextNumber(Path directory) throws IOException {
    Path file = directory.resolve("spool.next");
    if (!Files.exists(file)) {
      return 0;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8).trim();
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " holds '" + text + "', not the spool's next file number: remove the spool directory if it holds no .spool"
          + " file, or write the number after its highest one");
    }
  }

  /** Keeps {@code number} as the next file's, before a file of the number below it is made: a crash never reuses a number. */
  private void keepNext(long number) throws IOException {
    Path written = Files.writeString(directory.resolve("spool.next.tmp"), number + "\n", StandardCharsets.UTF_8);
    Files.move(written, directory.resolve("spool.next"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The id of the spool in {@code directory}, made once and kept in spool.id: the Delta application id of its commits. */
  private static String spoolId(Path directory) throws IOException {
    Path file = directory.resolve("spool.id");
    if (Files.exists(file)) {
      String id = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!id.isEmpty()) {
        return id;
      }
    }
    String id = "treeline-inference-spool-" + UUID.randomUUID();
    Path written = Files.writeString(directory.resolve("spool.id.tmp"), id + "\n", StandardCharsets.UTF_8);
    Files.move(written, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return id;
  }

  String id() {
    return id;
  }

  Path directory() {
    return directory;
  }

  void append(InferenceRecord record) throws IOException {
    if (open == null) {
      keepNext(next + 1);
      open = new SpoolSegment.Writer(directory.resolve(String.format("segment-%020d.spool", next)));
      openNumber = next++;
    }
    open.append(record);
  }

  /** Hands the open file's buffer to the operating system. */
  void flush() throws IOException {
    if (open != null) {
      open.flush();
    }
  }

  int openRecords() {
    return open == null ? 0 : open.records();
  }

  long openAgeNanos() {
    return open == null ? 0 : open.ageNanos();
  }

  /** Closes the open file, if it has records, into the files waiting for their commit. */
  void closeOpen() throws IOException {
    if (open == null) {
      return;
    }
    open.close();
    closed(new Closed(openNumber, open.file(), open.bytes(), System.nanoTime()));
    open = null;
  }

  private void closed(Closed file) {
    closed.add(file);
    closedBytes += file.bytes();
  }

  /** The oldest closed file, or null. */
  Closed oldest() {
    return closed.peekFirst();
  }

  /** The oldest closed files, oldest first: at most {@code files} of them, and past the first at most {@code bytes} in all. */
  List<Closed> oldest(int files, long bytes) {
    List<Closed> oldest = new ArrayList<>();
    long taken = 0;
    for (Closed file : closed) {
      if (oldest.size() == files || (!oldest.isEmpty() && taken + file.bytes() > bytes)) {
        break;
      }
      oldest.add(file);
      taken += file.bytes();
    }
    return oldest;
  }

  /** Removes the oldest closed file once its records are in the table (or given up). */
  void remove(Closed file) throws IOException {
    if (closed.peekFirst() != file) {
      throw new IllegalStateException("spool files are removed oldest first");
    }
    closed.removeFirst();
    closedBytes -= file.bytes();
    Files.deleteIfExists(file.file());
  }

  int closedFiles() {
    return closed.size();
  }

  /** Bytes on disk: the closed files and the open one. */
  long bytes() {
    return closedBytes + (open == null ? 0 : open.bytes());
  }

  @Override
  public void close() throws IOException {
    try {
      closeOpen();
    } finally {
      lock.release();
      lockChannel.close();
    }
  }
}
