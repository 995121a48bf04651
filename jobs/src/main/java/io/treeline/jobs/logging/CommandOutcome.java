package io.treeline.jobs.logging;

import java.util.Locale;
import org.apache.logging.log4j.message.MapMessage;

/**
 * The last event of a command with --log-format json: what ran, how it ended and how long it took,
 * as fields a log collector can alert on (the same figures --summary-json writes).
 */
public final class CommandOutcome extends MapMessage<CommandOutcome, Object> {
  private final String line;

  public CommandOutcome(String command, String status, int exitCode, double elapsedSeconds) {
    with("command", command);
    with("status", status);
    with("exit_code", exitCode);
    with("elapsed_seconds", elapsedSeconds);
    this.line = String.format(Locale.ROOT, "treeline %s %s (exit %d) in %.2f s", command, status, exitCode, elapsedSeconds);
  }

  @Override
  public String getFormattedMessage() {
    return line;
  }

  @Override
  public void formatTo(StringBuilder buffer) {
    buffer.append(line);
  }

  @Override
  public String getFormat() {
    return "";
  }
}
