package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The access log's background writer: every event written in order by close, none after it, a drop counted. */
class AccessLogTest {
  private static AccessEvent event(int n) {
    return new AccessEvent("request-" + n, "GET", "/health", "health", "", "", 200, 0.1, null, null);
  }

  @Test
  void events_are_written_off_the_callers_thread_in_order_and_all_of_them_by_close() {
    AtomicInteger dropped = new AtomicInteger();
    try (LogCapture access = LogCapture.of(AccessEvent.LOGGER)) {
      AccessLog log = AccessLog.start(dropped::incrementAndGet);
      for (int n = 0; n < 1_000; n++) {
        log.log(event(n));
      }
      log.close();
      log.log(event(1_000));

      List<String> ids = access.events().stream().map(e -> (String) ((AccessEvent) e.getMessage()).getData().get("request_id")).toList();
      assertThat(ids).hasSize(1_000).startsWith("request-0", "request-1").endsWith("request-999");
      assertThat(access.events()).allMatch(e -> e.getThreadName().equals("treeline-access-log"));
      assertThat(dropped.get()).as("an event after close is dropped and counted").isEqualTo(1);
    }
  }

  @Test
  void the_dropped_counter_is_exported_at_zero_from_the_start() {
    assertThat(new ServingMetrics().scrape()).contains("treeline_access_log_dropped_total 0");
  }
}
