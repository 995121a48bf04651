package io.treeline.jobs.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Versions of Treeline and of the Spark and Delta actually on the classpath. */
public final class TreelineVersion {
  private TreelineVersion() {}

  public static String treeline() {
    Properties build = new Properties();
    try (InputStream in = TreelineVersion.class.getResourceAsStream("/io/treeline/jobs/build.properties")) {
      if (in != null) {
        build.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return build.getProperty("version", "unknown");
  }

  public static String spark() {
    return org.apache.spark.package$.MODULE$.SPARK_VERSION();
  }

  public static String delta() {
    return io.delta.package$.MODULE$.VERSION();
  }

  public static String describe() {
    return "treeline " + treeline() + " (Spark " + spark() + ", Delta " + delta() + ", Java " + System.getProperty("java.version") + ")";
  }
}
