package io.treeline.featurestore.online;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads Redis's replies (RESP 2) from a connection, through a buffer of its own: a simple or bulk
 * string as a String (null for a nil), an integer as a Long, an array of strings as a String[], an
 * error as a {@link Error}. Nested arrays are refused: no command the online store sends gets one.
 */
final class RespReplies {
  /** A reply that is Redis's error for one command ({@code -WRONGTYPE ...}); the connection stays usable. */
  record Error(String message) {}

  private final InputStream in;
  private final byte[] buffer = new byte[64 * 1024];
  private int position;
  private int end;

  RespReplies(InputStream in) {
    this.in = in;
  }

  /** The next reply; blocks until it has arrived whole. */
  Object next() throws IOException {
    int type = read();
    return switch (type) {
      case '+' -> line();
      case '-' -> new Error(line());
      case ':' -> number();
      case '$' -> bulk(number());
      case '*' -> array(number());
      default -> throw new IOException("Redis sent a reply of unknown type '" + (char) type + "': is this a Redis server?");
    };
  }

  /** Whether bytes of a next reply have arrived and wait in the buffer. */
  boolean buffered() {
    return position < end;
  }

  private String[] array(long length) throws IOException {
    if (length < 0) {
      return null;
    }
    String[] items = new String[Math.toIntExact(length)];
    for (int i = 0; i < items.length; i++) {
      int type = read();
      if (type != '$') {
        throw new IOException("Redis sent an array holding '" + (char) type + "', where the online store's commands get strings only");
      }
      items[i] = bulk(number());
    }
    return items;
  }

  private String bulk(long length) throws IOException {
    if (length < 0) {
      return null;
    }
    int size = Math.toIntExact(length);
    String value;
    if (end - position >= size) {
      value = new String(buffer, position, size, StandardCharsets.UTF_8);
      position += size;
    } else {
      byte[] bytes = new byte[size];
      for (int copied = 0; copied < size; ) {
        if (position == end) {
          fill();
        }
        int chunk = Math.min(size - copied, end - position);
        System.arraycopy(buffer, position, bytes, copied, chunk);
        position += chunk;
        copied += chunk;
      }
      value = new String(bytes, StandardCharsets.UTF_8);
    }
    expect('\r');
    expect('\n');
    return value;
  }

  private String line() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int c = read(); c != '\r'; c = read()) {
      text.append((char) c);
    }
    expect('\n');
    return text.toString();
  }

  private long number() throws IOException {
    int c = read();
    boolean negative = c == '-';
    if (negative) {
      c = read();
    }
    long value = 0;
    for (; c != '\r'; c = read()) {
      if (c < '0' || c > '9') {
        throw new IOException("Redis sent '" + (char) c + "' in a length or integer");
      }
      value = value * 10 + (c - '0');
    }
    expect('\n');
    return negative ? -value : value;
  }

  private void expect(char wanted) throws IOException {
    int c = read();
    if (c != wanted) {
      throw new IOException("Redis's reply is malformed: expected " + (wanted == '\r' ? "CR" : "LF") + ", read '" + (char) c + "'");
    }
  }

  private int read() throws IOException {
    if (position == end) {
      fill();
    }
    return buffer[position++] & 0xff;
  }

  private void fill() throws IOException {
    int read = in.read(buffer, 0, buffer.length);
    if (read < 0) {
      throw new EOFException("Redis closed the connection");
    }
    position = 0;
    end = read;
  }
}
