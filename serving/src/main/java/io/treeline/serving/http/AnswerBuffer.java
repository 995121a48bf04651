package io.treeline.serving.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** A JSON answer being written, whose bytes Jetty can write without a copy. */
final class AnswerBuffer extends ByteArrayOutputStream {
  AnswerBuffer(int size) {
    super(size);
  }

  /** The bytes written so far, shared, not copied: valid until the buffer is written again. */
  ByteBuffer view() {
    return ByteBuffer.wrap(buf, 0, count);
  }
}
