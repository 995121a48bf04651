package io.treeline.featurestore.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {
  private static KafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void listens_on_loopback() {
    assertThat(broker.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void an_idempotent_producer_round_trips_records_through_a_created_topic() throws Exception {
    broker.createTopic("round-trip", 2);
    Map<String, Object> settings = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("round-trip", "ATL", "{\"n\":1}")).get(30, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>("round-trip", "ATL", "{\"n\":2}")).get(30, TimeUnit.SECONDS);
    }

    List<ConsumerRecord<String, String>> records = broker.readAll("round-trip", Duration.ofSeconds(30));

    assertThat(records).extracting(ConsumerRecord::key).containsExactly("ATL", "ATL");
    assertThat(records).extracting(ConsumerRecord::value).containsExactly("{\"n\":1}", "{\"n\":2}");
    assertThat(records).extracting(ConsumerRecord::partition).containsOnly(records.get(0).partition());
  }
}
