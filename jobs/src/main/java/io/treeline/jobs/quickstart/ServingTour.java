package io.treeline.jobs.quickstart;

import io.treeline.core.error.Errors;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Sends a few flights to a running server through each protocol and prints what comes back, as a user would with curl. */
final class ServingTour {
  static final String RECORDS = "[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337},"
      + "{\"origin\":\"ORD\",\"destination\":\"ATL\",\"departure\":\"2001-06-15T17:45:00\",\"distance\":606}]";

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final PrintStream out;

  ServingTour(String base, PrintStream out) {
    this.base = base;
    this.out = out;
  }

  void run(String model) {
    List<String[]> calls = List.of(
        new String[] {"/v1/models/" + model + "/predict", "{\"records\":" + RECORDS + "}"},
        new String[] {"/v1/models/" + model + "/predict?explain=true",
            "{\"records\":[{\"origin\":\"SFO\",\"destination\":\"LAX\",\"departure\":\"2001-06-15T08:30:00\",\"distance\":337}]}"},
        new String[] {"/invocations", "{\"dataframe_records\":" + RECORDS + "}"},
        new String[] {"/v2/models/" + model + "/infer", "{\"inputs\":["
            + "{\"name\":\"origin\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"SFO\",\"ORD\"]},"
            + "{\"name\":\"destination\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"LAX\",\"ATL\"]},"
            + "{\"name\":\"departure\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"2001-06-15T08:30:00\",\"2001-06-15T17:45:00\"]},"
            + "{\"name\":\"distance\",\"shape\":[2],\"datatype\":\"FP64\",\"data\":[337,606]}]}"});
    for (String[] call : calls) {
      String answer = post(call[0], call[1]);
      out.println("    POST " + call[0]);
      out.println("      " + (answer.length() > 600 ? answer.substring(0, 600) + " …" : answer));
    }
  }

  private String post(String path, String body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw Errors.jobFailed("predict", "through " + path, "HTTP " + response.statusCode() + ": " + response.body(),
            "This is a bug in the quickstart; report it with the output above.", null);
      }
      return response.body();
    } catch (IOException e) {
      throw Errors.jobFailed("reach", "the prediction server at " + base, e.getMessage(), "Check that nothing blocks loopback connections.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
