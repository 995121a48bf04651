package io.treeline.serving.request;

/**
 * A request feature derived from request fields, compiled from the pipeline's SQL expression
 * ({@code hour(departure_time)}): evaluated over a record's values, NaN when an input is missing.
 */
@FunctionalInterface
public interface RequestExpression {
  double evaluate(Object[] values);
}
