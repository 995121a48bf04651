package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The access log's text line writes latencies as %.2f did, for every latency the server rounds to hundredths. */
class AccessEventTest {
  private static String line(double latencyMs) {
    return new AccessEvent("id", "POST", "/v1/models/m/predict", "v1_predict", "m", "3", 200, latencyMs, null, null).getFormattedMessage();
  }

  @Test
  void writes_latencies_as_percent_two_f() {
    for (long nanos = 0; nanos < 3_000_000_000L; nanos = nanos < 20_000_000 ? nanos + 3_137 : nanos * 3 / 2) {
      double latencyMs = Math.round(nanos / 1e4) / 100.0; // as PredictionServer rounds them
      assertThat(line(latencyMs)).as("%d ns", nanos)
          .isEqualTo("POST /v1/models/m/predict 200 " + String.format(Locale.ROOT, "%.2f ms", latencyMs) + " model=m version=3 request_id=id");
    }
  }
}
