package io.treeline.core.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Keeps what one logger writes at WARN and above, through a real log4j2 appender attached for the test. */
public final class LogCapture extends AbstractAppender implements AutoCloseable {
  private final List<LogEvent> events = new CopyOnWriteArrayList<>();
  private final Logger logger;

  private LogCapture(Class<?> source) {
    super("capture-" + source.getName(), null, null, true, Property.EMPTY_ARRAY);
    this.logger = LoggerContext.getContext(false).getLogger(source.getName());
  }

  public static LogCapture warningsOf(Class<?> source) {
    LogCapture capture = new LogCapture(source);
    capture.start();
    capture.logger.addAppender(capture);
    return capture;
  }

  @Override
  public void append(LogEvent event) {
    if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
      events.add(event.toImmutable());
    }
  }

  public List<String> messages() {
    return events.stream().map(e -> e.getMessage().getFormattedMessage()).toList();
  }

  @Override
  public void close() {
    logger.removeAppender(this);
    stop();
  }
}
