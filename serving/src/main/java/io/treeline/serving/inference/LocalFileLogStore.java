package io.treeline.serving.inference;

import io.delta.storage.HDFSLogStore;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
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
