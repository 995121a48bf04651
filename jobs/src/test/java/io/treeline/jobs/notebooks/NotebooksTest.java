package io.treeline.jobs.notebooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What is committed under notebooks/. Their headless run is in QuickstartTest, on the lake the quickstart writes. */
class NotebooksTest {

  @Test
  void the_four_notebooks_are_there() {
    assertThat(Notebooks.all()).extracting(p -> p.getFileName().toString())
        .containsExactly("01-explore-features.ipynb", "02-training-runs-and-models.ipynb", "03-serving-api.ipynb", "04-model-monitoring.ipynb");
  }

  @Test
  void committed_notebooks_carry_no_outputs_and_no_execution_counts() throws IOException {
    List<String> dirty = new ArrayList<>();
    for (Path notebook : Notebooks.all()) {
      JsonNode cells = new ObjectMapper().readTree(notebook.toFile()).path("cells");
      assertThat(cells.size()).as(notebook.toString()).isGreaterThan(3);
      for (int i = 0; i < cells.size(); i++) {
        JsonNode cell = cells.get(i);
        if (cell.path("cell_type").asText().equals("code")
            && (!cell.path("outputs").isEmpty() || (cell.has("execution_count") && !cell.get("execution_count").isNull()) || cell.path("metadata").has("execution"))) {
          dirty.add(notebook.getFileName() + " cell " + i);
        }
      }
    }
    assertThat(dirty).as("cells with outputs; strip them with: python notebooks/tools/strip_outputs.py notebooks/*.ipynb").isEmpty();
  }
}
