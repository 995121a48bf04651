"""What the Treeline notebooks share: where the lake, the registry and the server are (from the
environment, see README.md), a SparkSession that reads Delta, delta-rs for small reads without a JVM, and readers
for runs and model versions.

The lake layout is Treeline's (docs/configuration.md): Delta tables under tables/<namespace>/<table>,
training runs under runs/<run id>/, the lake registry's model packages under models/<name>/<version>/.
"""

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

NOTEBOOKS_DIR = Path(__file__).resolve().parent
DELTA_SPARK_VERSION = "4.4.0"  # the Delta line built for Spark 4.2, as the Java side uses


def lake_root():
    """TREELINE_LAKE_ROOT, else ../lake beside the notebooks: where `bin/treeline quickstart` writes it."""
    root = Path(os.environ.get("TREELINE_LAKE_ROOT") or NOTEBOOKS_DIR.parent / "lake").expanduser().resolve()
    if not (root / "tables").is_dir():
        raise FileNotFoundError(
            f"Cannot open the Treeline lake at {root}: it has no tables/ directory. "
            "Run bin/treeline quickstart (it writes ./lake), or set TREELINE_LAKE_ROOT to a lake's root directory.")
    return root


def serving_url():
    """TREELINE_SERVING_URL, else http://localhost:8080 (where `bin/treeline serve` listens)."""
    return (os.environ.get("TREELINE_SERVING_URL") or "http://localhost:8080").rstrip("/")


def registry_type():
    """TREELINE_REGISTRY_TYPE: `lake` (default, the lake's own registry) or `mlflow` (MLFLOW_TRACKING_URI)."""
    kind = (os.environ.get("TREELINE_REGISTRY_TYPE") or "lake").strip().lower()
    if kind not in ("lake", "mlflow"):
        raise ValueError(f"Cannot use registry type '{kind}' from TREELINE_REGISTRY_TYPE: use lake or mlflow.")
    if kind == "mlflow" and not os.environ.get("MLFLOW_TRACKING_URI"):
        raise ValueError("Cannot read the MLflow registry: MLFLOW_TRACKING_URI is not set. "
                         "Set it to the tracking server Treeline registers in (registry.mlflow.tracking-uri).")
    return kind


def table_path(name):
    """The directory of a lake table named `namespace.table`, e.g. features.origin_delays."""
    namespace, _, table = name.partition(".")
    return str(lake_root() / "tables" / namespace / table)


def spark_session(app_name="treeline-notebook"):
    """A local SparkSession with Delta. TREELINE_SPARK_JARS (comma-separated jars, e.g. the delta-spark and
    delta-storage jars Maven already has) avoids any download; without it delta-spark's pip helper asks
    Spark to fetch Delta from Maven Central once (cached in ~/.ivy2)."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.appName(app_name)
               .master(os.environ.get("TREELINE_SPARK_MASTER") or "local[2]")
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.driver.memory", os.environ.get("TREELINE_SPARK_DRIVER_MEMORY") or "2g")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4")
               # Reading a small Delta log in 50 tasks (the default) costs more than the read itself.
               .config("spark.databricks.delta.snapshotPartitions", "2")
               # Nothing is created in a catalog; keep Spark's warehouse out of the notebooks directory.
               .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "treeline-notebooks-warehouse"))
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1"))
    jars = os.environ.get("TREELINE_SPARK_JARS")
    if jars:
        missing = [jar for jar in jars.split(",") if not Path(jar).is_file()]
        if missing:
            raise FileNotFoundError(f"Cannot start Spark: TREELINE_SPARK_JARS names jars that do not exist: {missing}")
        builder = builder.config("spark.jars", jars)
    else:
        from delta import configure_spark_with_delta_pip
        builder = configure_spark_with_delta_pip(builder)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def table(spark, name):
    return spark.read.format("delta").load(table_path(name))


def delta_table(name):
    """A lake table opened with delta-rs (the `deltalake` package): its log, metadata and a pyarrow dataset,
    without a JVM. For reading a few rows or a table's properties; Spark for anything large."""
    from deltalake import DeltaTable

    return DeltaTable(table_path(name))


