package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** What every refusal must be, whatever refused it: JSON with an error code, no internals, no huge echo, never a 5xx. */
final class Refusals {
  /** The longest a refusal may be: a message and values quoted at most {@code Quoted.MAX_CHARS} characters each. */
  static final int MAX_BODY_BYTES = 1_024;
  /** A Java class name such as com.fasterxml.jackson.databind.JsonNode, or a feature flag. */
  private static final Pattern INTERNALS = Pattern.compile("\\b(com|org|java|javax|io)\\.[a-z]+\\.[A-Za-z.]+|Exception|Feature\\.|StreamReadConstraints|`");

  private Refusals() {}

  static void assertClean(int status, String body) {
    assertThat(status).as("protocol errors are the client's: " + body).isBetween(400, 499);
    assertThat(body.getBytes(StandardCharsets.UTF_8).length).as("no echo past the cut length").isLessThanOrEqualTo(MAX_BODY_BYTES);
    JsonNode json;
    try {
      json = TestClient.JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
    assertThat(json.path("error_code").asText()).as(body).isNotEmpty();
    assertThat(json.path("message").asText()).as(body).isNotEmpty();
    assertThat(INTERNALS.matcher(body).find()).as("no class names or library settings in " + body).isFalse();
    assertThat(body).doesNotContain("\tat ").doesNotContain("at io.").doesNotContain("at org.");
  }
}
