package io.treeline.featurestore.spec;

import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import java.nio.file.Path;

/** Errors in feature view files, all naming the file, the view, the key and the reason. */
final class SpecError {
  private SpecError() {}

  static InvalidInputException at(Path file, String view, String key, String reason, String remedy) {
    String where = (view == null ? "" : "view '" + view + "', ") + "key '" + key + "'";
    return Errors.invalidInput("load", "feature views from " + file, where + ": " + reason, remedy);
  }
}
