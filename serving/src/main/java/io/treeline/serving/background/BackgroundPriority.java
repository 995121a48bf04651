package io.treeline.serving.background;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the operating system's scheduling priority of the calling thread, for the threads that
 * work beside the requests (the inference log's writer, the access log, shadows): on a busy
 * machine a request thread that wakes up then runs before them, so their work costs the requests'
 * tail latency little and waits for idle time instead; if it cannot keep up, its bounded queue
 * drops and counts, as it would anyway. Java's thread priorities do nothing on Linux without
 * -XX:ThreadPriorityPolicy, so this asks {@code renice} for the thread's own id once, when the
 * thread starts. Where there is no /proc or renice the thread keeps its priority. The JVM option
 * {@code -Dtreeline.background-niceness=N} sets another niceness (0 leaves the threads as they are).
 */
public final class BackgroundPriority {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundPriority.class);
  /** Linux niceness: weight 110 against a request thread's 1,024, so about a tenth of a contended core, all of an idle one. */
  public static final int NICENESS = Integer.getInteger("treeline.background-niceness", 10);

  private BackgroundPriority() {}

  /** Lowers the calling thread's priority to {@link #NICENESS}; returns whether it was lowered. */
  public static boolean lowerCurrentThread() {
    Path self = Path.of("/proc/thread-self");
    if (NICENESS <= 0 || !Files.exists(self)) {
      return false;
    }
    try {
      String thread = Files.readSymbolicLink(self).getFileName().toString(); // "<pid>/task/<tid>"
      Process renice = new ProcessBuilder("renice", "-n", Integer.toString(NICENESS), "-p", thread).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (renice.waitFor(5, TimeUnit.SECONDS) && renice.exitValue() == 0) {
        return true;
      }
      renice.destroyForcibly();
      LOG.debug("renice did not lower thread {} ({}); it keeps its priority", thread, Thread.currentThread().getName());
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("Cannot lower the priority of {}: {}; it keeps its priority", Thread.currentThread().getName(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }
}
