package io.treeline.modelpackage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.treeline.core.json.JsonObjects;
import io.treeline.modelpackage.compiled.PipelineSpecFile;
import io.treeline.modelpackage.compiled.SparkPipelineSpecs;
import io.treeline.modelpackage.compiled.UnsupportedStageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;

/**
 * A model in the MLflow model format with the {@code spark} flavor, so that Python loads it with
 * {@code mlflow.pyfunc.load_model} or {@code mlflow.spark.load_model}:
 *
 * <pre>
 * MLmodel            flavors spark (model_data: sparkml) and python_function (loader_module: mlflow.spark),
 *                    the input signature, the run id
 * sparkml/           the Spark PipelineModel
 * requirements.txt, python_env.yaml, conda.yaml   the Python environment that loads it
 * treeline.json      the {@link ModelManifest}: feature views, entity keys, input schema, training-set versions, metrics
 * compiled-pipeline.bin   the pipeline as plain data ({@link PipelineSpecFile}), which a server loads without Spark;
 *                    absent when a stage is one serving does not support
 * </pre>
 */
public final class ModelPackage {
  public static final String MLMODEL = "MLmodel";
  public static final String SPARKML = "sparkml";
  public static final String TREELINE_JSON = ModelManifest.FILE;
  public static final String COMPILED_PIPELINE = "compiled-pipeline.bin";
  /** The MLflow release this format is written for and tested against (bin/test installs it). */
  public static final String MLFLOW_VERSION = "3.17.2";
  /**
   * The PySpark that loads the package: the Spark this Treeline is built on (a test holds the two
   * equal). A literal, so that reading a manifest loads no Spark class in a server without Spark.
   */
  public static final String PYSPARK_VERSION = "4.2.0";
  public static final String PYTHON_VERSION = "3.11";
  /** PySpark 4.2 supports pandas 2.x only. */
  public static final String PANDAS = "pandas<3";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .disable(YAMLGenerator.Feature.SPLIT_LINES));

  private ModelPackage() {}

  /** Writes the package into {@code directory} (local or a lake URI), replacing what is there; the manifest's input schema becomes the signature. */
  public static void write(PipelineModel model, String directory, ModelManifest manifest, String runId, Configuration hadoop) {
    try {
      model.write().overwrite().save(directory + "/" + SPARKML);
      FileSystem fs = new Path(directory).getFileSystem(hadoop);
      put(fs, directory + "/" + TREELINE_JSON, manifest.toJson());
      Optional<byte[]> compiled = compiled(model);
      if (compiled.isPresent()) {
        put(fs, directory + "/" + COMPILED_PIPELINE, compiled.get());
      }
      put(fs, directory + "/" + MLMODEL, mlmodelYaml(manifest.inputSchema(), runId, Instant.now()));
      put(fs, directory + "/requirements.txt", requirements().getBytes(StandardCharsets.UTF_8));
      put(fs, directory + "/python_env.yaml", YAML.writeValueAsBytes(pythonEnv()));
      put(fs, directory + "/conda.yaml", YAML.writeValueAsBytes(conda()));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the model package " + directory, e);
    }
  }

  /** The pipeline's compiled form, or empty when a stage is one serving does not support (it serves through Spark's refusal then). */
  private static Optional<byte[]> compiled(PipelineModel model) {
    try {
      return Optional.of(PipelineSpecFile.write(SparkPipelineSpecs.of(model)));
    } catch (UnsupportedStageException e) {
      return Optional.empty();
    }
  }

  /** Reads the manifest of a package in the lake (local or a lake URI). */
  public static ModelManifest readManifest(String directory, Configuration hadoop) {
    Path path = new Path(directory + "/" + TREELINE_JSON);
    try (InputStream in = path.getFileSystem(hadoop).open(path)) {
      return ModelManifest.parse(in.readAllBytes(), path.toString());
    } catch (IOException e) {
      throw ManifestJson.unreadable(path.toString(), e);
    }
  }

  static byte[] mlmodelYaml(List<ModelManifest.InputColumn> inputs, String runId, Instant created) throws IOException {
    return YAML.writeValueAsBytes(mlmodel(inputs, runId, created));
  }

  private static Map<String, Object> mlmodel(List<ModelManifest.InputColumn> inputs, String runId, Instant created) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("artifact_path", "model");
    Map<String, Object> flavors = new LinkedHashMap<>();
    flavors.put("python_function", JsonObjects.of(
        "data", SPARKML,
        "env", JsonObjects.of("conda", "conda.yaml", "virtualenv", "python_env.yaml"),
        "loader_module", "mlflow.spark",
        "python_version", PYTHON_VERSION));
    flavors.put("spark", JsonObjects.of(
        "code", null,
        "model_class", "pyspark.ml.pipeline.PipelineModel",
        "model_data", SPARKML,
        "pyspark_version", PYSPARK_VERSION));
    doc.put("flavors", flavors);
    doc.put("mlflow_version", MLFLOW_VERSION);
    doc.put("model_uuid", UUID.randomUUID().toString().replace("-", ""));
    if (runId != null) {
      doc.put("run_id", runId);
    }
    List<Map<String, Object>> columns = new ArrayList<>();
    for (ModelManifest.InputColumn input : inputs) {
      // Inputs may be missing (null) in a request: the pipeline imputes them, as in training.
      columns.add(JsonObjects.of("type", input.type(), "name", input.name(), "required", false));
    }
    doc.put("signature", JsonObjects.of(
        "inputs", new ObjectMapper().writeValueAsString(columns),
        "outputs", new ObjectMapper().writeValueAsString(List.of(JsonObjects.of("type", "double", "required", true))),
        "params", null));
    doc.put("utc_time_created", DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC).format(created));
    return doc;
  }

  static String requirements() {
    return "mlflow==" + MLFLOW_VERSION + "\npyspark==" + PYSPARK_VERSION + "\n" + PANDAS + "\n";
  }

  private static Map<String, Object> pythonEnv() {
    return JsonObjects.of("python", PYTHON_VERSION, "build_dependencies", List.of("pip"), "dependencies", List.of("-r requirements.txt"));
  }

  private static Map<String, Object> conda() {
    return JsonObjects.of("channels", List.of("conda-forge"), "dependencies",
        List.of("python=" + PYTHON_VERSION, "pip", JsonObjects.of("pip", List.of("mlflow==" + MLFLOW_VERSION, "pyspark==" + PYSPARK_VERSION, PANDAS))),
        "name", "mlflow-env");
  }

  private static void put(FileSystem fs, String file, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(new Path(file), true)) {
      out.write(bytes);
    }
  }
}
