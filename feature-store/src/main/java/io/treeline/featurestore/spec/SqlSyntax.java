package io.treeline.featurestore.spec;

import java.util.Optional;

/**
 * Checks a view's SQL expression with Spark's own parser. A process without Spark (a prediction
 * server, which reads a view's names and ttl only) takes the expression as written: the jobs that
 * evaluate it check it.
 */
final class SqlSyntax {
  private static final boolean SPARK = present("org.apache.spark.sql.catalyst.parser.CatalystSqlParser");

  private SqlSyntax() {}

  /** Why {@code expression} does not parse, or empty when it does (or Spark is not here to say). */
  static Optional<String> problem(String expression) {
    if (!SPARK) {
      return Optional.empty();
    }
    try {
      org.apache.spark.sql.catalyst.parser.CatalystSqlParser$.MODULE$.parseExpression(expression);
      return Optional.empty();
    } catch (Exception e) { // Spark's ParseException is checked but thrown undeclared
      return Optional.of(e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("").trim());
    }
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, SqlSyntax.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
