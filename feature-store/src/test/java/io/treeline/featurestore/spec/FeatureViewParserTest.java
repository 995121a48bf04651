package io.treeline.featurestore.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.treeline.core.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureViewParserTest {
  private static final String VALID = """
      views:
        - name: origin_delays
          description: delays
          owner: team
          tags: {domain: flights}
          entities: [origin]
          source: {table: raw.flights, filter: "arrival_delay > -120"}
          event_time: departure_time
          available_at: departure_time + INTERVAL 1 HOUR
          ttl: 7d
          online: true
          features:
            - {name: n_1h, agg: count, window: 1h}
            - {name: avg_7d, expr: arrival_delay, agg: avg, window: 7d}
            - {name: last_delay, expr: arrival_delay, agg: last}
            - {name: delay, expr: arrival_delay}
      """;

  @TempDir Path dir;

  @Test
  void reads_every_field() throws IOException {
    FeatureView view = FeatureViewParser.parse(write(VALID)).get(0);

    assertThat(view.name()).isEqualTo("origin_delays");
    assertThat(view.tags()).containsEntry("domain", "flights");
    assertThat(view.entities()).containsExactly("origin");
    assertThat(view.source().describe()).isEqualTo("raw.flights");
    assertThat(view.source().filter()).contains("arrival_delay > -120");
    assertThat(view.availabilityExpression()).isEqualTo("departure_time + INTERVAL 1 HOUR");
    assertThat(view.ttl().orElseThrow().duration()).isEqualTo(Duration.ofDays(7));
    assertThat(view.online()).isTrue();
    assertThat(view.features()).extracting(FeatureSpec::name).containsExactly("n_1h", "avg_7d", "last_delay", "delay");
    assertThat(view.features().get(3).rowLevel()).isTrue();
    assertThat(view.lookback()).isEqualTo(Duration.ofDays(7));
    assertThat(view.hasUnboundedFeatures()).isTrue();
  }

  @Test
  void the_shipped_flights_views_parse() {
    List<FeatureView> views = FeatureRepository.load(Path.of("..", "conf", "features")).views();

    assertThat(views).extracting(FeatureView::name).containsExactly(
        "origin_departures", "origin_delays", "destination_delays", "route_delays", "origin_airport", "destination_airport",
        "origin_airport_stats");
    assertThat(views.get(1).availableAt()).isPresent();
  }

  @Test
  void the_definition_hash_changes_with_what_the_view_computes_and_not_with_how_it_is_described() throws IOException {
    String same = FeatureViewParser.parse(write(VALID)).get(0).definitionSha256();

    assertThat(same).matches("[0-9a-f]{64}");
    for (String reworded : List.of(VALID.replace("description: delays", "description: arrival delays"), VALID.replace("owner: team", "owner: ops"),
        VALID.replace("tags: {domain: flights}", "tags: {domain: air}"), VALID.replace("online: true", "online: false"))) {
      assertThat(FeatureViewParser.parse(write(reworded)).get(0).definitionSha256()).as(reworded).isEqualTo(same);
    }
    for (String redefined : List.of(VALID.replace("window: 7d}", "window: 6d}"), VALID.replace("agg: avg,", "agg: sum,"),
        VALID.replace("expr: arrival_delay, agg: last", "expr: departure_delay, agg: last"), VALID.replace("ttl: 7d", "ttl: 8d"),
        VALID.replace("INTERVAL 1 HOUR", "INTERVAL 2 HOURS"), VALID.replace("arrival_delay > -120", "arrival_delay > -60"),
        VALID.replace("entities: [origin]", "entities: [destination]"), VALID.replace("event_time: departure_time", "event_time: arrival_time"))) {
      assertThat(FeatureViewParser.parse(write(redefined)).get(0).definitionSha256()).as(redefined).isNotEqualTo(same);
    }
  }

  @Test
  void each_mistake_names_the_file_the_view_the_key_and_the_reason() throws IOException {
    expect(VALID.replace("owner: team", "ownr: team"), "view 'origin_delays', key 'ownr': unknown key");
    expect(VALID.replace("window: 1h}", "window: 1hour}"), "view 'origin_delays', key 'features.n_1h.window': '1hour' is not a duration");
    expect(VALID.replace("agg: avg,", "agg: mean,"), "view 'origin_delays', key 'features.avg_7d.agg': unknown aggregation 'mean'");
    expect(VALID.replace("name: delay,", "name: n_1h,"), "view 'origin_delays', key 'features.n_1h.name': duplicate feature name");
    expect(VALID.replace("expr: arrival_delay, agg: avg", "expr: arrival_delay +, agg: avg"),
        "view 'origin_delays', key 'features.avg_7d.expr': the SQL expression 'arrival_delay +' does not parse");
    expect(VALID.replace("{name: avg_7d, expr: arrival_delay, agg: avg, window: 7d}", "{name: avg_7d, expr: arrival_delay, agg: avg}"),
        "view 'origin_delays', key 'features.avg_7d.window': agg avg needs a window");
    expect(VALID.replace("table: raw.flights,", "table: flights,"), "view 'origin_delays', key 'source.table': 'flights' is not a lake table name");
    expect(VALID.replace("ttl: 7d", "ttl: soon"), "view 'origin_delays', key 'ttl': 'soon' is not a duration");
    expect(VALID.replace("online: true", "online: maybe"), "view 'origin_delays', key 'online': expected true or false, got 'maybe'");
    expect(VALID.replace("    event_time: departure_time\n", ""),
        "view 'origin_delays', key 'available_at': a view without event_time is static and always valid");
  }

  @Test
  void two_views_of_one_name_in_a_directory_are_refused() throws IOException {
    Files.writeString(dir.resolve("a.yaml"), VALID);
    Files.writeString(dir.resolve("b.yaml"), VALID);

    assertThatThrownBy(() -> FeatureRepository.load(dir))
        .hasMessageContaining("b.yaml: view 'origin_delays', key 'name': the view is also declared in " + dir.resolve("a.yaml"));
  }

  private void expect(String yaml, String message) throws IOException {
    Path file = write(yaml);
    assertThatThrownBy(() -> FeatureViewParser.parse(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("Cannot load feature views from " + file + ": " + message);
  }

  private Path write(String yaml) throws IOException {
    Path file = Files.createTempFile(dir, "views", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
