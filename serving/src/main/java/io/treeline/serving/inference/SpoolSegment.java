package io.treeline.serving.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * One file of the inference log's spool: records as the writer took them, each in a frame of its
 * length and CRC-32C, in a compact form (each repeated string, such as an input's name, view or
 * source, is written in full once per file and then by its number), so spooling a record costs a few
 * microseconds where encoding it into Parquet costs tens. A file is read back only whole, in order;
 * a frame cut short or damaged (a crash while writing) ends the file there, and what came before it
 * is kept.
 */
final class SpoolSegment {
  private static final byte[] MAGIC = "TLSPOOL1".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int REQUEST_NONE = 0;
  private static final int REQUEST_RECEIVED = 1;
  private static final int REQUEST_FIELDS = 2;
  private static final int HAS_NUMBER = 1;
  private static final int HAS_TEXT = 2;
  private static final int HAS_TIME = 4;
  /** A frame longer than this is damage, not a record: no record comes near it (requests are limited far below). */
  private static final int MAX_FRAME = 64 << 20;

  private SpoolSegment() {}

  /** Appends records to a new file. Not thread-safe: the writer thread's alone. */
  static final class Writer implements AutoCloseable {
    private final Path file;
    private final OutputStream out;
    private final Frame frame = new Frame();
    private final Map<String, Integer> names = new HashMap<>();
    /** The string last written at each {@link #name(String, int) slot}, and its number. */
    private String[] lastAt = new String[96];
    private int[] lastNumberAt = new int[96];
    private final CRC32C crc = new CRC32C();
    private final byte[] header = new byte[8];
    private final long openedNanos = System.nanoTime();
    private long bytes;
    private int records;

    Writer(Path file) throws IOException {
      this.file = file;
      this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
      out.write(MAGIC);
      bytes = MAGIC.length;
    }

    void append(InferenceRecord record) throws IOException {
      frame.reset();
      encode(record);
      crc.reset();
      crc.update(frame.buffer(), 0, frame.size());
      putInt(header, 0, frame.size());
      putInt(header, 4, (int) crc.getValue());
      out.write(header);
      out.write(frame.buffer(), 0, frame.size());
      bytes += header.length + frame.size();
      records++;
    }

    /** Hands what is buffered to the operating system: a crash of the process loses nothing written before. */
    void flush() throws IOException {
      out.flush();
    }

    Path file() {
      return file;
    }

    int records() {
      return records;
    }

    long bytes() {
      return bytes;
    }

    long ageNanos() {
      return System.nanoTime() - openedNanos;
    }

    @Override
    public void close() throws IOException {
      out.close();
    }

    private void encode(InferenceRecord r) {
      text(r.requestId());
      frame.varint(r.recordIndex());
      frame.writeLong(r.loggedAtMicros());
      name(r.origin());
      name(r.route());
      name(r.servedName());
      name(r.modelName());
      frame.writeLong(r.modelVersion());
      name(r.runId());
      request(r.request());
      InferenceRecord.Inputs features = r.inputs();
      int count = features.size();
      frame.varint(count);
      for (int i = 0; i < count; i++) {
        name(features.name(i), 3 * i);
        name(features.view(i), 3 * i + 1);
        name(features.source(i), 3 * i + 2);
        boolean hasNumber = features.hasNumber(i);
        String text = features.text(i);
        boolean hasTime = features.hasFeatureTime(i);
        frame.write((hasNumber ? HAS_NUMBER : 0) | (text != null ? HAS_TEXT : 0) | (hasTime ? HAS_TIME : 0));
        if (hasNumber) {
          frame.writeLong(Double.doubleToRawLongBits(features.number(i)));
        }
        if (text != null) {
          name(text);
        }
        if (hasTime) {
          frame.writeLong(features.featureTimeSecond(i));
          frame.varint(features.featureTimeNano(i));
        }
      }
      frame.writeLong(Double.doubleToRawLongBits(r.prediction()));
      optionalDouble(r.probability());
      optionalDouble(r.latencyMs());
      name(r.server());
      name(r.arm());
    }

