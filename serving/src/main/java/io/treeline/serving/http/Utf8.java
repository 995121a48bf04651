package io.treeline.serving.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8: Jackson decodes overlong forms ({@code C0 AF} as "/") and {@code new String} replaces
 * bad bytes, so a value could reach the model other than the client wrote it. The JDK's decoder refuses both.
 */
final class Utf8 {
  private Utf8() {}

  /** Refuses a JSON body that is not valid UTF-8, naming the field whose value holds the bad bytes. */
  static void requireValidJson(byte[] body) {
    int bad = firstInvalid(body);
    if (bad >= 0) {
      String field = fieldAt(body, bad);
      throw ApiException.invalidField((field == null ? "the body" : "the value of '" + Quoted.cut(field) + "'")
          + " is not valid UTF-8 (byte " + bad + "): send text encoded as UTF-8");
    }
  }

  /** The body as text, refused if it is not valid UTF-8, naming the CSV row. */
  static String csv(byte[] body) {
    int bad = firstInvalid(body);
    if (bad >= 0) {
      int row = 0;
      for (int i = 0; i < bad; i++) {
        if (body[i] == '\n') {
          row++;
        }
      }
      throw ApiException.invalidField("CSV " + (row == 0 ? "header" : "row " + row) + " is not valid UTF-8 (byte " + bad + "): send text encoded as UTF-8");
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The offset of the first byte that is not part of well-formed UTF-8, or -1. */
  static int firstInvalid(byte[] body) {
    return firstInvalid(body, body.length);
  }

  /** As {@link #firstInvalid(byte[])}, over the first {@code length} bytes. */
  static int firstInvalid(byte[] body, int length) {
    int i = 0;
    while (i < length && body[i] >= 0) {
      i++; // ASCII, the usual case, costs one pass
    }
    if (i == length) {
      return -1;
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(body, 0, length);
    CharBuffer out = CharBuffer.allocate(Math.min(length, 8192));
    while (true) {
      CoderResult result = decoder.decode(in, out, true);
      if (result.isError()) {
        return in.position();
      }
      if (result.isUnderflow()) {
        result = decoder.flush(out);
        return result.isError() ? in.position() : -1;
      }
      out.clear();
    }
  }

  private static String fieldAt(byte[] body, int offset) {
    String field = null;
    try (JsonParser parser = Bodies.JSON.getFactory().createParser(body)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.FIELD_NAME) {
          field = parser.currentName();
        }
        if (token.isScalarValue() || token == JsonToken.FIELD_NAME) {
          parser.getText(); // decodes the token, so the location below lies past it
          if (parser.currentLocation().getByteOffset() > offset) {
            return token == JsonToken.FIELD_NAME ? parser.currentName() : field;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // the bytes name no field: the body is named instead
    }
    return field;
  }

}
