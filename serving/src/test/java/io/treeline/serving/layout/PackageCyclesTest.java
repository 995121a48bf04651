package io.treeline.serving.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Serving's packages depend on each other one way only: a cycle (as {@code model ⇄ request} once
 * was) means two packages can only be understood, tested and changed together.
 */
class PackageCyclesTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final String ROOT = "io.treeline.serving";
  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(" + Pattern.quote(ROOT) + "[\\w.]*)\\s*;", Pattern.MULTILINE);
  /** A class named in full in code (not in a comment): a dependency as real as an import, and one an import list hides. */
  private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])(" + Pattern.quote(ROOT) + "(?:\\.[a-z]\\w*)*\\.[A-Z]\\w*)");

  @Test
  void no_package_of_serving_depends_on_itself_through_another() {
    Map<String, Set<String>> uses = imports();
    List<String> cycles = new ArrayList<>();
    for (String from : uses.keySet()) {
      for (String to : uses.get(from)) {
        if (from.compareTo(to) < 0 && reaches(uses, to, from, new TreeSet<>())) {
          cycles.add(from + " <-> " + to);
        }
      }
    }

    assertThat(uses).containsKeys(ROOT + ".model", ROOT + ".request");
    assertThat(cycles).as("package cycles in serving").isEmpty();
  }

  private static boolean reaches(Map<String, Set<String>> uses, String from, String target, Set<String> seen) {
    if (from.equals(target)) {
      return true;
    }
    if (!seen.add(from)) {
      return false;
    }
    return uses.getOrDefault(from, Set.of()).stream().anyMatch(next -> reaches(uses, next, target, seen));
  }

  /** Package → the other serving packages its classes import. */
  private static Map<String, Set<String>> imports() {
    Map<String, Set<String>> uses = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES.resolve(ROOT.replace('.', '/')))) {
      List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).toList();
      Set<String> packages = new TreeSet<>();
      sources.forEach(f -> packages.add(packageOf(f)));
      for (Path file : sources) {
        String from = packageOf(file);
        Set<String> targets = uses.computeIfAbsent(from, p -> new TreeSet<>());
        List<String> named = new ArrayList<>();
        Matcher m = IMPORT.matcher(Files.readString(file));
        while (m.find()) {
          named.add(m.group(1));
        }
        for (String line : Files.readAllLines(file)) {
          String code = line.strip();
          if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//") || code.startsWith("import ") || code.startsWith("package ")) {
            continue;
          }
          Matcher q = QUALIFIED.matcher(code);
          while (q.find()) {
            named.add(q.group(1));
          }
        }
        for (String name : named) {
          String target = longestPackagePrefix(name, packages);
          if (!target.equals(from)) {
            targets.add(target);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return uses;
  }

  private static String packageOf(Path file) {
    return SOURCES.relativize(file.getParent()).toString().replace('/', '.');
  }

  // An import names a class, maybe a nested one: its package is the longest known package it starts with.
  private static String longestPackagePrefix(String imported, Set<String> packages) {
    String best = ROOT;
    for (String p : packages) {
      if (imported.startsWith(p + ".") && p.length() > best.length()) {
        best = p;
      }
    }
    return best;
  }
}
