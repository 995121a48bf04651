package io.treeline.jobs.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT as a request to stop, handled by the long-running command itself (a server, a
 * stream): left to the JVM they start its shutdown at once and it exits 143, so an orchestrator's
 * ordinary stop would read as a failure and the shutdown hooks would race the graceful stop.
 */
public final class StopSignals implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private final Map<sun.misc.Signal, sun.misc.SignalHandler> previous;

  private StopSignals(Map<sun.misc.Signal, sun.misc.SignalHandler> previous) {
    this.previous = previous;
  }

  /** Runs {@code stop} on SIGTERM or SIGINT until closed; closing puts back the handlers there were before. */
  public static StopSignals onStop(Runnable stop) {
    Map<sun.misc.Signal, sun.misc.SignalHandler> previous = new LinkedHashMap<>();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal signal = new sun.misc.Signal(name);
        previous.put(signal, sun.misc.Signal.handle(signal, received -> {
          LOG.info("SIG{} received: stopping gracefully", received.getName());
          stop.run();
        }));
      } catch (IllegalArgumentException e) {
        LOG.debug("SIG{} cannot be handled here ({}); the JVM's shutdown hook stops it instead", name, e.getMessage());
      }
    }
    return new StopSignals(previous);
  }

  @Override
  public void close() {
    previous.forEach(sun.misc.Signal::handle);
  }
}
