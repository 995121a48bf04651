package io.treeline.serving.model;

import io.treeline.core.error.Errors;
import io.treeline.registry.ModelRef;

/**
 * One arm of a served name: the registry reference it follows and its share of the traffic. Its
 * name is what responses, metrics and the inference log call it (the alias, or the reference as
 * written).
 *
 * @param weight relative share of the requests; 0 keeps the arm loaded but sends it nothing
 */
public record Arm(String name, ModelRef ref, int weight) {
  public Arm {
    if (weight < 0) {
      throw new IllegalArgumentException("an arm's weight is negative: " + weight);
    }
  }

  /** The arm of a plain {@code --model REF}: named by its alias, its version, or "latest" for the newest version. */
  static Arm of(ModelRef ref) {
    return new Arm(ref.alias() != null ? ref.alias() : ref.version() != null ? Long.toString(ref.version()) : "latest", ref, 1);
  }

  /**
   * Reads an arm as a route or shadow writes it: {@code ALIAS}, {@code VERSION}, or a whole
   * reference {@code MODEL@ALIAS} / {@code MODEL/VERSION}; a bare alias or version is of {@code model}.
   */
  static Arm parse(String text, String model, int weight, String whole) {
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      throw Errors.invalidInput("read", "route '" + whole + "'", "an arm has no model reference",
          "Write NAME=ARM:WEIGHT,ARM:WEIGHT, e.g. flight-delay=champion:90,challenger:10.");
    }
    ModelRef ref;
    if (trimmed.contains("@") || trimmed.contains("/")) {
      ref = ModelRef.parse(trimmed);
    } else if (trimmed.matches("[0-9]+")) {
      ref = ModelRef.parse(model + "/" + trimmed);
    } else {
      ref = ModelRef.ofAlias(model, trimmed);
    }
    return new Arm(trimmed, ref, weight);
  }

  /** The model a bare alias or version in a route refers to: the first arm written as a whole reference, else the served name. */
  static String modelOf(String name, String[] arms) {
    for (String arm : arms) {
      String ref = arm.contains(":") ? arm.substring(0, arm.lastIndexOf(':')) : arm;
      if (ref.contains("@") || ref.contains("/")) {
        return ModelRef.parse(ref.trim()).model();
      }
    }
    return name;
  }
}
