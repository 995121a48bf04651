package io.treeline.serving.background;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A background thread runs at a lower OS priority; the threads around it keep theirs. */
class BackgroundPriorityTest {
  /** Field 19 of /proc/thread-self/stat, after the command name (which may hold spaces) in parentheses. */
  private static int niceness() throws Exception {
    String stat = Files.readString(Path.of("/proc/thread-self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(fields[16]);
  }

  @Test
  void a_thread_that_asks_runs_at_niceness_ten_and_only_it() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/proc/thread-self")), "Linux only");
    int before = niceness();
    AtomicReference<Object> seen = new AtomicReference<>();
    Thread background = new Thread(() -> {
      try {
        boolean lowered = BackgroundPriority.lowerCurrentThread();
        seen.set(lowered + " " + niceness());
      } catch (Exception e) {
        seen.set(e);
      }
    });
    background.start();
    background.join();
    assertThat(seen.get()).isEqualTo("true " + BackgroundPriority.NICENESS);
    assertThat(niceness()).as("the calling thread keeps its priority").isEqualTo(before);
  }
}
