package io.treeline.registry;

import io.treeline.modelpackage.ModelPackage;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Python virtual environment bin/test creates (mlflow and pyspark at the pinned versions, and what the
 * notebooks need):
 * {@code TREELINE_PYTHON_VENV}, else the default place under ~/.cache/treeline.
 */
public final class PythonEnv {
  private PythonEnv() {}

  public static Path venv() {
    String configured = System.getenv("TREELINE_PYTHON_VENV");
    Path venv = configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "treeline",
            "venv-mlflow-" + ModelPackage.MLFLOW_VERSION + "-pyspark-" + ModelPackage.PYSPARK_VERSION
                + "-pandas2-delta-4.4.0-deltars-1.6.6-nbclient-0.11.0-tritonclient-2.73.0-promclient-0.26.0");
    if (!Files.isExecutable(venv.resolve("bin/python"))) {
      throw new IllegalStateException("No Python venv with MLflow at " + venv + ": run bin/test once (it creates it), "
          + "or set TREELINE_PYTHON_VENV to a venv with mlflow==" + ModelPackage.MLFLOW_VERSION + " and pyspark==" + ModelPackage.PYSPARK_VERSION);
    }
    return venv;
  }

  public static Path bin(String program) {
    return venv().resolve("bin").resolve(program);
  }
}
