package io.treeline.jobs.cli;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads 2001-03-01, 2001-03-01T06:30 or 2001-03-01 06:30:00 as a moment without time zone, like the lake's times. */
final class TimeConverter implements ITypeConverter<LocalDateTime> {
  @Override
  public LocalDateTime convert(String value) {
    String v = value.trim().replace(' ', 'T');
    try {
      return v.contains("T") ? LocalDateTime.parse(v) : LocalDate.parse(v).atStartOfDay();
    } catch (DateTimeParseException e) {
      throw new TypeConversionException("'" + value + "' is not a date or time; write 2001-03-01 or 2001-03-01T06:30");
    }
  }
}
