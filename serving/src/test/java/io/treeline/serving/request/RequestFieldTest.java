package io.treeline.serving.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.serving.api.ApiException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request's timestamps read as the ISO parser reads them, including by the shortcut for the usual form. */
class RequestFieldTest {
  /** What the field read before the shortcut: the ISO parser, after the same trimming. */
  private static LocalDateTime iso(String text) {
    String trimmed = text.trim().replace(' ', 'T');
    return trimmed.contains("T") ? LocalDateTime.parse(trimmed) : LocalDate.parse(trimmed).atStartOfDay();
  }

  @Test
  void reads_timestamps_as_the_iso_parser_does() {
    List<String> accepted = List.of("2001-06-15T08:30:00", "2001-06-15 08:30:00", " 2001-06-15T08:30:00 ", "2000-02-29T23:59:59",
        "0000-01-01T00:00:00", "9999-12-31T23:59:59", "2001-06-15T08:30", "2001-06-15T08:30:00.5", "2001-06-15T08:30:00.123456789",
        "2001-06-15", "+12345-01-01T00:00:00");
    for (String text : accepted) {
      assertThat(RequestField.timestamp(text, "records[0].departure")).as(text).isEqualTo(iso(text));
    }
    List<String> refused = List.of("2001-02-29T00:00:00", "2001-06-31T08:30:00", "2001-13-15T08:30:00", "2001-00-15T08:30:00",
        "2001-06-00T08:30:00", "2001-06-15T24:00:00", "2001-06-15T08:60:00", "2001-06-15T08:30:60", "2001-06-15T8:30:00",
        "2001-06-15T08:30:0x", "2001-06-15X08:30:00", "2001/06/15T08:30:00", "-001-06-15T08:30:00", "２００１-06-15T08:30:00",
        "2001-06-15T08:30:00Z", "2001-06-15T08:30:00+01:00", "yesterday", "");
    for (String text : refused) {
      assertThatThrownBy(() -> iso(text)).as(text).isInstanceOf(DateTimeParseException.class);
      assertThatThrownBy(() -> RequestField.timestamp(text, "records[0].departure")).as(text).isInstanceOf(ApiException.class)
          .hasMessage("records[0].departure is '" + text + "', which is not a local date-time: send e.g. \"2001-06-15T08:30:00\""
              + " (no time zone: the model was trained on local times)");
    }
  }
}
