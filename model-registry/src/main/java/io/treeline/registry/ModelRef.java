package io.treeline.registry;

import io.treeline.core.error.Errors;
import java.util.regex.Pattern;

/**
 * A reference to a model version as users write it: {@code NAME@ALIAS}, {@code NAME/VERSION}, or
 * {@code NAME} for its newest version.
 */
public record ModelRef(String model, String alias, Long version) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  public static ModelRef parse(String text) {
    String trimmed = text == null ? "" : text.trim();
    int at = trimmed.indexOf('@');
    int slash = trimmed.indexOf('/');
    if (at >= 0 && slash >= 0) {
      throw invalid(trimmed, "it has both an alias and a version");
    }
    if (at >= 0) {
      return new ModelRef(name(trimmed.substring(0, at), trimmed), alias(trimmed.substring(at + 1), trimmed), null);
    }
    if (slash >= 0) {
      String number = trimmed.substring(slash + 1);
      if (!number.matches("[1-9][0-9]{0,17}")) {
        throw invalid(trimmed, "version '" + number + "' is not a positive whole number");
      }
      return new ModelRef(name(trimmed.substring(0, slash), trimmed), null, Long.parseLong(number));
    }
    return new ModelRef(name(trimmed, trimmed), null, null);
  }

  public static ModelRef ofVersion(String model, long version) {
    return new ModelRef(name(model, model), null, version);
  }

  public static ModelRef ofAlias(String model, String alias) {
    return new ModelRef(name(model, model), alias(alias, model + "@" + alias), null);
  }

  /** Checks a registered model name: letters, digits, '_', '.', '-'. */
  public static String name(String name, String whole) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw invalid(whole, "model name '" + name + "' must start with a letter or digit and hold only letters, digits, '_', '.' and '-'");
    }
    return name;
  }

  /** Checks an alias: like a name, and not a number (MLflow refuses "v3" and "3" alike). */
  public static String alias(String alias, String whole) {
    if (alias == null || !NAME.matcher(alias).matches()) {
      throw invalid(whole, "alias '" + alias + "' must start with a letter or digit and hold only letters, digits, '_', '.' and '-'");
    }
    if (alias.matches("(?i)v?[0-9]+") || alias.equalsIgnoreCase("latest")) {
      throw invalid(whole, "alias '" + alias + "' is reserved (it reads as a version)", "Use a name such as champion or challenger.");
    }
    return alias;
  }

  private static RuntimeException invalid(String text, String reason) {
    return invalid(text, reason, "Write NAME@ALIAS (flight-delay@champion), NAME/VERSION (flight-delay/3) or NAME.");
  }

  private static RuntimeException invalid(String text, String reason, String remedy) {
    return Errors.invalidInput("read", "model reference '" + text + "'", reason, remedy);
  }

  @Override
  public String toString() {
    return alias != null ? model + "@" + alias : version != null ? model + "/" + version : model;
  }
}
