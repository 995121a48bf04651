package io.treeline.jobs.logging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;

/**
 * Switches the running log4j2 configuration to JSON lines: every console appender — whichever file
 * configured it (conf/log4j2.xml, a Spark distribution's, a test's) — is swapped for one with the
 * same target and the event template treeline-log.json. Spark, Jetty, Hadoop and Kafka log through
 * log4j2 (directly or via slf4j), so their events come out as JSON too. {@link #close} puts the
 * original appenders back.
 */
public final class JsonLog implements AutoCloseable {
  static final String TEMPLATE = "classpath:io/treeline/jobs/logging/treeline-log.json";

  private record Swap(LoggerConfig logger, Appender original, Appender json) {}

  private final LoggerContext context;
  private final List<Swap> swaps;

  private JsonLog(LoggerContext context, List<Swap> swaps) {
    this.context = context;
    this.swaps = swaps;
  }

  /** Replaces the console appenders of the current configuration; what is logged from here on is JSON. */
  public static JsonLog install() {
    LoggerContext context = LoggerContext.getContext(false);
    Configuration config = context.getConfiguration();
    Map<String, Appender> replacements = new LinkedHashMap<>();
    for (Appender appender : config.getAppenders().values()) {
      if (appender instanceof ConsoleAppender console) {
        ConsoleAppender json = ConsoleAppender.newBuilder()
            .setName(console.getName() + "-json")
            .setTarget(console.getTarget())
            // Follow System.err as it is now, not the stream log4j2 opened at start (its stream manager is shared by name).
            .setFollow(true)
            .setConfiguration(config)
            .setLayout(JsonTemplateLayout.newBuilder().setConfiguration(config).setEventTemplateUri(TEMPLATE).build())
            .build();
        json.start();
        replacements.put(console.getName(), json);
      }
    }
    List<Swap> swaps = new ArrayList<>();
    List<LoggerConfig> loggers = new ArrayList<>(config.getLoggers().values());
    if (!loggers.contains(config.getRootLogger())) {
      loggers.add(config.getRootLogger());
    }
    for (LoggerConfig logger : loggers) {
      for (Map.Entry<String, Appender> entry : logger.getAppenders().entrySet()) {
        Appender json = replacements.get(entry.getKey());
        if (json != null) {
          swaps.add(new Swap(logger, entry.getValue(), json));
        }
      }
    }
    for (Swap swap : swaps) {
      swap.logger().removeAppender(swap.original().getName());
      swap.logger().addAppender(swap.json(), null, null);
    }
    context.updateLoggers();
    return new JsonLog(context, swaps);
  }

  @Override
  public void close() {
    for (Swap swap : swaps) {
      swap.logger().removeAppender(swap.json().getName());
      swap.logger().addAppender(swap.original(), null, null);
    }
    context.updateLoggers();
    swaps.stream().map(Swap::json).distinct().forEach(Appender::stop);
  }
}
