package io.treeline.jobs.serve;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT as a request to stop, handled by the server itself: left to the JVM they start
 * its shutdown at once and it exits 143, so an orchestrator's ordinary stop would read as a failure
 * and the shutdown hooks would race the graceful stop.
 */
final class StopSignals {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  static void onStop(Runnable stop) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
          LOG.info("SIG{} received: stopping gracefully", signal.getName());
          stop.run();
        });
      } catch (IllegalArgumentException e) {
        LOG.debug("SIG{} cannot be handled here ({}); the JVM's shutdown hook stops the server instead", name, e.getMessage());
      }
    }
  }
}
