package io.treeline.serving.inference;

import io.delta.storage.HDFSLogStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Delta log writes on a local disk without starting processes. Hadoop's local file system, without
 * its native library, runs {@code readlink} and {@code chmod} as child processes for each rename and
 * create: about twenty per commit of the inference log, which at one commit a second stalled the
 * server's request threads (p99 at 5,000 requests/s rose from 20 ms to 500 ms). This store writes the
 * entry to a temporary file and hard-links it to its name, which fails when the name exists, so
 * put-if-absent stays atomic across processes as with {@link HDFSLogStore}; overwrites (the
 * {@code _last_checkpoint} file) are an atomic rename. Any other scheme, and a disk without hard links,
 * go to {@link HDFSLogStore}.
 *
 * <p>Listing the log from a version reads the directory's names and looks only at those from that
 * version on. Hadoop's listing makes a path and a status of every file first, and the log of a server's
 * table gains a commit and its checksum every second; it is listed whenever the table is loaded
 * (docs/benchmarks.md, "as its table's log grows").
 */
public final class LocalFileLogStore extends HDFSLogStore {
  /** The Hadoop setting with which Delta Kernel picks the log store of {@code file:} tables. */
  static final String KERNEL_SETTING = "io.delta.kernel.logStore.file.impl";

  public LocalFileLogStore(Configuration hadoop) {
    super(hadoop);
  }

  /** {@code hadoop} with this store for {@code file:} tables, unless the setting names another. */
  static Configuration on(Configuration hadoop) {
    Configuration copy = new Configuration(hadoop);
    if (copy.get(KERNEL_SETTING) == null) {
      copy.set(KERNEL_SETTING, LocalFileLogStore.class.getName());
    }
    return copy;
  }

  /**
   * The entries of {@code path}'s directory whose names sort at or after its own, by name: what
   * {@link HDFSLogStore} lists. Each entry's status is read as the iterator reaches it, so a caller
   * that stops early (the expired-log cleanup) reads only the names of the rest.
   */
  @Override
  public Iterator<FileStatus> listFrom(Path path, Configuration hadoop) throws IOException {
    if (!"file".equals(path.toUri().getScheme())) {
      return super.listFrom(path, hadoop);
    }
    java.nio.file.Path directory = Paths.get(path.getParent().toUri());
    String from = path.getName();
    List<String> names = new ArrayList<>();
    try (DirectoryStream<java.nio.file.Path> entries = Files.newDirectoryStream(directory)) {
      for (java.nio.file.Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.compareTo(from) >= 0 && !(name.startsWith(".") && name.endsWith(".crc"))) {
          names.add(name); // the second: Hadoop's local file system's own checksum files, which it never lists
        }
      }
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("No such file or directory: " + path.getParent());
    }
    names.sort(Comparator.naturalOrder());
    return new Statuses(path.getParent(), directory, names.iterator());
  }

  /** The statuses of {@code names} in {@code directory}, read one at a time; a file removed meanwhile is left out, as a listing now would. */
  private static final class Statuses implements Iterator<FileStatus> {
    private final Path parent;
    private final java.nio.file.Path directory;
    private final Iterator<String> names;
    private FileStatus next;

    Statuses(Path parent, java.nio.file.Path directory, Iterator<String> names) {
      this.parent = parent;
      this.directory = directory;
      this.names = names;
    }

    @Override
    public boolean hasNext() {
      while (next == null && names.hasNext()) {
        String name = names.next();
        try {
          BasicFileAttributes attributes = Files.readAttributes(directory.resolve(name), BasicFileAttributes.class);
          next = new FileStatus(attributes.size(), attributes.isDirectory(), 1, 0, attributes.lastModifiedTime().toMillis(), new Path(parent, name));
        } catch (NoSuchFileException removed) {
          // gone since the directory was read (a temporary file, a cleaned-up version)
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return next != null;
    }

    @Override
    public FileStatus next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      FileStatus current = next;
      next = null;
      return current;
    }
  }

  @Override
  public void write(Path path, Iterator<String> actions, Boolean overwrite, Configuration hadoop) throws IOException {
    if (!"file".equals(path.toUri().getScheme())) {
      super.write(path, actions, overwrite, hadoop);
      return;
    }
    java.nio.file.Path target = Paths.get(path.toUri());
    Files.createDirectories(target.getParent());
    java.nio.file.Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        while (actions.hasNext()) {
          out.write(actions.next());
          out.write('\n');
        }
      }
      if (overwrite) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } else {
        link(path, target, temp, hadoop);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private void link(Path path, java.nio.file.Path target, java.nio.file.Path temp, Configuration hadoop) throws IOException {
    try {
      Files.createLink(target, temp);
    } catch (FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException(target.toString()); // what Delta takes for a lost race: another writer made this version
    } catch (UnsupportedOperationException | FileSystemException e) {
      // no hard links on this disk (some network and FUSE file systems): Hadoop's way, a rename that refuses to replace
      super.write(path, Files.readAllLines(temp, StandardCharsets.UTF_8).iterator(), false, hadoop);
    }
  }
}
