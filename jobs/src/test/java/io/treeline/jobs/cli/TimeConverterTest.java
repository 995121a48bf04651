package io.treeline.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class TimeConverterTest {
  private final TimeConverter converter = new TimeConverter();

  @Test
  void reads_dates_and_times_as_the_lake_writes_them() {
    assertThat(converter.convert("2001-06-01")).isEqualTo(LocalDateTime.parse("2001-06-01T00:00"));
    assertThat(converter.convert("2001-06-01 06:30:15")).isEqualTo(LocalDateTime.parse("2001-06-01T06:30:15"));
  }

  @Test
  void today_and_days_before_it_are_midnights_so_a_schedule_needs_no_shell() {
    LocalDate before = LocalDate.now();
    LocalDateTime today = converter.convert("today");
    LocalDateTime yesterday = converter.convert("today-1d");
    LocalDateTime week = converter.convert("today-7d");
    // Around midnight the clock may move between the calls: either day is right.
    assertThat(today).isIn(before.atStartOfDay(), LocalDate.now().atStartOfDay());
    assertThat(yesterday).isEqualTo(today.minusDays(1));
    assertThat(week).isEqualTo(today.minusDays(7));
  }

  @Test
  void anything_else_says_what_to_write() {
    for (String text : new String[] {"yesterday", "today-1", "today+1d", "2001-13-01"}) {
      assertThatThrownBy(() -> converter.convert(text)).isInstanceOf(TypeConversionException.class)
          .hasMessage("'" + text + "' is not a date or time; write 2001-03-01, 2001-03-01T06:30, today or today-1d");
    }
  }
}
