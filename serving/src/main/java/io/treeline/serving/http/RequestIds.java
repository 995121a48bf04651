package io.treeline.serving.http;

import java.util.concurrent.ThreadLocalRandom;

/** The id that ties a request's access-log event, its response and the caller's own logs together. */
final class RequestIds {
  static final String HEADER = "X-Request-Id";
  private static final int MAX_LENGTH = 128;

  private RequestIds() {}

  /** The caller's X-Request-Id when it is a sane token, else a new random one (32 hex digits). */
  static String of(String header) {
    if (header != null && !header.isEmpty() && header.length() <= MAX_LENGTH && header.chars().allMatch(RequestIds::allowed)) {
      return header;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return String.format("%016x%016x", random.nextLong(), random.nextLong());
  }

  // Printable ASCII without spaces or quotes, so an id cannot forge log fields or break a header.
  private static boolean allowed(int c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
  }
}
