package io.treeline.featurestore.spec;

import java.util.Optional;

/** Where a view reads from: a lake table ({@code raw.flights}) or a file path with its format. */
public record SourceSpec(Optional<String> table, Optional<String> path, String format, Optional<String> filter) {

  public String describe() {
    return table.orElseGet(() -> format + " " + path.orElseThrow());
  }
}
