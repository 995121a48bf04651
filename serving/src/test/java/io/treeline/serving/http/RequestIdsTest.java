package io.treeline.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Request ids: the caller's when it is a sane token, else 32 lower-case hex digits. */
class RequestIdsTest {
  @Test
  void keeps_a_sane_id_and_makes_one_otherwise() {
    assertThat(RequestIds.of("abc-123_x.y")).isEqualTo("abc-123_x.y");
    for (String insane : new String[] {null, "", "a b", "a\"b", "a\\b", "é", "x".repeat(129), "a\tb"}) {
      String made = RequestIds.of(insane);
      assertThat(made).as(String.valueOf(insane)).matches("[0-9a-f]{32}");
    }
    assertThat(RequestIds.of("x".repeat(128))).isEqualTo("x".repeat(128));
    assertThat(RequestIds.of(null)).isNotEqualTo(RequestIds.of(null));
  }
}
