package io.treeline.serving;

import io.treeline.featurestore.online.OnlineStore;
import io.treeline.featurestore.online.OnlineTable;
import io.treeline.registry.ModelRegistry;
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
  private final ServerOptions options;

  private ServingApp(ModelHost host, PredictionServer server, ScheduledExecutorService refresher, ServerOptions options) {
    this.host = host;
    this.server = server;
    this.refresher = refresher;
    this.options = options;
  }

  public static ServingApp start(List<ModelHost.Served> models, ServerOptions options, ModelRegistry registry, OnlineStore store,
      String storeKind, String version) {
    ServingMetrics metrics = new ServingMetrics();
    Path workDir;
    try {
      workDir = Files.createTempDirectory("treeline-serve");
      workDir.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ModelHost host = new ModelHost(new ModelLoader(registry, workDir), models, metrics);
    host.start(options.pollInterval());
    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "treeline-feature-refresh");
      thread.setDaemon(true);
      return thread;
    });
    Runnable refresh = () -> refresh(host, store, metrics);
    refresh.run(); // the embedded store's snapshots load before the first request
    long every = Math.max(1, options.pollInterval().toSeconds());
    if (!options.pollInterval().isZero()) {
      refresher.scheduleWithFixedDelay(refresh, every, every, TimeUnit.SECONDS);
    }
    PredictionServer server = new PredictionServer(host, store, storeKind, options, metrics, version).start();
    return new ServingApp(host, server, refresher, options);
  }

  private static void refresh(ModelHost host, OnlineStore store, ServingMetrics metrics) {
    Map<String, OnlineTable> tables = new LinkedHashMap<>();
    for (ServedModel model : host.all()) {
      model.manifest().views().forEach(v -> tables.putIfAbsent(v.view(), new OnlineTable(v.view(), v.entities(), v.features())));
    }
    for (OnlineTable table : tables.values()) {
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
  }
}
