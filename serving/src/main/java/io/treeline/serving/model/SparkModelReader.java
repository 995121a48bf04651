package io.treeline.serving.model;

import io.treeline.modelpackage.compiled.PipelineSpec;
import io.treeline.modelpackage.compiled.SparkPipelineSpecs;
import java.nio.file.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a package that has no {@code compiled-pipeline.bin} (written by a Treeline before it
 * existed) through Spark ML's own loader. The only class of the server that touches Spark, and only
 * for such a package: it starts a local SparkSession if the process has none.
 */
final class SparkModelReader {
  private static final Logger LOG = LoggerFactory.getLogger(SparkModelReader.class);

  private SparkModelReader() {}

  static PipelineSpec spec(Path sparkml) {
    try {
      Class.forName("org.apache.spark.ml.PipelineModel", false, SparkModelReader.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("the model package has no compiled-pipeline.bin (it was written by an older Treeline), and this"
          + " server has no Spark to read its Spark ML model: run `treeline models compile NAME/VERSION` for this version once (it adds the"
          + " file), or serve it with the full Treeline distribution");
    }
    LOG.warn("The model package has no compiled-pipeline.bin (an older Treeline wrote it); reading its Spark ML model with a local"
        + " SparkSession instead, which is slower to start. `treeline models compile NAME/VERSION` adds the file to the version.");
    if (SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty()) {
      SparkSession.builder().master("local[1]").appName("treeline-serve-model-reader").config("spark.ui.enabled", "false").getOrCreate();
    }
    return SparkPipelineSpecs.of(PipelineModel.load(sparkml.toUri().toString()));
  }
}
