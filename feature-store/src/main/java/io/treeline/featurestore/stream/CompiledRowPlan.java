package io.treeline.featurestore.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.catalyst.expressions.BasePredicate;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Predicate;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.execution.LogicalRDD;
import org.apache.spark.sql.types.StructType;

/**
 * A DataFrame plan of projections and filters, planned and compiled (Spark's generated code) once,
 * then run in the calling thread over each handful of rows: the same expressions, cast rules and
 * session settings as the plan on a cluster, without the planning and the job that a DataFrame would
 * cost per handful. Plans that need anything more (a join, an aggregate) are refused when compiled.
 */
final class CompiledRowPlan {
  private final ExpressionEncoder.Serializer<Row> in;
  private final List<Object> steps = new ArrayList<>();
  private final ExpressionEncoder.Deserializer<Row> out;
  private final StructType outputSchema;

  /**
   * @param input the schema of the rows the plan is given
   * @param plan builds the plan from a DataFrame of such rows
   */
  CompiledRowPlan(SparkSession spark, StructType input, UnaryOperator<Dataset<Row>> plan) {
    Dataset<Row> source = spark.createDataFrame(new JavaSparkContext(spark.sparkContext()).<Row>emptyRDD(), input);
    Dataset<Row> planned = plan.apply(source);
    compile(planned.queryExecution().optimizedPlan());
    ExpressionEncoder<Row> inputEncoder = ExpressionEncoder.apply(input, true); // lenient: Timestamp or Instant, LocalDate or Date
    this.in = inputEncoder.createSerializer();
    this.outputSchema = planned.schema();
    ExpressionEncoder<Row> outputEncoder = ExpressionEncoder.apply(outputSchema);
    this.out = outputEncoder.resolveAndBind(outputEncoder.resolveAndBind$default$1(), outputEncoder.resolveAndBind$default$2()).createDeserializer();
  }

  StructType outputSchema() {
    return outputSchema;
  }

  /** Compiles the plan's nodes leaf first into {@link #steps}: a projection or a predicate each. */
  private void compile(LogicalPlan node) {
    if (node instanceof LogicalRDD) {
      return;
    }
    if (node instanceof Project project) {
      compile(project.child());
      UnsafeProjection projection = UnsafeProjection.create(expressions(project.projectList()), project.child().output());
      projection.initialize(0);
      steps.add(projection);
    } else if (node instanceof Filter filter) {
      compile(filter.child());
      BasePredicate predicate = Predicate.create(filter.condition(), filter.child().output());
      predicate.initialize(0);
      steps.add(predicate);
    } else {
      throw new IllegalStateException("cannot run a " + node.nodeName() + " row by row: " + node.simpleString(200));
    }
  }

  /** A project list as expressions (Scala's Seq is covariant; Java's generics are not). */
  @SuppressWarnings("unchecked")
  private static scala.collection.immutable.Seq<Expression> expressions(Object projectList) {
    return (scala.collection.immutable.Seq<Expression>) projectList;
  }

  /** The rows the plan gives for these (in their order). */
  List<Row> run(List<Row> rows) {
    List<Row> results = new ArrayList<>(rows.size());
    for (Row row : rows) {
      InternalRow current = in.apply(row);
      boolean kept = true;
      for (Object step : steps) {
        if (step instanceof BasePredicate predicate) {
          if (!predicate.eval(current)) {
            kept = false;
            break;
          }
        } else {
          current = ((UnsafeProjection) step).apply(current);
        }
      }
      if (kept) {
        results.add(out.apply(current));
      }
    }
    return results;
  }
}
