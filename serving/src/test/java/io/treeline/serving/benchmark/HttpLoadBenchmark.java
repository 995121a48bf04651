package io.treeline.serving.benchmark;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A load generator for the prediction server: single-record POSTs over keep-alive HTTP/1.1
 * connections, open loop at fixed rates (latency counted from when each request was due, so a
 * stalled server cannot hide its queue: no coordinated omission) and closed loop at saturation.
 * Prints p50, p99, p99.9 and throughput per step.
 *
 * <pre>java … HttpLoadBenchmark HOST PORT PATH RECORDS_FILE SECONDS CONNECTIONS RATE[,RATE…|,max]</pre>
 * RECORDS_FILE holds one JSON request body per line; requests cycle through them.
 */
public final class HttpLoadBenchmark {
  private final InetSocketAddress address;
  private final List<byte[]> requests;

  private HttpLoadBenchmark(InetSocketAddress address, String path, List<String> bodies) {
    this.address = address;
    this.requests = new ArrayList<>();
    for (String body : bodies) {
      byte[] payload = body.getBytes(StandardCharsets.UTF_8);
      String head = "POST " + path + " HTTP/1.1\r\nHost: " + address.getHostString() + ":" + address.getPort()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n";
      byte[] request = Arrays.copyOf(head.getBytes(StandardCharsets.US_ASCII), head.length() + payload.length);
      System.arraycopy(payload, 0, request, head.length(), payload.length);
      requests.add(request);
    }
  }

  public static void main(String[] args) throws Exception {
    HttpLoadBenchmark benchmark = new HttpLoadBenchmark(new InetSocketAddress(args[0], Integer.parseInt(args[1])), args[2],
        Files.readAllLines(Path.of(args[3])).stream().filter(l -> !l.isBlank()).toList());
    int seconds = Integer.parseInt(args[4]);
    int connections = Integer.parseInt(args[5]);
    // A warm-up step (JIT, heap sizing), not reported: at saturation unless -Dwarmup.rate=N asks for N requests/s (a server
    // whose background work, like the inference log, would still be catching up with a saturation when the steps begin).
    benchmark.step(Integer.getInteger("warmup.rate", 0), seconds, connections, false);
    System.out.printf("%-12s %10s %10s %10s %10s %12s %8s%n", "rate", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "req/s", "errors");
    for (String rate : args[6].split(",")) {
      boolean saturate = rate.equals("max");
      benchmark.step(saturate ? 0 : Integer.parseInt(rate), seconds, connections, true);
    }
  }

  /** Runs one step: {@code rate} requests per second spread over the connections (0: as fast as they go). */
  private void step(int rate, int seconds, int connections, boolean report) throws InterruptedException {
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    List<long[]> latencies = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    AtomicLong completed = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      long[] samples = new long[rate > 0 ? (int) Math.min(50_000_000L, (long) rate * seconds / connections + 16) : 4_000_000];
      latencies.add(samples);
      int index = c;
      Thread thread = new Thread(() -> run(index, connections, rate, start, end, samples, errors, completed), "load-" + c);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (!report) {
      return;
    }
    int total = 0;
    for (long[] samples : latencies) {
      for (long sample : samples) {
        if (sample > 0) {
          total++;
        }
      }
    }
    long[] all = new long[total];
    int i = 0;
    for (long[] samples : latencies) {
      for (long sample : samples) {
        if (sample > 0) {
          all[i++] = sample;
        }
      }
    }
    Arrays.sort(all);
    System.out.printf("%-12s %10.3f %10.3f %10.3f %10.3f %12.0f %8d%n", rate == 0 ? "saturation" : rate + "/s",
        percentile(all, 0.50), percentile(all, 0.99), percentile(all, 0.999), all.length == 0 ? 0 : all[all.length - 1] / 1e6,
        completed.get() / (double) seconds, errors.get());
  }

  private static double percentile(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  private void run(int index, int connections, int rate, long start, long end, long[] samples, AtomicLong errors, AtomicLong completed) {
    double interval = rate > 0 ? 1e9 * connections / rate : 0;
    long due = start + (long) (index * interval / connections);
    int n = 0;
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(address, 5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream(), 16384);
      while (true) {
        if (rate > 0) {
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
        } else {
          due = System.nanoTime();
        }
        if (due >= end) {
          return;
        }
        out.write(requests.get((n + index) % requests.size()));
        out.flush();
        int status = readResponse(in);
        long latency = System.nanoTime() - due;
        if (status != 200) {
          errors.incrementAndGet();
        } else if (n < samples.length) {
          samples[n] = Math.max(1, latency);
        }
        n++;
        completed.incrementAndGet();
        due += (long) interval;
      }
    } catch (IOException e) {
      errors.incrementAndGet();
      System.err.println("connection " + index + " failed: " + e.getMessage());
    }
  }

  /** Reads one response (status line, headers, Content-Length body) and returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    String status = line(in);
    int contentLength = 0;
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      int colon = header.indexOf(':');
      if (colon > 0 && header.substring(0, colon).equalsIgnoreCase("Content-Length")) {
        contentLength = Integer.parseInt(header.substring(colon + 1).trim());
      }
    }
    in.skipNBytes(contentLength);
    return Integer.parseInt(status.substring(9, 12));
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the server closed the connection");
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