    private void request(RequestRecord request) {
      if (request.received()) {
        frame.write(REQUEST_RECEIVED);
        frame.varint(request.to() - request.from());
        frame.write(request.body(), request.from(), request.to() - request.from());
      } else if (request.fields().isEmpty()) {
        frame.write(REQUEST_NONE);
      } else {
        byte[] json;
        try {
          json = JSON.writeValueAsBytes(request.fields());
        } catch (IOException e) {
          throw new IllegalArgumentException("the request's fields cannot be written as JSON", e);
        }
        frame.write(REQUEST_FIELDS);
        frame.varint(json.length);
        frame.write(json, 0, json.length);
      }
    }

    private void optionalDouble(Double value) {
      frame.write(value == null ? 0 : 1);
      if (value != null) {
        frame.writeLong(Double.doubleToRawLongBits(value));
      }
    }

    /** A string that repeats (names, views, sources, models): 0 for null, its number + 1 once known, else the next number + 1 and the text. */
    private int name(String value) {
      if (value == null) {
        frame.varint(0);
        return -1;
      }
      Integer known = names.get(value);
      if (known != null) {
        frame.varint(known + 1);
        return known;
      }
      int next = names.size();
      names.put(value, next);
      frame.varint(next + 1);
      text(value);
      return next;
    }

    /**
     * As {@link #name(String)}, for a string at a place in the record that holds the same string
     * object record after record (an input's name, view or source by its index): the same object as
     * last time costs one comparison instead of a lookup.
     */
    private void name(String value, int slot) {
      if (slot >= lastAt.length) {
        lastAt = Arrays.copyOf(lastAt, Math.max(2 * lastAt.length, slot + 1));
        lastNumberAt = Arrays.copyOf(lastNumberAt, lastAt.length);
      }
      if (value != null && lastAt[slot] == value) {
        frame.varint(lastNumberAt[slot] + 1);
        return;
      }
      lastNumberAt[slot] = name(value);
      lastAt[slot] = value;
    }

    /** A string written in full: 0 for null, else its UTF-8 length + 1 and the bytes. */
    private void text(String value) {
      if (value == null) {
        frame.varint(0);
        return;
      }
      byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
      frame.varint(utf8.length + 1);
      frame.write(utf8, 0, utf8.length);
    }
  }

  /** What a spool file held: its records in order, and whether it ended in a damaged or unfinished frame. */
  record Contents(List<InferenceRecord> records, boolean damaged) {}

  /** Reads every whole, intact frame of {@code file}, in order. */
  static Contents read(Path file) throws IOException {
    List<InferenceRecord> records = new ArrayList<>();
    try (Reader reader = new Reader(file)) {
      for (InferenceRecord record = reader.next(); record != null; record = reader.next()) {
        records.add(record);
      }
      return new Contents(records, reader.damaged());
    }
  }

  /**
   * Reads a file's records one at a time, so a file is committed without holding all its records at
   * once (they die young, and a collection during the commit has little to copy).
   */
  static final class Reader implements AutoCloseable {
    private final DataInputStream in;
    private final Decoder decoder = new Decoder();
    private final CRC32C crc = new CRC32C();
    private final byte[] lengthBytes = new byte[4];
    /** The frame being read; it grows to the file's longest, and what a record keeps of it is copied out. */
    private byte[] payload = new byte[4096];
    private boolean ended;
    private boolean damaged;

