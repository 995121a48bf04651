package io.treeline.featurestore.offline;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** Timestamps without a time zone as microseconds since the epoch, as Spark keeps TIMESTAMP_NTZ. */
public final class Micros {
  private Micros() {}

  public static long of(LocalDateTime time) {
    return time.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + time.getNano() / 1000;
  }

  public static LocalDateTime time(long micros) {
    return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
  }
}
