package io.treeline.serving.model;

import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.api.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;
import org.slf4j.Logger;

/**
 * The models a server serves, each under a name and from a registry reference. Every model is
 * loaded before the server is ready; then a background thread polls the registry and, when an
 * alias has moved, loads, compiles and warms the new version off the request path and swaps it in
 * with one atomic write. A version that fails to load leaves the old one serving.
 */
public final class ModelHost implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelHost.class);

  /** What the host reports as it loads and swaps; metrics and logs listen. */
  public interface Listener {
    /** Called with a loaded version before it takes traffic: the place to warm what it reads (its feature views). */
    default void prepare(ServedModel model) {}

    void loaded(ServedModel model);

    void loadFailed(String name, ModelVersion version, Exception error);
  }

  /** A model to serve: the name clients use and the registry reference that names its version. */
  public record Served(String name, ModelRef ref) {
    /** {@code NAME=REF} serves REF under NAME; a bare REF is served under its model's name. */
    public static Served parse(String text) {
      int eq = text.indexOf('=');
      ModelRef ref = ModelRef.parse(eq < 0 ? text : text.substring(eq + 1));
      return new Served(eq < 0 ? ref.model() : ModelRef.name(text.substring(0, eq), text), ref);
    }
  }

  private final ModelLoader loader;
  private final Listener listener;
  private final Map<String, Served> served = new LinkedHashMap<>();
  private final Map<String, AtomicReference<ServedModel>> current = new LinkedHashMap<>();
  private Object lastMarker;
  private volatile boolean closed;
  private boolean retry;
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "treeline-model-poller");
    thread.setDaemon(true);
    return thread;
  });

  public ModelHost(ModelLoader loader, Collection<Served> models, Listener listener) {
    this.loader = loader;
    this.listener = listener;
    for (Served model : models) {
      if (served.put(model.name(), model) != null) {
        throw new IllegalArgumentException("the name '" + model.name() + "' is served twice: serve a second version under"
            + " its own name, e.g. --model " + model.name() + "-challenger=" + model.ref().model() + "@challenger");
      }
      current.put(model.name(), new AtomicReference<>());
    }
  }

  /** Loads every model now (failing on the first that cannot load), then polls every {@code interval} (zero: never). */
  public void start(Duration interval) {
    for (Served model : served.values()) {
      ModelVersion version = loader.registry().resolve(model.ref());
      ServedModel loaded = loader.load(model.name(), version);
      listener.prepare(loaded);
      current.get(model.name()).set(loaded);
      listener.loaded(loaded);
    }
    if (!interval.isZero()) {
      poller.scheduleWithFixedDelay(() -> {
        try {
          poll();
        } catch (Throwable e) { // a thrown task is never scheduled again: keep following the aliases
          if (stopping(e)) {
            LOG.info("Stopped polling the registry: the server is stopping");
          } else {
            LOG.error("Polling the registry failed; trying again in {} ms", interval.toMillis(), e);
          }
        }
      }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Checks every reference once and swaps in versions that changed. Public for tests and for a manual refresh. */
  public synchronized void poll() {
    Object marker;
    try {
      marker = loader.registry().changeMarker();
    } catch (RuntimeException e) {
      marker = null;
    }
    if (marker != null && marker.equals(lastMarker) && !retry) {
      return; // nothing moved in the registry since the last poll
    }
    lastMarker = marker;
    retry = false;
    for (Served model : served.values()) {
      if (model.ref().version() != null) {
        continue; // a pinned version never moves
      }
      ModelVersion version;
      try {
        version = loader.registry().resolve(model.ref());
      } catch (RuntimeException e) {
        LOG.warn("Cannot check {} in the registry: {}; still serving version {}", refText(model), e.getMessage(), get(model.name()).version());
        retry = true;
        continue;
      }
      ServedModel serving = current.get(model.name()).get();
      if (serving != null && serving.version() == version.version()) {
        continue;
      }
      try {
        ServedModel loaded = loader.load(model.name(), version);
        listener.prepare(loaded);
        current.get(model.name()).set(loaded);
        listener.loaded(loaded);
        LOG.info("{} now serves version {} (was {}), loaded in {} s", refText(model), version.version(),
            serving == null ? "none" : serving.version(), String.format("%.1f", loaded.loadSeconds()));
      } catch (RuntimeException e) {
        if (stopping(e)) {
          LOG.info("Stopped loading {} version {}: the server is stopping; version {} served until the end",
              refText(model), version.version(), serving == null ? "none" : serving.version());
          return;
        }
        listener.loadFailed(model.name(), version, e);
        LOG.error("Cannot load {} version {}: {}; still serving version {}", refText(model), version.version(), e.getMessage(),
            serving == null ? "none" : serving.version());
      }
    }
  }

  private static String refText(Served model) {
    ModelRef ref = model.ref();
    return ref.model() + (ref.alias() != null ? "@" + ref.alias() : ref.version() != null ? "/" + ref.version() : "");
  }

  /** The model served under {@code name}; 404 naming the served ones otherwise. */
  public ServedModel get(String name) {
    AtomicReference<ServedModel> model = current.get(name);
    ServedModel loaded = model == null ? null : model.get();
    if (loaded == null) {
      throw ApiException.notFound("no model named '" + io.treeline.serving.api.Quoted.cut(name) + "' is served here; served: " + String.join(", ", served.keySet()));
    }
    return loaded;
  }

  /** The first model, for protocols that address one model (MLflow's /invocations). */
  public ServedModel first() {
    return get(served.keySet().iterator().next());
  }

  public List<ServedModel> all() {
    List<ServedModel> all = new ArrayList<>();
    current.values().forEach(m -> {
      if (m.get() != null) {
        all.add(m.get());
      }
    });
    return all;
  }

  public Collection<Served> served() {
    return served.values();
  }

  public boolean ready() {
    return current.values().stream().allMatch(m -> m.get() != null);
  }

  /** A load cut short by {@link #close} (it interrupts the poller) is the stop working, not a failure. */
  private boolean stopping(Throwable e) {
    if (!closed && !Thread.currentThread().isInterrupted()) {
      return false;
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof InterruptedException || cause instanceof java.nio.channels.ClosedByInterruptException
          || cause instanceof java.io.InterruptedIOException) {
        return true;
      }
    }
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    poller.shutdownNow();
  }
}
