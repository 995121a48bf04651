package io.treeline.serving.http;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** The id that ties a request's access-log event, its response and the caller's own logs together. */
final class RequestIds {
  static final String HEADER = "X-Request-Id";
  private static final int MAX_LENGTH = 128;

  private RequestIds() {}

  /** The caller's X-Request-Id when it is a sane token, else a new random one (32 hex digits). */
  static String of(String header) {
    if (header != null && !header.isEmpty() && header.length() <= MAX_LENGTH && allowed(header)) {
      return header;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] id = new byte[32];
    hex(random.nextLong(), id, 0);
    hex(random.nextLong(), id, 16);
    return new String(id, StandardCharsets.ISO_8859_1);
  }

  private static final byte[] DIGITS = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

  /** The 16 hex digits of {@code value}, zero-padded, as %016x writes them (String.format cost a request over a kilobyte). */
  private static void hex(long value, byte[] into, int at) {
    for (int i = 15; i >= 0; i--) {
      into[at + i] = DIGITS[(int) (value & 0xf)];
      value >>>= 4;
    }
  }

  private static boolean allowed(String header) {
    for (int i = 0; i < header.length(); i++) {
      if (!allowed(header.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  // Printable ASCII without spaces or quotes, so an id cannot forge log fields or break a header.
  private static boolean allowed(int c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
  }
}
