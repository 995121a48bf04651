package io.treeline.featurestore.online;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Redis commands in its wire protocol (RESP: each command an array of bulk strings), appended to
 * one growing buffer, so several commands go out in one write. Also the buffer a
 * {@link SharedRedisConnection} gathers the commands of many callers in.
 */
final class RespCommands {
  private static final byte[] CRLF = {'\r', '\n'};

  private byte[] bytes;
  private int size;
  private int commands;

  RespCommands(int capacity) {
    this.bytes = new byte[Math.max(capacity, 16)];
  }

  /** A command of text arguments (its name first). */
  RespCommands command(String... arguments) {
    arrayHeader(arguments.length);
    for (String argument : arguments) {
      bulk(argument.getBytes(StandardCharsets.UTF_8));
    }
    return this;
  }

  /** Starts a command of {@code arguments} arguments (its name counted); the arguments follow as {@link #bulk}s or {@link #raw} bytes. */
  RespCommands arrayHeader(int arguments) {
    commands++;
    return header('*', arguments);
  }

  RespCommands bulk(byte[] value) {
    header('$', value.length);
    raw(value, 0, value.length);
    return raw(CRLF, 0, 2);
  }

  /** Bytes already in the protocol's form (arguments encoded once and reused). */
  RespCommands raw(byte[] encoded) {
    return raw(encoded, 0, encoded.length);
  }

  /** The encoded form of {@code values} as bulk strings, for {@link #raw}. */
  static byte[] bulks(String... values) {
    RespCommands encoded = new RespCommands(64);
    for (String value : values) {
      encoded.bulk(value.getBytes(StandardCharsets.UTF_8));
    }
    return encoded.toByteArray();
  }

  /** How many commands the buffer holds. */
  int commands() {
    return commands;
  }

  int size() {
    return size;
  }

  byte[] array() {
    return bytes;
  }

  /** Appends the commands {@code other} holds. */
  void append(RespCommands other) {
    raw(other.bytes, 0, other.size);
    commands += other.commands;
  }

  void clear() {
    size = 0;
    commands = 0;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }

  private RespCommands header(char type, int count) {
    ensure(13);
    bytes[size++] = (byte) type;
    // Digits by hand: Integer.toString would make a string per argument.
    if (count == 0) {
      bytes[size++] = '0';
    } else {
      int start = size;
      for (int rest = count; rest > 0; rest /= 10) {
        bytes[size++] = (byte) ('0' + rest % 10);
      }
      for (int i = start, j = size - 1; i < j; i++, j--) {
        byte digit = bytes[i];
        bytes[i] = bytes[j];
        bytes[j] = digit;
      }
    }
    bytes[size++] = '\r';
    bytes[size++] = '\n';
    return this;
  }

  private RespCommands raw(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
    return this;
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
