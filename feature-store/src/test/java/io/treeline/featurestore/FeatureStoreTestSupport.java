package io.treeline.featurestore;

import io.treeline.core.lake.TableName;
import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import io.treeline.featurestore.spec.FeatureView;
import io.treeline.featurestore.spec.FeatureViewParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds hand-made source tables and views in a temporary lake. */
public final class FeatureStoreTestSupport {
  private FeatureStoreTestSupport() {}

  /** Writes the rows of a SQL query as the Delta table {@code name} of the lake. */
  public static void table(TempLake lake, String name, String query) {
    TestSpark.session().sql(query).write().format("delta").mode("overwrite").option("overwriteSchema", "true")
        .save(lake.layout().table(TableName.parse(name)));
  }

  /** Parses feature views from YAML text written to a file in the lake's directory. */
  public static List<FeatureView> views(TempLake lake, String yaml) {
    try {
      Path file = Files.createTempFile(lake.root(), "views", ".yaml");
      Files.writeString(file, yaml);
      return FeatureViewParser.parse(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static FeatureView view(TempLake lake, String yaml) {
    return views(lake, yaml).get(0);
  }
}
