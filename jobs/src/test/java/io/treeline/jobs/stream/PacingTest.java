package io.treeline.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacingTest {
  /** A clock that only moves when the pacer sleeps, recording when each event was let through. */
  private static final class FakeClock implements Pacing.Clock {
    long now = 1_000;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleepNanos(long nanos) {
      sleeps.add(nanos);
      now += nanos;
    }
  }

  private static final LocalDateTime T0 = LocalDateTime.parse("2001-01-01T06:00");

  @Test
  void a_rate_spaces_events_evenly_from_the_first() throws Exception {
    FakeClock clock = new FakeClock();
    Pacing.Pacer pacer = Pacing.of(1000.0, null).start(clock);
    List<Long> sentAt = new ArrayList<>();

    for (int i = 0; i < 4; i++) {
      pacer.await(T0);
      sentAt.add(clock.now - 1_000);
    }

    assertThat(sentAt).containsExactly(0L, 1_000_000L, 2_000_000L, 3_000_000L);
  }

  @Test
  void a_rate_makes_up_for_a_slow_send_instead_of_drifting() throws Exception {
    FakeClock clock = new FakeClock();
    Pacing.Pacer pacer = Pacing.of(1000.0, null).start(clock);

    pacer.await(T0);
    clock.now += 2_500_000; // the first send took 2.5 ms
    pacer.await(T0);
    pacer.await(T0);
    pacer.await(T0);

    assertThat(clock.sleeps).containsExactly(500_000L);
  }

  @Test
  void a_speedup_divides_the_gaps_in_event_time() throws Exception {
    FakeClock clock = new FakeClock();
    Pacing.Pacer pacer = Pacing.of(null, 3600.0).start(clock);

    pacer.await(T0);
    pacer.await(T0);
    pacer.await(T0.plusHours(1));
    pacer.await(T0.plusHours(1).plusSeconds(36));

    assertThat(clock.sleeps).containsExactly(1_000_000_000L, 10_000_000L);
  }

  @Test
  void without_pacing_nothing_waits() throws Exception {
    FakeClock clock = new FakeClock();
    Pacing.Pacer pacer = Pacing.of(null, null).start(clock);

    pacer.await(T0);
    pacer.await(T0.plusDays(1));

    assertThat(clock.sleeps).isEmpty();
  }

  @Test
  void describes_itself_for_the_replay_line() {
    assertThat(Pacing.of(null, null).describe()).isEqualTo("as fast as possible");
    assertThat(Pacing.of(1000.0, null).describe()).isEqualTo("1,000 events/s");
    assertThat(Pacing.of(0.5, null).describe()).isEqualTo("0.5 events/s");
    assertThat(Pacing.of(null, 3600.0).describe()).isEqualTo("event time ×3,600");
  }

  @Test
  void rate_and_speedup_together_or_not_positive_are_refused() {
    assertThatThrownBy(() -> Pacing.of(100.0, 60.0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot pace the replay: --rate and --speedup are both given");
    assertThatThrownBy(() -> Pacing.of(0.0, null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("Cannot pace the replay: --rate must be a positive number, got 0.0");
    assertThatThrownBy(() -> Pacing.of(null, -2.0))
        .hasMessage("Cannot pace the replay: --speedup must be a positive number, got -2.0");
  }
}
