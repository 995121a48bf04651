package io.treeline.jobs.runtime;

import io.treeline.core.lake.LakeHadoop;
import io.treeline.core.config.TreelineConfig;
import io.treeline.core.lake.LakeAccess;
import io.treeline.core.lake.LakeCatalog;
import io.treeline.core.lake.LakeLayout;
import io.treeline.core.spark.SparkSessions;
import io.treeline.registry.ModelRegistries;
import io.treeline.registry.ModelRegistry;
import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * What a job may use: the configuration, the lake, the console and — started on first use — the
 * process's one SparkSession with the lake's tables registered.
 */
public final class JobContext implements AutoCloseable {
  private final TreelineConfig config;
  private final LakeLayout layout;
  private final PrintStream out;
  private final Progress progress;
  private SparkSession spark;
  private boolean ownsSpark;
  private ModelRegistry registry;

  public JobContext(TreelineConfig config, PrintStream out, Progress progress) {
    this.config = config;
    this.layout = LakeLayout.at(config.lakeRoot());
    this.out = out;
    this.progress = progress;
  }

  public TreelineConfig config() {
    return config;
  }

  public LakeLayout layout() {
    return layout;
  }

  /** Where jobs tell the user what they did. */
  public PrintStream out() {
    return out;
  }

  public Progress progress() {
    return progress;
  }

  public synchronized SparkSession spark() {
    if (spark == null) {
      String previous = progress.status();
      progress.status("starting Spark");
      // A session that already exists (a notebook's, a test's) belongs to its creator: never stop it.
      ownsSpark = SparkSession.getDefaultSession().isEmpty() && !SparkSessions.launchedBySparkSubmit();
      spark = SparkSessions.create(config, "treeline");
      SparkProgressListener.attach(spark, progress);
      new LakeCatalog(spark, layout).registerAll();
      progress.status(previous);
    }
    return spark;
  }

  /** The configured model registry (registry.type), opened on first use. */
  public synchronized ModelRegistry registry() {
    if (registry == null) {
      registry = ModelRegistries.open(config, layout, this::hadoopConf);
    }
    return registry;
  }

  /** Hadoop settings for lake I/O: the session's when Spark runs, plain defaults otherwise. */
  public Configuration hadoopConf() {
    return spark != null ? spark.sparkContext().hadoopConfiguration() : LakeHadoop.configuration(config);
  }

  /** Fails with exit 2 and the reason when the lake root cannot be written. */
  public void requireWritableLake() {
    LakeAccess.requireWritable(layout, hadoopConf());
  }

  @Override
  public void close() {
    progress.close();
    if (registry != null) {
      registry.close();
    }
    if (spark != null && ownsSpark) {
      spark.stop();
    }
  }
}
