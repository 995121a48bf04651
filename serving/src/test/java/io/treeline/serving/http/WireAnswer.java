package io.treeline.serving.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One HTTP/1.1 exchange over a plain socket, for requests no HTTP client would send; the server is expected to close after answering. */
record WireAnswer(int status, Map<String, String> headers, String body, String text) {

  static WireAnswer send(int port, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return exchange(socket, request);
    }
  }

  /** Writes {@code request} on an open connection and reads one answer, leaving the connection as the server left it. */
  static WireAnswer exchange(Socket socket, String request) throws IOException {
    {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // The server may refuse before reading it all (a huge header); its answer is still there to read.
      }
      return parse(readAnswer(socket.getInputStream()));
    }
  }

  private static String readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        bytes.write(buffer, 0, n);
        String sofar = bytes.toString(StandardCharsets.UTF_8);
        int end = sofar.indexOf("\r\n\r\n");
        if (end >= 0) {
          WireAnswer head = parse(sofar);
          String length = head.headers().get("content-length");
          if (length != null && bytes.size() >= end + 4 + Integer.parseInt(length)) {
            break;
          }
        }
      }
    } catch (SocketTimeoutException | java.net.SocketException e) {
      // what was read is the answer
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static WireAnswer parse(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return new WireAnswer(-1, Map.of(), "", text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    String[] statusLine = lines[0].split(" ");
    int status = statusLine.length > 1 && statusLine[1].matches("\\d{3}") ? Integer.parseInt(statusLine[1]) : -1;
    Map<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    String body = text.substring(end + 4);
    String length = headers.get("content-length");
    if (length != null && body.length() > Integer.parseInt(length)) {
      body = body.substring(0, Integer.parseInt(length));
    }
    return new WireAnswer(status, headers, body, text.length() > 2000 ? text.substring(0, 2000) : text);
  }

  String header(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
  }
}
