package io.treeline.registry;

import io.treeline.core.error.Errors;
import io.treeline.core.error.InvalidInputException;
import io.treeline.core.error.Suggestions;
import java.util.Collection;

/** The errors both registries give for names that do not exist, worded the same way. */
public final class RegistryErrors {
  private RegistryErrors() {}

  public static InvalidInputException unknownModel(String verb, String model, Collection<String> models) {
    String known = models.isEmpty() ? "no model is registered yet" : "registered: " + String.join(", ", models);
    return Errors.invalidInput(verb, "model " + model, "no model of that name is registered (" + known + ")",
        hint(model, models, "Train with --register to register a version, or check the name with: treeline models list."));
  }

  public static InvalidInputException unknownVersion(String verb, String model, long version, long latest) {
    return Errors.invalidInput(verb, "model " + model + "/" + version, "version " + version + " does not exist (versions 1 to " + latest + ")",
        "See the versions with: treeline models list " + model + ".");
  }

  public static InvalidInputException unknownAlias(String verb, String model, String alias, Collection<String> aliases) {
    String known = aliases.isEmpty() ? "it has no aliases" : "its aliases: " + String.join(", ", aliases);
    return Errors.invalidInput(verb, "model " + model + "@" + alias, "alias '" + alias + "' is not set (" + known + ")",
        hint(alias, aliases, "Set it with: treeline models promote " + model + " --version N --alias " + alias + "."));
  }

  public static InvalidInputException notReady(String verb, ModelVersion version) {
    return Errors.invalidInput(verb, "model " + version, "its status is " + version.status() + ", not READY",
        "Register the run again; a version that failed to register cannot be served or aliased.");
  }

  private static String hint(String name, Collection<String> known, String otherwise) {
    return Suggestions.nearest(name, known).map(s -> "Did you mean '" + s + "'? " + otherwise).orElse(otherwise);
  }
}
