package io.treeline.jobs.cli;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads 2001-03-01, 2001-03-01T06:30 or 2001-03-01 06:30:00 as a moment without time zone, like the
 * lake's times; also today and today-Nd (midnight of this day or of N days before, in the process's
 * time zone), so that a scheduled job without a shell can name "yesterday" as --since today-1d --until today.
 */
final class TimeConverter implements ITypeConverter<LocalDateTime> {
  private static final Pattern RELATIVE = Pattern.compile("today(?:-(\\d{1,5})d)?");

  @Override
  public LocalDateTime convert(String value) {
    String v = value.trim().replace(' ', 'T');
    Matcher relative = RELATIVE.matcher(v);
    if (relative.matches()) {
      return LocalDate.now().minusDays(relative.group(1) == null ? 0 : Long.parseLong(relative.group(1))).atStartOfDay();
    }
    try {
      return v.contains("T") ? LocalDateTime.parse(v) : LocalDate.parse(v).atStartOfDay();
    } catch (DateTimeParseException e) {
      throw new TypeConversionException("'" + value + "' is not a date or time; write 2001-03-01, 2001-03-01T06:30, today or today-1d");
    }
  }
}
