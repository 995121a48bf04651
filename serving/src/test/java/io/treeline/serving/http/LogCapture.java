package io.treeline.serving.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Keeps the events one logger writes, through a real log4j2 appender attached to it for the test. */
final class LogCapture extends AbstractAppender implements AutoCloseable {
  private final List<LogEvent> events = new CopyOnWriteArrayList<>();
  private final Logger logger;
  private final Level previous;

  private LogCapture(String loggerName) {
    super("capture-" + loggerName, null, null, true, Property.EMPTY_ARRAY);
    this.logger = LoggerContext.getContext(false).getLogger(loggerName);
    this.previous = logger.getLevel();
  }

  static LogCapture of(String loggerName) {
    LogCapture capture = new LogCapture(loggerName);
    capture.start();
    capture.logger.addAppender(capture);
    capture.logger.setLevel(Level.INFO);
    return capture;
  }

  @Override
  public void append(LogEvent event) {
    events.add(event.toImmutable());
  }

  List<LogEvent> events() {
    return List.copyOf(events);
  }

  @Override
  public void close() {
    logger.removeAppender(this);
    logger.setLevel(previous);
    stop();
  }
}
