package io.treeline.serving.inference;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.parquet.io.api.Binary;

/**
 * Renders a record's request as compact UTF-8 JSON straight into one reused buffer, with one reused
 * generator: the writer renders every logged row, and a String per row (then encoded again for
 * Parquet) was most of what it allocated. Not thread-safe: one per writing thread.
 */
final class RequestJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Writes a character outside the BMP as its UTF-8 bytes, as the JSON of a String always had it, not as an escaped surrogate pair. */
  private static final ObjectMapper UTF8 = new ObjectMapper(JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build());

  private final Buffer buffer = new Buffer();
  private JsonGenerator generator;

  /**
   * The request as JSON, valid until the next call (Parquet copies what it keeps of a reused array);
   * null when Jackson cannot read or write a value, which is not worth failing a whole batch for.
   */
  Binary render(RequestRecord record) {
    if (record.received()) {
      Binary copied = copied(record);
      if (copied != null) {
        return copied;
      }
    }
    Map<String, JsonNode> request;
    try {
      request = record.fields();
    } catch (RuntimeException e) {
      return null;
    }
    buffer.reset();
    try {
      UTF8.writeValue(generator(), request);
      generator.flush();
      return Binary.fromReusedByteArray(buffer.bytes, 0, buffer.size);
    } catch (IOException | RuntimeException e) {
      generator = null; // left inside an unfinished object
      return renderedAlone(request);
    }
  }

  /**
   * A received record's bytes rendered token by token, without the tree: every number as the tree holds
   * it (an int, long or big integer by its size, else a double), so the text is what rendering the
   * parsed fields gives. Null where the tree would hold something else (a field name repeated at any
   * depth: the tree keeps the last value in the first one's place) or the bytes are not one object;
   * the tree path then decides.
   */
  Binary copied(RequestRecord record) {
    buffer.reset();
    try (JsonParser parser = JSON.getFactory().createParser(record.body(), record.from(), record.to() - record.from())) {
      if (parser.nextToken() != JsonToken.START_OBJECT || !copyObject(parser, generator()) || parser.nextToken() != null) {
        generator = null;
        return null;
      }
      generator.flush();
      return Binary.fromReusedByteArray(buffer.bytes, 0, buffer.size);
    } catch (IOException | RuntimeException e) {
      generator = null; // left inside an unfinished object
      return null;
    }
  }

  private static boolean copyObject(JsonParser parser, JsonGenerator out) throws IOException {
    out.writeStartObject();
    Set<String> names = new HashSet<>();
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      if (!names.add(name)) {
        return false;
      }
      out.writeFieldName(name);
      if (!copyValue(parser.nextToken(), parser, out)) {
        return false;
      }
    }
    out.writeEndObject();
    return token == JsonToken.END_OBJECT;
  }

  private static boolean copyValue(JsonToken token, JsonParser parser, JsonGenerator out) throws IOException {
    switch (token) {
      case START_OBJECT -> {
        return copyObject(parser, out);
      }
      case START_ARRAY -> {
        out.writeStartArray();
        JsonToken element;
        while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
          if (element == null || !copyValue(element, parser, out)) {
            return false;
          }
        }
        out.writeEndArray();
      }
      case VALUE_STRING -> out.writeString(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
      case VALUE_NUMBER_INT -> {
        switch (parser.getNumberType()) {
          case INT -> out.writeNumber(parser.getIntValue());
          case LONG -> out.writeNumber(parser.getLongValue());
          default -> out.writeNumber(parser.getBigIntegerValue());
        }
      }
      case VALUE_NUMBER_FLOAT -> out.writeNumber(parser.getDoubleValue());
      case VALUE_TRUE -> out.writeBoolean(true);
      case VALUE_FALSE -> out.writeBoolean(false);
      case VALUE_NULL -> out.writeNull();
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The old way, for a request the shared generator refused (e.g. a lone surrogate, which a String encodes as '?'). */
  private static Binary renderedAlone(Map<String, JsonNode> request) {
    try {
      return Binary.fromConstantByteArray(JSON.writeValueAsString(request).getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private JsonGenerator generator() throws IOException {
    if (generator == null) {
      generator = UTF8.getFactory().createGenerator(buffer, JsonEncoding.UTF8);
      generator.setRootValueSeparator(null); // each row is one document, not the next value of a stream
    }
    return generator;
  }

  /** ByteArrayOutputStream without its locks and copies. */
  private static final class Buffer extends OutputStream {
    private byte[] bytes = new byte[1024];
    private int size;

    void reset() {
      size = 0;
    }

    @Override
    public void write(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        if (size + more < 0) {
          throw new UncheckedIOException(new IOException("a request of over 2 GiB of JSON"));
        }
        bytes = Arrays.copyOf(bytes, Math.max(size + more, bytes.length * 2));
      }
    }
  }
}
