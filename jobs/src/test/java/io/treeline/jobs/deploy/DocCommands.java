package io.treeline.jobs.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The treeline command lines of a Markdown document's code blocks: what follows {@code bin/treeline},
 * {@code treeline-jobs.jar}, {@code spark-submit-k8s.sh}, an image run ({@code docker run … treeline:dev}) or the
 * deploy README's {@code run} helper, up to the end of the shell command, split as a shell splits words.
 */
final class DocCommands {
  private static final List<String> MARKERS = List.of("bin/treeline ", "treeline-jobs.jar ", "spark-submit-k8s.sh ", "treeline:dev ");

  private DocCommands() {}

  static List<List<String>> in(Path markdown) {
    List<List<String>> commands = new ArrayList<>();
    boolean inShell = false;
    StringBuilder joined = new StringBuilder();
    for (String line : DeployTools.read(markdown).split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("```")) {
        inShell = !inShell && trimmed.equals("```bash");
        continue;
      }
      if (!inShell) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        joined.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      joined.append(trimmed);
      commands.addAll(commandsOf(joined.toString()));
      joined.setLength(0);
    }
    return commands;
  }

  private static List<List<String>> commandsOf(String line) {
    List<List<String>> commands = new ArrayList<>();
    if (line.startsWith("run ") && !line.startsWith("run()")) {
      commands.add(words(line.substring(4)));
      return commands;
    }
    for (String marker : MARKERS) {
      int at = line.indexOf(marker);
      while (at >= 0) {
        boolean imageRun = marker.equals("treeline:dev ");
        if (!imageRun || line.startsWith("docker run")) {
          commands.add(words(line.substring(at + marker.length())));
        }
        at = line.indexOf(marker, at + marker.length());
      }
    }
    return commands;
  }

  /** Shell words up to the end of one command (&&, ;, |, >, a comment or the closing quote of sh -c '…'). */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
        continue;
      }
      boolean closesOuterQuote = c == '\'' && (i + 1 == text.length() || Character.isWhitespace(text.charAt(i + 1)));
      if (c == '#' || c == ';' || c == '|' || c == '>' || c == '&' || closesOuterQuote) {
        break;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        inWord = true;
        continue;
      }
      if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
        continue;
      }
      word.append(c);
      inWord = true;
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
