package io.treeline.serving.http;

import io.treeline.serving.api.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A request thread's body bytes, in an array the thread keeps from one request to the next: a
 * prediction request is a few hundred bytes, and a fresh array per request (with the chunks the JDK
 * reads into on the way) was a third of what the server allocated per request. Valid until the
 * thread reads its next body, so nothing that outlives the request may hold {@link #bytes()}.
 */
final class BodyBuffer {
  /** Kept between requests up to this size; a bigger body's array is dropped once it was read. */
  private static final int KEPT_BYTES = 64 << 10;
  private static final int FIRST_BYTES = 4 << 10;
  /** Reading what a client still sends past the limit (up to a bound) lets it see the 413 instead of a reset connection. */
  private static final long DRAIN_LIMIT = 64L << 20;
  private static final ThreadLocal<BodyBuffer> OWN = ThreadLocal.withInitial(BodyBuffer::new);

  private byte[] bytes = new byte[FIRST_BYTES];
  private int length;

  private BodyBuffer() {}

  /** The calling thread's buffer holding the request's body, refused with 413 past {@code limit} bytes. */
  static BodyBuffer read(Exchange ex, long limit) {
    BodyBuffer buffer = OWN.get();
    try (InputStream in = ex.body()) {
      if (!buffer.fill(in, limit)) {
        drain(in);
        throw tooLarge(ex.contentLength(), limit);
      }
      return buffer;
    } catch (Drained e) {
      throw tooLarge(ex.contentLength(), limit);
    } catch (IOException e) {
      throw ApiException.malformed("the request body could not be read: the connection failed while it was sent");
    }
  }

  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  /** A copy of the body, for readers that keep it or want an array of its exact size. */
  byte[] copy() {
    return Arrays.copyOf(bytes, length);
  }

  /** Reads the whole stream; false when it holds more than {@code limit} bytes. */
  private boolean fill(InputStream in, long limit) throws IOException {
    if (bytes.length > KEPT_BYTES) {
      bytes = new byte[FIRST_BYTES];
    }
    length = 0;
    while (true) {
      if (length == bytes.length) {
        // One byte past the limit is enough to know a body is too large.
        long grown = Math.min(Math.min(2L * length, limit + 1), Integer.MAX_VALUE - 8);
        if (grown <= length) {
          return false;
        }
        bytes = Arrays.copyOf(bytes, (int) grown);
      }
      int read = in.read(bytes, length, bytes.length - length);
      if (read < 0) {
        return length <= limit;
      }
      length += read;
    }
  }

  private static final class Drained extends IOException {}

  /** Discards what the client still sends, up to a bound, so a client cannot keep a thread busy forever. */
  private static void drain(InputStream in) throws IOException {
    byte[] skip = new byte[8192];
    long total = 0;
    for (int read = in.read(skip); read >= 0; read = in.read(skip)) {
      total += read;
      if (total > DRAIN_LIMIT) {
        throw new Drained();
      }
    }
  }

  static ApiException tooLarge(long size, long limit) {
    return ApiException.tooLarge("the body" + (size > 0 ? " has " + size + " bytes, " : " is ") + "over the limit of " + limit
        + " bytes: send fewer records per request (serving.max-body-bytes raises the limit)");
  }
}