def lake_tables(namespace):
    """The Delta tables of a namespace (features, online, training, raw, registry), by name."""
    directory = lake_root() / "tables" / namespace
    if not directory.is_dir():
        return []
    return sorted(f"{namespace}.{d.name}" for d in directory.iterdir() if (d / "_delta_log").is_dir())


# --- training runs --------------------------------------------------------------------------------

def runs(pipeline=None):
    """Every training run in <lake>/runs (each has metrics.json), oldest first."""
    found = []
    for directory in sorted((lake_root() / "runs").glob("*/metrics.json")):
        metrics = json.loads(directory.read_text())
        if pipeline is None or metrics.get("pipeline") == pipeline:
            found.append(metrics)
    return found


def run_dir(run_id):
    directory = lake_root() / "runs" / run_id
    if not (directory / "metrics.json").is_file():
        known = [r["run_id"] for r in runs()]
        raise FileNotFoundError(f"Cannot open run {run_id}: {directory} has no metrics.json. Runs in the lake: {known}")
    return directory


def feature_importances(package_dir):
    """(input, importance) of a model package's forest, largest first: the assembler's inputs, named
    as the pipeline's inputs (Treeline's stages add __imputed and __index to the columns they make)."""
    from pyspark.ml import PipelineModel
    from pyspark.ml.feature import VectorAssembler

    model = PipelineModel.load(str(Path(package_dir) / "sparkml"))
    assembler = next(s for s in model.stages if isinstance(s, VectorAssembler))
    forest = model.stages[-1]
    names = [c.removesuffix("__imputed").removesuffix("__index") for c in assembler.getInputCols()]
    return sorted(zip(names, forest.featureImportances.toArray().tolist()), key=lambda p: -p[1])


# --- registered model versions --------------------------------------------------------------------

@dataclass
class ModelVersion:
    name: str
    version: int
    run_id: str
    status: str
    created_at: str
    aliases: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    package_dir: Path = None  # a local directory in the MLflow model format with treeline.json


def model_versions(name):
    """The registered versions of model `name`, oldest first, from the configured registry."""
    return _mlflow_versions(name) if registry_type() == "mlflow" else _lake_versions(name)


def _rows(table_name, name=None):
    """A small lake table's rows as dicts, read by delta-rs (no JVM); only model `name`'s when given."""
    import pyarrow.compute as pc

    dataset = delta_table(table_name).to_pyarrow_dataset()
    return dataset.to_table(filter=pc.field("name") == name if name is not None else None).to_pylist()


def _lake_versions(name):
    # The registry's four tables hold a few rows per model: delta-rs reads them in milliseconds, where a
    # Spark session would take seconds to start. Maps (metrics, params) come back as lists of pairs.
    versions = _rows("registry.model_versions", name)
    aliases = _rows("registry.aliases", name)
    run_rows = {r["run_id"]: r for r in _rows("registry.runs")}
    found = []
    for row in sorted(versions, key=lambda r: r["version"]):
        run = run_rows.get(row["run_id"])
        found.append(ModelVersion(
            name=name, version=int(row["version"]), run_id=row["run_id"], status=row["status"],
            created_at=str(row["created_at"]),
            aliases=sorted(a["alias"] for a in aliases if a["version"] == row["version"]),
            metrics=dict(run["metrics"] or {}) if run else {},
            params=dict(run["params"] or {}) if run else {},
            # The lake registry keeps each package at models/<name>/<version>/ (LakeLayout).
            package_dir=lake_root() / "models" / name / str(row["version"])))
    return found


def _mlflow_versions(name):
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    aliases = client.get_registered_model(name).aliases  # alias -> version
    found = []
    for mv in sorted(client.search_model_versions(f"name = '{name}'"), key=lambda v: int(v.version)):
        run = client.get_run(mv.run_id) if mv.run_id else None
        found.append(ModelVersion(
            name=name, version=int(mv.version), run_id=run.info.run_name if run else mv.run_id, status=mv.status,
            created_at=str(mv.creation_timestamp),
            aliases=sorted(a for a, v in aliases.items() if int(v) == int(mv.version)),
            metrics=dict(run.data.metrics) if run else {},
            params=dict(run.data.params) if run else {},
            package_dir=Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{mv.version}"))))
    return found
