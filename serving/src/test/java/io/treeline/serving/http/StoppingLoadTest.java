package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.treeline.registry.LoggedRun;
import io.treeline.registry.ModelRef;
import io.treeline.registry.ModelRegistry;
import io.treeline.registry.ModelVersion;
import io.treeline.registry.RegisteredModel;
import io.treeline.registry.RunRecord;
import io.treeline.serving.model.ModelHost;
import io.treeline.serving.model.ModelLoader;
import io.treeline.serving.model.ServedModel;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/** A version still downloading when the server stops is abandoned quietly: logged at INFO, not counted as a failed load. */
class StoppingLoadTest {

  /** The fixture's registry, with downloads that hang (until interrupted) once armed, as a slow store would. */
  private static final class SlowDownloads implements ModelRegistry {
    private final ModelRegistry registry;
    private final CountDownLatch entered = new CountDownLatch(1);
    private volatile boolean armed;

    SlowDownloads(ModelRegistry registry) {
      this.registry = registry;
    }

    @Override
    public Path download(ModelVersion version, Path target) {
      if (armed) {
        entered.countDown();
        try {
          TimeUnit.MINUTES.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UncheckedIOException(new InterruptedIOException("the copy of " + version.model() + " was interrupted"));
        }
      }
      return registry.download(version, target);
    }

    @Override
    public Object changeMarker() {
      return registry.changeMarker();
    }

    @Override
    public String kind() {
      return registry.kind();
    }

    @Override
    public String location() {
      return registry.location();
    }

    @Override
    public LoggedRun logRun(RunRecord run) {
      return registry.logRun(run);
    }

    @Override
    public ModelVersion register(String model, LoggedRun run, String artifactPath, Map<String, String> tags) {
      return registry.register(model, run, artifactPath, tags);
    }

    @Override
    public ModelVersion resolve(ModelRef ref) {
      return registry.resolve(ref);
    }

    @Override
    public List<RegisteredModel> models() {
      return registry.models();
    }

    @Override
    public List<ModelVersion> versions(String model, Map<String, String> tags) {
      return registry.versions(model, tags);
    }

    @Override
    public Map<String, Long> aliases(String model) {
      return registry.aliases(model);
    }

    @Override
    public void setAlias(String model, String alias, long version) {
      registry.setAlias(model, alias, version);
    }

    @Override
    public void deleteAlias(String model, String alias) {
      registry.deleteAlias(model, alias);
    }

    @Override
    public void setVersionTag(String model, long version, String key, String value) {
      registry.setVersionTag(model, version, key, value);
    }

    @Override
    public void addToPackage(ModelVersion version, String file, byte[] contents) {
      registry.addToPackage(version, file, contents);
    }

    @Override
    public void close() {}
  }

  private static final class Events extends AbstractAppender {
    final List<LogEvent> events = new CopyOnWriteArrayList<>();

    Events() {
      super("stopping-load-events", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      events.add(event.toImmutable());
    }
  }

  @Test
  void a_load_interrupted_by_the_stop_is_logged_at_info_and_not_counted_as_failed() throws Exception {
    ServingFixture fixture = ServingFixture.get();
    long first = fixture.register("stopping", fixture.classifier, "random_forest_classifier").version();
    long second = fixture.register("stopping", fixture.classifier, "random_forest_classifier").version();
    fixture.registry.setAlias("stopping", "champion", first);
    SlowDownloads registry = new SlowDownloads(fixture.registry);
    List<String> failed = new CopyOnWriteArrayList<>();
    ModelHost host = new ModelHost(new ModelLoader(registry, Files.createTempDirectory("stopping")), List.of(ModelHost.Served.parse("stopping@champion")),
        new ModelHost.Listener() {
          @Override
          public void loaded(ServedModel model) {}

          @Override
          public void loadFailed(String name, ModelVersion version, Exception error) {
            failed.add(name + "/" + version.version());
          }
        });
    Events events = new Events();
    events.start();
    org.apache.logging.log4j.core.LoggerContext context = (org.apache.logging.log4j.core.LoggerContext) LogManager.getContext(false);
    org.apache.logging.log4j.core.config.Configuration config = context.getConfiguration();
    org.apache.logging.log4j.core.config.LoggerConfig hostLogs = new org.apache.logging.log4j.core.config.LoggerConfig(ModelHost.class.getName(),
        Level.INFO, true);
    hostLogs.addAppender(events, Level.INFO, null);
    config.addLogger(ModelHost.class.getName(), hostLogs);
    context.updateLoggers();
    try {
      host.start(Duration.ofMillis(100));
      registry.armed = true;
      fixture.registry.setAlias("stopping", "champion", second);
      assertThat(registry.entered.await(60, TimeUnit.SECONDS)).as("the poller started loading version %d", second).isTrue();

      host.close();
      TimeUnit.MILLISECONDS.sleep(500);

      assertThat(failed).as("a stop is not a failed load").isEmpty();
      assertThat(events.events).noneMatch(e -> e.getLevel().isMoreSpecificThan(Level.WARN));
      assertThat(events.events).anySatisfy(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.INFO);
        assertThat(e.getMessage().getFormattedMessage()).isEqualTo("Stopped loading stopping@champion version " + second
            + ": the server is stopping; version " + first + " served until the end");
      });
      assertThat(host.get("stopping").version()).isEqualTo(first);
    } finally {
      config.removeLogger(ModelHost.class.getName());
      context.updateLoggers();
      host.close();
    }
  }
}
