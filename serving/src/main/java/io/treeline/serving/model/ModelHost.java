package io.treeline.serving.model;

import io.treeline.core.error.Errors;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  /**
   * A name clients use, the arms it routes its requests to (one for a plain {@code --model}) and
   * the shadows scored beside each answer.
   */
  public record Served(String name, List<Arm> arms, List<Arm> shadows) {
    public Served {
      arms = List.copyOf(arms);
      shadows = List.copyOf(shadows);
      if (arms.isEmpty() || arms.stream().mapToLong(Arm::weight).sum() == 0) {
        throw Errors.invalidInput("serve", "'" + name + "'", "no arm has a weight above 0", "Give at least one arm a positive weight.");
      }
      java.util.Set<String> names = new java.util.HashSet<>();
      for (Arm arm : arms) {
        if (!names.add(arm.name())) {
          throw Errors.invalidInput("serve", "'" + name + "'", "the arm '" + arm.name() + "' is named twice", "Name each arm once.");
        }
      }
      for (Arm shadow : shadows) {
        if (!names.add(shadow.name())) {
          throw Errors.invalidInput("serve", "'" + name + "'", "'" + shadow.name() + "' is both an arm and a shadow, or a shadow twice",
              "A shadow is scored beside the answering arm: shadow a reference no arm serves.");
        }
      }
    }

    /** {@code NAME=REF} serves REF under NAME; a bare REF is served under its model's name. One arm, named by the alias or version. */
    public static Served parse(String text) {
      int eq = text.indexOf('=');
      ModelRef ref = ModelRef.parse(eq < 0 ? text : text.substring(eq + 1));
      return new Served(eq < 0 ? ref.model() : ModelRef.name(text.substring(0, eq), text), List.of(Arm.of(ref)), List.of());
    }

    /**
     * {@code NAME=ARM:WEIGHT,ARM:WEIGHT…}: NAME routes each request to one arm in proportion to the
     * weights. An arm is ALIAS, VERSION or a whole MODEL@ALIAS / MODEL/VERSION; a bare alias or
     * version is of the route's first whole reference's model, or else of the model named NAME.
     */
    public static Served route(String text) {
      int eq = text.indexOf('=');
      if (eq <= 0 || eq == text.length() - 1) {
        throw routeError(text, "it is not NAME=ARM:WEIGHT,…");
      }
      String name = ModelRef.name(text.substring(0, eq).trim(), text);
      String[] parts = text.substring(eq + 1).split(",", -1);
      String model = Arm.modelOf(name, parts);
      List<Arm> arms = new ArrayList<>();
      for (String part : parts) {
        int colon = part.lastIndexOf(':');
        if (colon < 0) {
          throw routeError(text, "the arm '" + part.trim() + "' has no :WEIGHT");
        }
        String weight = part.substring(colon + 1).trim();
        if (!weight.matches("[0-9]{1,6}")) {
          throw routeError(text, "the weight '" + weight + "' of arm '" + part.substring(0, colon).trim() + "' is not a whole number from 0 to 999999");
        }
        arms.add(Arm.parse(part.substring(0, colon), model, Integer.parseInt(weight), text));
      }
      return new Served(name, arms, List.of());
    }

    /** This name with {@code text} (ALIAS, VERSION or a whole reference, as in a route) scored in its shadow too. */
    public Served withShadow(String text) {
      List<Arm> more = new ArrayList<>(shadows);
      more.add(Arm.parse(text, arms.get(0).ref().model(), 0, name + "=" + text));
      return new Served(name, arms, more);
    }

    private static RuntimeException routeError(String text, String reason) {
      return Errors.invalidInput("read", "route '" + text + "'", reason,
          "Write NAME=ARM:WEIGHT,ARM:WEIGHT, e.g. flight-delay=champion:90,challenger:10 (an arm is an alias, a version or MODEL@ALIAS).");
    }

    /**
     * What {@code serve} serves: every {@code --model}, every {@code --route}, and the {@code --shadow NAME=ARM}
     * given added to their names. A name served twice, or a shadow of a name not served, is refused.
     */
    public static List<Served> of(List<String> models, List<String> routes, List<String> shadows) {
      Map<String, Served> byName = new LinkedHashMap<>();
      List<Served> all = new ArrayList<>();
      models.forEach(m -> all.add(parse(m)));
      routes.forEach(r -> all.add(route(r)));
      for (Served served : all) {
        if (byName.put(served.name(), served) != null) {
          throw Errors.invalidInput("serve", "'" + served.name() + "'", "the name is served twice",
              "Serve a second version under its own name (--model " + served.name() + "-challenger=MODEL@challenger), or split the traffic"
                  + " with one --route " + served.name() + "=champion:90,challenger:10.");
        }
      }
      for (String shadow : shadows) {
        int eq = shadow.indexOf('=');
        Served target = eq <= 0 ? null : byName.get(shadow.substring(0, eq).trim());
        if (target == null) {
          throw Errors.invalidInput("serve", "shadow '" + shadow + "'", eq <= 0 ? "it is not NAME=ARM" : "no --model or --route serves the name '"
              + shadow.substring(0, eq).trim() + "'", "Write --shadow NAME=ARM for a served NAME, e.g. --shadow flight-delay=challenger; served: "
              + String.join(", ", byName.keySet()) + ".");
        }
        byName.put(target.name(), target.withShadow(shadow.substring(eq + 1)));
      }
      return List.copyOf(byName.values());
    }
  }

  private final ModelLoader loader;
  private final Listener listener;
  private final Map<String, Served> served = new LinkedHashMap<>();
  private final Map<String, Route> routes = new LinkedHashMap<>();
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
            + " its own name, e.g. --model " + model.name() + "-challenger=" + model.arms().get(0).ref().model() + "@challenger");
      }
      routes.put(model.name(), new Route(model));
    }
  }

  /** Loads every arm and shadow now (failing on the first that cannot load), then polls every {@code interval} (zero: never). */
  public void start(Duration interval) {
    for (Route route : routes.values()) {
      for (Route.Slot slot : route.slots()) {
        ModelVersion version = loader.registry().resolve(slot.arm.ref());
        ServedModel loaded = loader.load(route.name(), slot.arm.name(), version);
        listener.prepare(loaded);
        slot.current.set(loaded);
        listener.loaded(loaded);
      }
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

  /** Checks every reference once and swaps in versions that changed, each arm on its own. Public for tests and for a manual refresh. */
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
    for (Route route : routes.values()) {
      for (Route.Slot slot : route.slots()) {
        if (slot.arm.ref().version() != null) {
          continue; // a pinned version never moves
        }
        if (!swap(route, slot)) {
          return;
        }
      }
    }
  }

  /** Loads the version the slot's reference names now, if it moved; false when the server is stopping. */
  private boolean swap(Route route, Route.Slot slot) {
    String what = describe(route, slot);
    ServedModel serving = slot.current.get();
    ModelVersion version;
    try {
      version = loader.registry().resolve(slot.arm.ref());
    } catch (RuntimeException e) {
      LOG.warn("Cannot check {} in the registry: {}; still serving version {}", what, e.getMessage(), serving == null ? "none" : serving.version());
      retry = true;
      return true;
    }
    if (serving != null && serving.version() == version.version()) {
      return true;
    }
    try {
      ServedModel loaded = loader.load(route.name(), slot.arm.name(), version);
      listener.prepare(loaded);
      slot.current.set(loaded);
      listener.loaded(loaded);
      LOG.info("{} now serves version {} (was {}), loaded in {} s", what, version.version(), serving == null ? "none" : serving.version(),
          String.format("%.1f", loaded.loadSeconds()));
    } catch (RuntimeException e) {
      if (stopping(e)) {
        LOG.info("Stopped loading {} version {}: the server is stopping; version {} served until the end", what, version.version(),
            serving == null ? "none" : serving.version());
        return false;
      }
      listener.loadFailed(route.name(), version, e);
      LOG.error("Cannot load {} version {}: {}; still serving version {}", what, version.version(), e.getMessage(),
          serving == null ? "none" : serving.version());
    }
    return true;
  }

  private static String describe(Route route, Route.Slot slot) {
    String ref = slot.arm.ref().toString();
    return route.arms() == 1 && !slot.shadow ? ref : route.name() + (slot.shadow ? " shadow " : " arm ") + slot.arm.name() + " (" + ref + ")";
  }

  /** The routes of {@code name}; 404 naming the served ones otherwise. */
  public Route route(String name) {
    Route route = routes.get(name);
    if (route == null) {
      throw ApiException.notFound("no model named '" + Quoted.cut(name) + "' is served here; served: " + String.join(", ", served.keySet()));
    }
    return route;
  }

  /** The first route, for protocols that address one model (MLflow's /invocations). */
  public Route firstRoute() {
    return routes.values().iterator().next();
  }

  /** The version the first arm of {@code name} serves: what describes it; 404 naming the served names otherwise. */
  public ServedModel get(String name) {
    return route(name).first();
  }

  /** Every loaded version: each arm and each shadow of every name. */
  public List<ServedModel> all() {
    List<ServedModel> all = new ArrayList<>();
    for (Route route : routes.values()) {
      for (Route.Slot slot : route.slots()) {
        ServedModel model = slot.current.get();
        if (model != null) {
          all.add(model);
        }
      }
    }
    return all;
  }

  public Collection<Served> served() {
    return served.values();
  }

  public boolean ready() {
    return routes.values().stream().allMatch(Route::ready);
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
