package io.treeline.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol's binary tensor data extension (Triton's {@code binary_tensor_data}):
 * the body is a JSON header of {@code Inference-Header-Content-Length} bytes followed by each binary
 * tensor's bytes in order, {@code parameters.binary_data_size} each; numbers are little-endian in the
 * tensor's datatype, BYTES elements are a 4-byte little-endian length and that many bytes.
 */
final class BinaryTensors {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  static final String EXTENSION = "binary_tensor_data";

  private static final Map<String, Integer> WIDTH = Map.ofEntries(Map.entry("BOOL", 1), Map.entry("INT8", 1), Map.entry("UINT8", 1),
      Map.entry("INT16", 2), Map.entry("UINT16", 2), Map.entry("FP16", 2), Map.entry("INT32", 4), Map.entry("UINT32", 4), Map.entry("FP32", 4),
      Map.entry("INT64", 8), Map.entry("UINT64", 8), Map.entry("FP64", 8));

  private final ByteBuffer data;

  private BinaryTensors(ByteBuffer data) {
    this.data = data.order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The request split at its header length: the JSON header, and what follows it. */
  record Request(byte[] header, BinaryTensors tensors) {}

  static Request split(byte[] body, String headerLength) {
    if (headerLength == null) {
      return new Request(body, new BinaryTensors(ByteBuffer.allocate(0)));
    }
    int length;
    try {
      length = Integer.parseInt(headerLength.trim());
    } catch (NumberFormatException e) {
      length = -1;
    }
    if (length < 0 || length > body.length) {
      throw ApiException.invalidField("the header " + HEADER_LENGTH + " is '" + Quoted.cut(headerLength) + "' for a body of " + body.length
          + " bytes: give the length in bytes of the JSON part that starts the body");
    }
    byte[] header = java.util.Arrays.copyOf(body, length);
    return new Request(header, new BinaryTensors(ByteBuffer.wrap(body, length, body.length - length).slice()));
  }

  /** The next {@code size} bytes as {@code count} elements of {@code datatype}. */
  List<JsonNode> next(String tensor, String datatype, long size, long count) {
    if (size < 0 || size > data.remaining()) {
      throw ApiException.invalidField("the input tensor '" + Quoted.cut(tensor) + "' has binary_data_size " + size + " but " + data.remaining()
          + " bytes of binary data are left: send each tensor's bytes after the JSON header, in the order of 'inputs'");
    }
    ByteBuffer bytes = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    bytes.limit((int) size);
    data.position(data.position() + (int) size);
    List<JsonNode> values = new ArrayList<>();
    if (datatype.equals("BYTES")) {
      while (bytes.hasRemaining()) {
        if (bytes.remaining() < 4) {
          throw malformed(tensor, "ends inside an element's 4-byte length");
        }
        int length = bytes.getInt();
        if (length < 0 || length > bytes.remaining()) {
          throw malformed(tensor, "has an element of " + Integer.toUnsignedString(length) + " bytes where " + bytes.remaining() + " are left");
        }
        ByteBuffer element = bytes.slice();
        element.limit(length);
        bytes.position(bytes.position() + length);
        try {
          values.add(TextNode.valueOf(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT).decode(element).toString()));
        } catch (CharacterCodingException e) {
          throw ApiException.invalidField("the input tensor '" + Quoted.cut(tensor) + "' has an element " + values.size()
              + " that is not valid UTF-8: send text encoded as UTF-8");
        }
      }
    } else {
      Integer width = WIDTH.get(datatype);
      if (width == null || datatype.equals("BOOL") || datatype.equals("FP16")) {
        throw ApiException.invalidField("the input tensor '" + Quoted.cut(tensor) + "' has datatype '" + Quoted.cut(datatype)
            + "', which is not read as binary data: use BYTES for strings and times, FP64 for numbers");
      }
      if (size != count * width) {
        throw malformed(tensor, "has " + size + " bytes, not " + count + " elements of " + width + " bytes");
      }
      while (bytes.hasRemaining()) {
        values.add(DoubleNode.valueOf(number(bytes, datatype)));
      }
    }
    if (values.size() != count) {
      throw malformed(tensor, "holds " + values.size() + " elements where its shape has " + count);
    }
    return values;
  }

  private static double number(ByteBuffer bytes, String datatype) {
    return switch (datatype) {
      case "INT8" -> bytes.get();
      case "UINT8" -> Byte.toUnsignedInt(bytes.get());
      case "INT16" -> bytes.getShort();
      case "UINT16" -> Short.toUnsignedInt(bytes.getShort());
      case "INT32" -> bytes.getInt();
      case "UINT32" -> Integer.toUnsignedLong(bytes.getInt());
      case "INT64" -> bytes.getLong();
      case "UINT64" -> Double.parseDouble(Long.toUnsignedString(bytes.getLong()));
      case "FP32" -> bytes.getFloat();
      default -> bytes.getDouble();
    };
  }

  /** Binary data nobody claimed is a client's mistake, not padding to ignore. */
  void requireConsumed() {
    if (data.hasRemaining()) {
      throw ApiException.invalidField("the body holds " + data.remaining() + " bytes of binary data that no input tensor claims:"
          + " give each binary tensor its parameters.binary_data_size");
    }
  }

  private static ApiException malformed(String tensor, String what) {
    return ApiException.invalidField("the binary data of input tensor '" + Quoted.cut(tensor) + "' " + what);
  }

  /** FP64 values as the extension sends them. */
  static byte[] fp64(List<Double> values) {
    ByteBuffer out = ByteBuffer.allocate(values.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    values.forEach(out::putDouble);
    return out.array();
  }
}
