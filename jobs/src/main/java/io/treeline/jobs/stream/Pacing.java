package io.treeline.jobs.stream;

import io.treeline.core.error.Errors;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.concurrent.locks.LockSupport;

/**
 * How fast a replay sends its events: as fast as possible, at a steady number of events per
 * wall-clock second, or at event time sped up by a factor. Both paced modes keep an absolute
 * schedule from the first event, so oversleeping one event is made up by the next ones rather
 * than adding up, and the rate holds event by event rather than in bursts once a second.
 */
public final class Pacing {
  private enum Mode { FAST, RATE, SPEEDUP }

  private final Mode mode;
  private final double value;

  private Pacing(Mode mode, double value) {
    this.mode = mode;
    this.value = value;
  }

  public static Pacing asFastAsPossible() {
    return new Pacing(Mode.FAST, 0);
  }

  /** From --rate and --speedup, either of which may be null, but not both given. */
  public static Pacing of(Double rate, Double speedup) {
    if (rate != null && speedup != null) {
      throw Errors.invalidInput("pace", "the replay", "--rate and --speedup are both given",
          "Pass one: --rate N sends N events per second, --speedup X plays X seconds of event time per second.");
    }
    if (rate != null) {
      requirePositive("--rate", rate);
      return new Pacing(Mode.RATE, rate);
    }
    if (speedup != null) {
      requirePositive("--speedup", speedup);
      return new Pacing(Mode.SPEEDUP, speedup);
    }
    return asFastAsPossible();
  }

  private static void requirePositive(String option, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw Errors.invalidInput("pace", "the replay", option + " must be a positive number, got " + value, "Pass e.g. " + option + " 1000.");
    }
  }

  public String describe() {
    return switch (mode) {
      case FAST -> "as fast as possible";
      case RATE -> number(value) + " events/s";
      case SPEEDUP -> "event time ×" + number(value);
    };
  }

  private static String number(double value) {
    return value == Math.rint(value) ? String.format("%,.0f", value) : Double.toString(value);
  }

  /** The wall clock and a sleep, apart so tests can drive a pacer without waiting. */
  interface Clock {
    long nanoTime();

    void sleepNanos(long nanos) throws InterruptedException;
  }

  static final Clock SYSTEM = new Clock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    // Thread.sleep rounds up to whole milliseconds; parking waits tens of microseconds, which keeps
    // high rates smooth. Parking may return early: the pacer then parks again.
    @Override
    public void sleepNanos(long nanos) throws InterruptedException {
      LockSupport.parkNanos(nanos);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  };

  /** A schedule for one replay; its first {@link Pacer#await} fixes the start. */
  public Pacer start() {
    return new Pacer(SYSTEM);
  }

  Pacer start(Clock clock) {
    return new Pacer(clock);
  }

  public final class Pacer {
    private final Clock clock;
    private boolean started;
    private long startNanos;
    private LocalDateTime firstEventTime;
    private long sent;

    private Pacer(Clock clock) {
      this.clock = clock;
    }

    /** Waits until the next event, which happened at {@code eventTime} (may be null), is due. */
    public void await(LocalDateTime eventTime) throws InterruptedException {
      if (mode == Mode.FAST) {
        return;
      }
      if (!started) {
        started = true;
        startNanos = clock.nanoTime();
      }
      if (firstEventTime == null) {
        firstEventTime = eventTime;
      }
      long dueNanos = switch (mode) {
        case FAST -> 0;
        case RATE -> (long) (sent * 1e9 / value);
        // Events at the same moment are due together; one without a time, or earlier than the
        // first (out of order), is due at once.
        case SPEEDUP -> eventTime == null || firstEventTime == null ? 0
            : (long) (Math.max(0, Duration.between(firstEventTime, eventTime).toNanos()) / value);
      };
      sent++;
      for (long wait; (wait = startNanos + dueNanos - clock.nanoTime()) > 0; ) {
        clock.sleepNanos(wait);
      }
    }
  }
}
