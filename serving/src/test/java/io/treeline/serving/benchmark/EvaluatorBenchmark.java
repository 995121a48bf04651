package io.treeline.serving.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treeline.serving.compile.CompiledPipeline;
import io.treeline.serving.compile.Frame;
import io.treeline.serving.compile.Prediction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One prediction of a registered flights model, four ways: the compiled pipeline (inputs to
 * probability), one row at a time and in a batch of all the rows, Spark's {@code predictProbability(Vector)} on an already assembled vector (the
 * forest alone), and Spark's {@code transform} of a one-row DataFrame (the whole pipeline).
 * Run by bin/benchmark-evaluator, which trains the model and exports the rows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EvaluatorBenchmark {
  /** A model package's sparkml/ directory. */
  @Param("") public String model;

  /** JSON lines with the model's inputs (treeline sql --format json). */
  @Param("") public String rows;

  private SparkSession spark;
  private PipelineModel pipeline;
  private CompiledPipeline compiled;
  private List<double[]> numbers;
  private List<String[]> strings;
  private List<CompiledPipeline.Input> inputs;
  private ProbabilisticClassificationModel<Vector, ?> forest;
  private List<Vector> vectors;
  private List<Row> sparkRows;
  private StructType schema;
  private int next;

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() throws IOException {
    spark = SparkSession.builder().master("local[1]").appName("evaluator-benchmark").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1").getOrCreate();
    pipeline = PipelineModel.load(model);
    compiled = CompiledPipeline.compile(io.treeline.modelpackage.compiled.SparkPipelineSpecs.of(pipeline), io.treeline.modelpackage.Decision.DEFAULT);
    inputs = new ArrayList<>(compiled.inputs().values());
    numbers = new ArrayList<>();
    strings = new ArrayList<>();
    schema = new StructType();
    for (CompiledPipeline.Input input : inputs) {
      schema = schema.add(input.name(), input.numeric() ? DataTypes.DoubleType : DataTypes.StringType);
    }
    sparkRows = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : Files.readAllLines(Path.of(rows))) {
      if (!line.startsWith("{")) {
        continue;
      }
      JsonNode record = json.readTree(line);
      double[] n = new double[inputs.size()];
      String[] s = new String[inputs.size()];
      Object[] values = new Object[inputs.size()];
      for (int i = 0; i < inputs.size(); i++) {
        JsonNode value = record.get(inputs.get(i).name());
        boolean missing = value == null || value.isNull();
        if (inputs.get(i).numeric()) {
          n[i] = missing ? Double.NaN : value.asDouble();
          values[i] = missing ? null : n[i];
        } else {
          s[i] = missing ? null : value.asText();
          values[i] = s[i];
        }
      }
      numbers.add(n);
      strings.add(s);
      sparkRows.add(org.apache.spark.sql.RowFactory.create(values));
    }
    forest = (ProbabilisticClassificationModel<Vector, ?>) pipeline.stages()[pipeline.stages().length - 1];
    Dataset<Row> assembled = pipeline.transform(spark.createDataFrame(sparkRows, schema)).select(forest.getFeaturesCol());
    vectors = new ArrayList<>();
    for (Row row : assembled.collectAsList()) {
      vectors.add((Vector) row.get(0));
    }
    System.out.printf("%n%d rows, %d inputs, model %s%n", sparkRows.size(), inputs.size(), model);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    spark.stop();
  }

  private int nextRow() {
    int row = next;
    next = (next + 1) % sparkRows.size();
    return row;
  }

  private Frame frame(int row) {
    Frame frame = compiled.newFrame();
    double[] n = numbers.get(row);
    String[] s = strings.get(row);
    for (int i = 0; i < n.length; i++) {
      CompiledPipeline.Input input = inputs.get(i);
      if (input.numeric()) {
        compiled.setNumber(frame, input, n[i]);
      } else {
        compiled.setString(frame, input, s[i]);
      }
    }
    return frame;
  }

  @Benchmark
  public double compiledPipeline() {
    return compiled.predict(frame(nextRow())).probability()[1];
  }

  /** 1,000 rows (the exported ones, repeated if fewer) in one call, as batch scoring predicts them; the time printed is per row. */
  @Benchmark
  @OperationsPerInvocation(1000)
  public double compiledPipelineBatchOf1000() {
    Frame[] frames = new Frame[1000];
    for (int r = 0; r < frames.length; r++) {
      frames[r] = frame(r % sparkRows.size());
    }
    double sum = 0;
    for (Prediction prediction : compiled.predict(frames)) {
      sum += prediction.probability()[1];
    }
    return sum;
  }

  @Benchmark
  public double sparkPredictProbabilityOnAssembledVector() {
    return forest.predictProbability(vectors.get(nextRow())).apply(1);
  }

  @Benchmark
  public double sparkTransformOfOneRowDataFrame() {
    Dataset<Row> one = spark.createDataFrame(List.of(sparkRows.get(nextRow())), schema);
    return ((Vector) pipeline.transform(one).select("probability").head().get(0)).apply(1);
  }
}
