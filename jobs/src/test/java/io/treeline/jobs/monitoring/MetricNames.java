package io.treeline.jobs.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names that PromQL expressions use, and those a scrape exposes. */
final class MetricNames {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  // Aggregation operators too: in "sum by (job) (x)" a grouping clause stands between sum and its parenthesis.
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
      "group_left", "group_right", "inf", "nan", "Inf", "NaN", "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
      "count_values", "bottomk", "topk", "quantile");

  private MetricNames() {}

  /**
   * The metric names in {@code expr}: identifiers that are not functions (followed by a parenthesis),
   * keywords, label names (inside braces or grouping clauses), durations (inside brackets) or strings.
   */
  static Set<String> inExpression(String expr) {
    String text = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ")
        .replaceAll("'(?:[^'\\\\]|\\\\.)*'", " ")
        .replaceAll("`[^`]*`", " ")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " $1 ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(text);
    while (m.find()) {
      String name = m.group();
      char before = m.start() == 0 ? ' ' : text.charAt(m.start() - 1);
      boolean function = text.substring(m.end()).stripLeading().startsWith("(");
      // 1e3 or 0.5e-2: part of a number, and $datasource-style Grafana variables, are not metrics.
      if (function || KEYWORDS.contains(name) || Character.isDigit(before) || before == '.' || before == '$') {
        continue;
      }
      names.add(name);
    }
    return names;
  }

  /** The recording rules' names and every rule's expression of a Prometheus rule file. */
  record Rules(Set<String> recorded, List<String> expressions) {}

  static Rules rules(Path file) throws IOException {
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    Set<String> recorded = new TreeSet<>();
    List<String> expressions = new ArrayList<>();
    for (JsonNode group : doc.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("record")) {
          recorded.add(rule.path("record").asText());
        }
        expressions.add(rule.path("expr").asText());
      }
    }
    return new Rules(recorded, expressions);
  }

  /** Every target expression of a Grafana dashboard, in rows and panels alike. */
  static List<String> dashboardExpressions(Path file) throws IOException {
    List<String> expressions = new ArrayList<>();
    new ObjectMapper().readTree(file.toFile()).findValues("targets").forEach(targets -> targets.forEach(t -> {
      if (t.hasNonNull("expr")) {
        expressions.add(t.path("expr").asText());
      }
    }));
    return expressions;
  }

  /** The sample names of a scrape in the text exposition format (histograms' _bucket, _sum and _count included). */
  static Set<String> inScrape(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = IDENTIFIER.matcher(line);
      if (m.lookingAt()) {
        names.add(m.group());
      }
    }
    return names;
  }
}
