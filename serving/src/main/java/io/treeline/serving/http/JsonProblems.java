package io.treeline.serving.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.treeline.serving.api.ApiException;
import io.treeline.serving.api.Quoted;
import java.util.regex.Pattern;

/** Why a body is not acceptable JSON, in the client's terms: Jackson's messages name its own classes and settings. */
final class JsonProblems {
  /** Jackson's location suffixes and its advice on which feature to enable. */
  private static final Pattern SOURCE = Pattern.compile("\\s*\\(?(start marker )?at \\[Source:.*", Pattern.DOTALL);
  private static final Pattern ADVICE = Pattern.compile(":?\\s*(enable|use|set)?\\s*`.*", Pattern.DOTALL);

  private JsonProblems() {}

  static ApiException refusal(JsonProcessingException e) {
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      if (original.contains("nesting depth")) {
        return ApiException.malformed("the body nests arrays and objects deeper than " + Bodies.MAX_DEPTH + " levels: a request is a few levels deep");
      }
      if (original.contains("Number")) {
        return ApiException.malformed("a number in the body has more than " + Bodies.MAX_NUMBER_DIGITS + " digits: send ordinary numbers");
      }
      if (original.contains("Name")) {
        return ApiException.malformed("a key in the body is longer than " + Bodies.MAX_KEY_CHARS + " characters: keys are field names");
      }
      return ApiException.malformed("the body holds a value over the server's limits: send ordinary values");
    }
    if (original.startsWith("Trailing token")) {
      return ApiException.malformed("the body holds more than one JSON value: send exactly one JSON object");
    }
    String reason = ADVICE.matcher(SOURCE.matcher(original).replaceFirst("")).replaceFirst("").trim();
    if (reason.contains("Non-standard token") || reason.contains("NaN") || reason.contains("Infinity")) {
      reason += " (NaN and Infinity are not JSON numbers)";
    }
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    return ApiException.malformed("the body is not valid JSON: " + Quoted.cut(reason, 160) + where);
  }
}
