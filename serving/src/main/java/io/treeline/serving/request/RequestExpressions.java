package io.treeline.serving.request;

import java.time.LocalDateTime;
import java.time.temporal.IsoFields;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.expressions.Add;
import org.apache.spark.sql.catalyst.expressions.BinaryArithmetic;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Divide;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.Multiply;
import org.apache.spark.sql.catalyst.expressions.Remainder;
import org.apache.spark.sql.catalyst.expressions.Subtract;
import org.apache.spark.sql.catalyst.expressions.UnaryMinus;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.ShortType;
import scala.jdk.javaapi.CollectionConverters;

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

  private RequestExpressions() {}

  public static RequestExpression compile(String sql, Columns columns) {
    Expression parsed;
    try {
      parsed = CatalystSqlParser$.MODULE$.parseExpression(sql);
    } catch (Exception e) { // Spark's ParseException is checked but thrown undeclared
      throw new UnsupportedExpressionException(sql, "it does not parse: " + e.getMessage());
    }
    return new RequestExpressions.Compiler(sql, columns).number(parsed);
  }

  private record Compiler(String sql, Columns columns) {
    RequestExpression number(Expression e) {
      if (e instanceof Literal literal && literal.dataType() instanceof NumericType) {
        double value = Double.parseDouble(literal.value().toString());
        return values -> value;
      }
      if (e instanceof UnresolvedAttribute attribute) {
        int slot = columns.slot(attribute.name(), FieldType.NUMBER);
        return values -> values[slot] == null ? Double.NaN : (Double) values[slot];
      }
      if (e instanceof Cast cast && cast.dataType() instanceof NumericType type) {
        return cast(number(cast.child()), type);
      }
      if (e instanceof UnaryMinus minus) {
        RequestExpression child = number(minus.child());
        return values -> -child.evaluate(values);
      }
      if (e instanceof BinaryArithmetic arithmetic) {
        RequestExpression left = number(arithmetic.left());
        RequestExpression right = number(arithmetic.right());
        if (e instanceof Add) {
          return values -> left.evaluate(values) + right.evaluate(values);
        }
        if (e instanceof Subtract) {
          return values -> left.evaluate(values) - right.evaluate(values);
        }
        if (e instanceof Multiply) {
          return values -> left.evaluate(values) * right.evaluate(values);
        }
        if (e instanceof Divide) {
          // Spark gives null for a division by zero; null reaches the model as missing.
          return values -> {
            double divisor = right.evaluate(values);
            return divisor == 0 ? Double.NaN : left.evaluate(values) / divisor;
          };
        }
        if (e instanceof Remainder) {
          return values -> {
            double divisor = right.evaluate(values);
            return divisor == 0 ? Double.NaN : left.evaluate(values) % divisor;
          };
        }
      }
      if (e instanceof UnresolvedFunction function) {
        return function(function);
      }
      throw new UnsupportedExpressionException(sql, "'" + e.sql() + "' is not supported in serving; request features may use columns,"
          + " numbers, + - * / %, casts to numbers and " + String.join(", ", DATE_PARTS));
    }

    /** Spark's cast of a number: integral types truncate toward zero, float and decimal round; a value that does not fit is null (NaN). */
    private RequestExpression cast(RequestExpression child, NumericType type) {
      if (type instanceof DoubleType) {
        return child;
      }
      if (type instanceof FloatType) {
        return values -> (double) (float) child.evaluate(values);
      }
      if (type instanceof DecimalType decimal) {
        return values -> {
          double v = child.evaluate(values);
          if (!Double.isFinite(v)) {
            return Double.NaN;
          }
          BigDecimal rounded = new BigDecimal(v).setScale(decimal.scale(), RoundingMode.HALF_UP);
          return rounded.precision() - rounded.scale() > decimal.precision() - decimal.scale() ? Double.NaN : rounded.doubleValue();
        };
      }
      double min;
      double max;
      if (type instanceof ByteType) {
        min = Byte.MIN_VALUE;
        max = Byte.MAX_VALUE;
      } else if (type instanceof ShortType) {
        min = Short.MIN_VALUE;
        max = Short.MAX_VALUE;
      } else if (type instanceof IntegerType) {
        min = Integer.MIN_VALUE;
        max = Integer.MAX_VALUE;
      } else if (type instanceof LongType) {
        min = Long.MIN_VALUE;
        max = Long.MAX_VALUE;
      } else {
        throw new UnsupportedExpressionException(sql, "a cast to " + type.simpleString() + " is not supported in serving");
      }
      return values -> {
        double v = child.evaluate(values);
        double truncated = v < 0 ? Math.ceil(v) : Math.floor(v);
        return Double.isNaN(v) || truncated < min || truncated > max ? Double.NaN : truncated;
      };
    }

    private RequestExpression function(UnresolvedFunction function) {
      String name = String.join(".", CollectionConverters.asJava(function.nameParts())).toLowerCase(java.util.Locale.ROOT);
      List<Expression> arguments = CollectionConverters.asJava(function.arguments());
      ToDoubleFunction<LocalDateTime> part = datePart(name);
      if (part == null) {
        throw new UnsupportedExpressionException(sql, "the function " + name + "() is not supported in serving; supported: "
            + String.join(", ", DATE_PARTS) + " of a timestamp column");
      }
      if (arguments.size() != 1 || !(arguments.get(0) instanceof UnresolvedAttribute column)) {
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
