package io.treeline.serving;

import io.treeline.featurestore.online.OnlineReader;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.serving.http.PredictionServer;
import io.treeline.serving.http.ServerOptions;
import io.treeline.serving.http.ServingMetrics;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.ModelLoader;
import io.treeline.serving.model.ServedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running prediction service: the models loaded from the registry and watched for alias moves,
 * the online store's views kept fresh off the request path, and the HTTP server. Ready when
 * {@link #start} returns.
 */
public final class ServingApp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServingApp.class);

  private final ModelHost host;
  private final PredictionServer server;
  private final ScheduledExecutorService refresher;
  private final OnlineReader store;
  private final ServerOptions options;

  private ServingApp(ModelHost host, PredictionServer server, ScheduledExecutorService refresher, OnlineReader store, ServerOptions options) {
    this.host = host;
    this.server = server;
    this.refresher = refresher;
    this.store = store;
    this.options = options;
  }

  /** Starts serving; the app owns {@code store} from here and closes it (also when starting fails). */
  public static ServingApp start(List<ModelHost.Served> models, ServerOptions options, ModelRegistry registry, OnlineReader store,
      String storeKind, String version) {
    return start(models, options, registry, store, storeKind, version, Map.of());
  }

  /**
   * Starts serving, exporting each feature view's ttl in {@code viewTtls} beside the time its online
   * values were last written, so an alert can tell when they grow older than the ttl.
   */
  public static ServingApp start(List<ModelHost.Served> models, ServerOptions options, ModelRegistry registry, OnlineReader store,
      String storeKind, String version, Map<String, Duration> viewTtls) {
    ServingMetrics metrics = new ServingMetrics();
    viewTtls.forEach(metrics::ttl);
    Path workDir;
    try {
      workDir = Files.createTempDirectory("treeline-serve");
      workDir.toFile().deleteOnExit();
    } catch (IOException e) {
      store.close();
      throw new UncheckedIOException(e);
    }
    ModelHost.Listener listener = new ModelHost.Listener() {
      @Override
      public void prepare(ServedModel model) {
        // A new version may read views the old one did not: load them now, not on its first request.
        refresh(model.manifest().featureViews().stream().map(v -> new OnlineTable(v.view(), v.entities(), v.features())).toList(), store, metrics);
      }

      @Override
      public void loaded(ServedModel model) {
        metrics.loaded(model);
      }

      @Override
      public void loadFailed(String name, ModelVersion failed, Exception error) {
        metrics.loadFailed(name, failed, error);
      }
    };
    ModelHost host = new ModelHost(new ModelLoader(registry, workDir), models, listener);
    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "treeline-feature-refresh");
      thread.setDaemon(true);
      return thread;
    });
    try {
      host.start(options.pollInterval());
      if (!options.pollInterval().isZero()) {
        long every = Math.max(1, options.pollInterval().toSeconds());
        refresher.scheduleWithFixedDelay(() -> {
          try {
            refresh(tables(host), store, metrics);
          } catch (Throwable e) { // a thrown task is never scheduled again
            LOG.error("Refreshing the online store failed; trying again in {} s", every, e);
          }
        }, every, every, TimeUnit.SECONDS);
      }
      PredictionServer server = new PredictionServer(host, store, storeKind, options, metrics, version).start();
      return new ServingApp(host, server, refresher, store, options);
    } catch (RuntimeException e) {
      refresher.shutdownNow();
      host.close();
      store.close();
      throw e;
    }
  }

  private static List<OnlineTable> tables(ModelHost host) {
    Map<String, OnlineTable> tables = new LinkedHashMap<>();
    for (ServedModel model : host.all()) {
      model.manifest().featureViews().forEach(v -> tables.putIfAbsent(v.view(), new OnlineTable(v.view(), v.entities(), v.features())));
    }
    return List.copyOf(tables.values());
  }

  private static void refresh(List<OnlineTable> tables, OnlineReader store, ServingMetrics metrics) {
    for (OnlineTable table : tables) {
      try {
        store.refresh(table);
        metrics.freshness(store.freshness(table));
      } catch (RuntimeException e) {
        LOG.warn("Cannot refresh the online values of {}: {}", table.view(), e.getMessage());
      }
    }
  }

  public ModelHost host() {
    return host;
  }

  public PredictionServer server() {
    return server;
  }

  public String baseUrl() {
    return (options.tlsKeyStore() != null ? "https" : "http") + "://" + options.host() + ":" + server.port();
  }

  @Override
  public void close() {
    server.close();
    host.close();
    refresher.shutdownNow();
    store.close();
  }
}