    Reader(Path file) throws IOException {
      in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16));
      byte[] magic = new byte[MAGIC.length];
      if (!readFully(in, magic) || !Arrays.equals(magic, MAGIC)) {
        end(true);
      }
    }

    /** The next whole, intact record; null at the file's end or at the first damaged or unfinished frame. */
    InferenceRecord next() throws IOException {
      if (ended) {
        return null;
      }
      int got = in.readNBytes(lengthBytes, 0, 4);
      if (got < 4) {
        return end(got > 0);
      }
      int length = (lengthBytes[0] & 0xFF) << 24 | (lengthBytes[1] & 0xFF) << 16 | (lengthBytes[2] & 0xFF) << 8 | (lengthBytes[3] & 0xFF);
      int expected;
      try {
        expected = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
          return end(true);
        }
        if (payload.length < length) {
          payload = new byte[Math.max(length, 2 * payload.length)];
        }
        in.readFully(payload, 0, length);
      } catch (EOFException cut) {
        return end(true);
      }
      crc.reset();
      crc.update(payload, 0, length);
      if ((int) crc.getValue() != expected) {
        return end(true);
      }
      try {
        return decoder.decode(payload, length);
      } catch (RuntimeException e) {
        return end(true);
      }
    }

    /** Whether the file ended in a damaged or unfinished frame; known once {@link #next} returned null. */
    boolean damaged() {
      return damaged;
    }

    private InferenceRecord end(boolean damage) {
      ended = true;
      damaged = damage;
      return null;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  private static boolean readFully(InputStream in, byte[] into) throws IOException {
    int read = 0;
    while (read < into.length) {
      int n = in.read(into, read, into.length - read);
      if (n < 0) {
        return false;
      }
      read += n;
    }
    return true;
  }

  /** A read-back record's inputs in arrays: no object per input, so committing a file allocates little beyond its strings. */
  private static final class Decoded extends InferenceRecord.Inputs {
    /** Per input: name, view, source and text. */
    private final String[] strings;
    private final byte[] flags;
    private final double[] numbers;
    private final long[] seconds;
    private final int[] nanos;

    Decoded(int count) {
      strings = new String[4 * count];
      flags = new byte[count];
      numbers = new double[count];
      seconds = new long[count];
      nanos = new int[count];
    }

    @Override
    public int size() {
      return flags.length;
    }

    @Override
    public String name(int index) {
      return strings[4 * index];
    }

    @Override
    public String view(int index) {
      return strings[4 * index + 1];
    }

    @Override
    public String source(int index) {
      return strings[4 * index + 2];
    }

    @Override
    public boolean hasNumber(int index) {
      return (flags[index] & HAS_NUMBER) != 0;
    }

    @Override
    public double number(int index) {
      return numbers[index];
    }

    @Override
    public String text(int index) {
      return strings[4 * index + 3];
    }

    @Override
    public boolean hasFeatureTime(int index) {
      return (flags[index] & HAS_TIME) != 0;
    }

    @Override
    public long featureTimeSecond(int index) {
      return seconds[index];
    }

    @Override
    public int featureTimeNano(int index) {
      return nanos[index];
    }
  }

  /** The reading side of one file: its strings by number, as the writer numbered them. */
  private static final class Decoder {
    private final List<String> names = new ArrayList<>();
    private byte[] in;
    private int at;
    private int end;

    /** The record in {@code payload[0, length)}. */
    InferenceRecord decode(byte[] payload, int length) {
      in = payload;
      at = 0;
      end = length;
      String requestId = text();
      int recordIndex = varint();
      long loggedAtMicros = readLong();
      String origin = name();
      String route = name();
      String servedName = name();
      String modelName = name();
      long modelVersion = readLong();
      String runId = name();
      RequestRecord request = request();
      int count = varint();
      Decoded features = new Decoded(count);
      for (int i = 0; i < count; i++) {
        features.strings[4 * i] = name();
        features.strings[4 * i + 1] = name();
        features.strings[4 * i + 2] = name();
        int flags = in[at++];
        features.flags[i] = (byte) flags;
        if ((flags & HAS_NUMBER) != 0) {
          features.numbers[i] = Double.longBitsToDouble(readLong());
        }
        if ((flags & HAS_TEXT) != 0) {
          features.strings[4 * i + 3] = name();
        }
        if ((flags & HAS_TIME) != 0) {
          features.seconds[i] = readLong();
          features.nanos[i] = varint();
        }
      }
      double prediction = Double.longBitsToDouble(readLong());
      Double probability = optionalDouble();
      Double latencyMs = optionalDouble();
      String server = name();
      String arm = name();
      if (at != end) {
        throw new IllegalStateException("a spooled record has " + (end - at) + " bytes past its end");
      }
      return new InferenceRecord(requestId, recordIndex, loggedAtMicros, origin, route, servedName, modelName, modelVersion, runId, request,
          features, prediction, probability, latencyMs, server, arm);
    }

    private RequestRecord request() {
      int kind = in[at++];
      if (kind == REQUEST_NONE) {
        return RequestRecord.EMPTY;
      }
      int length = within(varint());
      byte[] bytes = Arrays.copyOfRange(in, at, at + length);
      at += length;
      if (kind == REQUEST_RECEIVED) {
        return RequestRecord.received(bytes, 0, length);
      }
      try {
        JsonNode object = JSON.readTree(bytes);
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        object.properties().forEach(field -> fields.put(field.getKey(), field.getValue()));
        return RequestRecord.of(fields);
      } catch (IOException e) {
        throw new IllegalStateException("a spooled request is not JSON", e);
      }
    }

    private Double optionalDouble() {
      return in[at++] == 0 ? null : Double.longBitsToDouble(readLong());
    }

    private String name() {
      int code = varint();
      if (code == 0) {
        return null;
      }
      if (code - 1 < names.size()) {
        return names.get(code - 1);
      }
      if (code - 1 != names.size()) {
        throw new IllegalStateException("a spooled name is number " + (code - 1) + " before number " + names.size());
      }
      String value = text();
      names.add(value);
      return value;
    }

    private String text() {
      int code = varint();
      if (code == 0) {
        return null;
      }
      String value = new String(in, at, within(code - 1), StandardCharsets.UTF_8);
      at += code - 1;
      return value;
    }

    /** {@code length} bytes from here, when the record has them: the frame's buffer is longer than the record. */
    private int within(int length) {
      if (length < 0 || length > end - at) {
        throw new IllegalStateException("a spooled value of " + length + " bytes runs past its record's end");
      }
      return length;
    }

    private int varint() {
      int value = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        byte b = in[at++];
        value |= (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalStateException("a spooled number is longer than five bytes");
    }

    private long readLong() {
      long value = 0;
      for (int i = 0; i < 8; i++) {
        value = (value << 8) | (in[at++] & 0xFF);
      }
      return value;
    }
  }

  /**
   * One record's bytes, built in a buffer the writer reuses. Not a ByteArrayOutputStream: its
   * synchronized write per byte cost more than the rest of spooling a record.
   */
  private static final class Frame {
    private byte[] buf = new byte[4096];
    private int size;

    void reset() {
      size = 0;
    }

    byte[] buffer() {
      return buf;
    }

    int size() {
      return size;
    }

    private void room(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    void write(int b) {
      room(1);
      buf[size++] = (byte) b;
    }

    void write(byte[] bytes, int from, int length) {
      room(length);
      System.arraycopy(bytes, from, buf, size, length);
      size += length;
    }

    /** Unsigned LEB128; a negative int takes five bytes and reads back the same. */
    void varint(int value) {
      room(5);
      while ((value & ~0x7F) != 0) {
        buf[size++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      buf[size++] = (byte) value;
    }

    void writeLong(long value) {
      room(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[size++] = (byte) (value >>> shift);
      }
    }
  }

  private static void putInt(byte[] into, int at, int value) {
    into[at] = (byte) (value >>> 24);
    into[at + 1] = (byte) (value >>> 16);
    into[at + 2] = (byte) (value >>> 8);
    into[at + 3] = (byte) value;
  }
}
