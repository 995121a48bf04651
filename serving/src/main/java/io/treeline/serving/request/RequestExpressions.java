package io.treeline.serving.request;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDateTime;
import java.time.temporal.IsoFields;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Compiles a request feature's Spark SQL expression into plain Java, once, when a model loads. It
 * covers what request features are made of — columns, numbers, arithmetic, casts to numbers and
 * the date-part functions with Spark's own conventions ({@code dayofweek}: 1 = Sunday) — and
 * refuses anything else by name, so a model that serving cannot reproduce never starts serving.
 */
public final class RequestExpressions {
  /** Resolves a column the expression reads to its slot among the record's values, given the type its use implies. */
  public interface Columns {
    int slot(String column, FieldType type);
  }

  static final List<String> DATE_PARTS = List.of("year", "quarter", "month", "day", "dayofmonth", "dayofweek", "weekday",
      "dayofyear", "weekofyear", "hour", "minute", "second");

  /** The numeric types a cast may name, as the parser spells them. */
  private static final Set<String> NUMERIC_TYPES = Set.of("tinyint", "smallint", "int", "bigint", "float", "double", "decimal");

  private RequestExpressions() {}

  public static RequestExpression compile(String sql, Columns columns) {
    ExpressionSyntax.Node parsed;
    try {
      parsed = ExpressionSyntax.parse(sql);
    } catch (IllegalArgumentException e) {
      throw new UnsupportedExpressionException(sql, "it does not parse as a request feature expression: " + e.getMessage());
    }
    return new RequestExpressions.Compiler(sql, columns).number(parsed);
  }

  private record Compiler(String sql, Columns columns) {
    RequestExpression number(ExpressionSyntax.Node e) {
      if (e instanceof ExpressionSyntax.Number number) {
        double value = number.value();
        return values -> value;
      }
      if (e instanceof ExpressionSyntax.Column column) {
        int slot = columns.slot(column.name(), FieldType.NUMBER);
        return values -> values[slot] == null ? Double.NaN : (Double) values[slot];
      }
      if (e instanceof ExpressionSyntax.Cast cast && NUMERIC_TYPES.contains(cast.type())) {
        return cast(number(cast.child()), cast);
      }
      if (e instanceof ExpressionSyntax.Negate minus) {
        RequestExpression child = number(minus.child());
        return values -> -child.evaluate(values);
      }
      if (e instanceof ExpressionSyntax.Binary arithmetic) {
        RequestExpression left = number(arithmetic.left());
        RequestExpression right = number(arithmetic.right());
        switch (arithmetic.operator()) {
          case '+':
            return values -> left.evaluate(values) + right.evaluate(values);
          case '-':
            return values -> left.evaluate(values) - right.evaluate(values);
          case '*':
            return values -> left.evaluate(values) * right.evaluate(values);
          case '/':
            // Spark gives null for a division by zero; null reaches the model as missing.
            return values -> {
              double divisor = right.evaluate(values);
              return divisor == 0 ? Double.NaN : left.evaluate(values) / divisor;
            };
          default:
            return values -> {
              double divisor = right.evaluate(values);
              return divisor == 0 ? Double.NaN : left.evaluate(values) % divisor;
            };
        }
      }
      if (e instanceof ExpressionSyntax.Call function) {
        return function(function);
      }
      throw new UnsupportedExpressionException(sql, "'" + e.sql() + "' is not supported in serving; request features may use columns,"
          + " numbers, + - * / %, casts to numbers and " + String.join(", ", DATE_PARTS));
    }

    /** Spark's cast of a number: integral types truncate toward zero, float and decimal round; a value that does not fit is null (NaN). */
    private RequestExpression cast(RequestExpression child, ExpressionSyntax.Cast type) {
      if (type.type().equals("double")) {
        return child;
      }
      if (type.type().equals("float")) {
        return values -> (double) (float) child.evaluate(values);
      }
      if (type.type().equals("decimal")) {
        int scale = type.scale();
        int integerDigits = type.precision() - type.scale();
        return values -> {
          double v = child.evaluate(values);
          if (!Double.isFinite(v)) {
            return Double.NaN;
          }
          BigDecimal rounded = new BigDecimal(v).setScale(scale, RoundingMode.HALF_UP);
          return rounded.precision() - rounded.scale() > integerDigits ? Double.NaN : rounded.doubleValue();
        };
      }
      double min;
      double max;
      switch (type.type()) {
        case "tinyint" -> {
          min = Byte.MIN_VALUE;
          max = Byte.MAX_VALUE;
        }
        case "smallint" -> {
          min = Short.MIN_VALUE;
          max = Short.MAX_VALUE;
        }
        case "int" -> {
          min = Integer.MIN_VALUE;
          max = Integer.MAX_VALUE;
        }
        default -> {
          min = Long.MIN_VALUE;
          max = Long.MAX_VALUE;
        }
      }
      return values -> {
        double v = child.evaluate(values);
        double truncated = v < 0 ? Math.ceil(v) : Math.floor(v);
        return Double.isNaN(v) || truncated < min || truncated > max ? Double.NaN : truncated;
      };
    }

    private RequestExpression function(ExpressionSyntax.Call function) {
      String name = function.function().toLowerCase(java.util.Locale.ROOT);
      List<ExpressionSyntax.Node> arguments = function.arguments();
      ToDoubleFunction<LocalDateTime> part = datePart(name);
      if (part == null) {
        throw new UnsupportedExpressionException(sql, "the function " + name + "() is not supported in serving; supported: "
            + String.join(", ", DATE_PARTS) + " of a timestamp column");
      }
      if (arguments.size() != 1 || !(arguments.get(0) instanceof ExpressionSyntax.Column column)) {
        throw new UnsupportedExpressionException(sql, name + "() takes one timestamp column in serving");
      }
      int slot = columns.slot(column.name(), FieldType.TIMESTAMP);
      return values -> values[slot] == null ? Double.NaN : part.applyAsDouble((LocalDateTime) values[slot]);
    }
  }

  private static ToDoubleFunction<LocalDateTime> datePart(String name) {
    return switch (name) {
      case "year" -> LocalDateTime::getYear;
      case "quarter" -> t -> (t.getMonthValue() - 1) / 3 + 1;
      case "month" -> LocalDateTime::getMonthValue;
      case "day", "dayofmonth" -> LocalDateTime::getDayOfMonth;
      case "dayofweek" -> t -> t.getDayOfWeek().getValue() % 7 + 1; // Spark: 1 = Sunday ... 7 = Saturday
      case "weekday" -> t -> t.getDayOfWeek().getValue() - 1; // Spark: 0 = Monday ... 6 = Sunday
      case "dayofyear" -> LocalDateTime::getDayOfYear;
      case "weekofyear" -> t -> t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
      case "hour" -> LocalDateTime::getHour;
      case "minute" -> LocalDateTime::getMinute;
      case "second" -> LocalDateTime::getSecond;
      default -> null;
    };
  }
}
