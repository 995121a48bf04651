package io.treeline.jobs.runtime;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/** Feeds a job's {@link Progress} from Spark's stages and tasks. */
final class SparkProgressListener extends SparkListener {
  private final Progress progress;

  private SparkProgressListener(Progress progress) {
    this.progress = progress;
  }

  static void attach(SparkSession spark, Progress progress) {
    spark.sparkContext().addSparkListener(new SparkProgressListener(progress));
    progress.start();
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    progress.stageSubmitted(event.stageInfo().numTasks());
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    progress.stageCompleted();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    progress.taskEnded(event.taskMetrics() == null ? 0 : event.taskMetrics().outputMetrics().recordsWritten());
  }
}
