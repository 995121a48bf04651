package io.treeline.featurestore.stream;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The topic's partitions, each from the offset the last committed micro-batch ended at (partitions it
 * had not read start at the earliest offset). A plain consumer with no group: positions live in the
 * micro-batches' checkpoint, not in Kafka.
 */
final class KafkaLaneFeed implements LaneFeed {
  private final KafkaConsumer<byte[], byte[]> consumer;

  KafkaLaneFeed(StreamSettings settings, Map<Integer, Long> nextOffsets) {
    Properties properties = new Properties();
    properties.putAll(settings.clientProperties());
    properties.put("enable.auto.commit", "false");
    properties.put("client.id", "treeline-online-lane");
    properties.put("max.poll.records", "20000");
    consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer.partitionsFor(settings.topic(), Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    consumer.assign(partitions);
    Map<TopicPartition, Long> unread = new HashMap<>();
    for (TopicPartition partition : partitions) {
      Long next = nextOffsets.get(partition.partition());
      if (next != null) {
        consumer.seek(partition, next);
      } else {
        unread.put(partition, 0L);
      }
    }
    if (!unread.isEmpty()) {
      consumer.seekToBeginning(unread.keySet()); // an empty collection would mean every partition
    }
  }

  @Override
  public List<Row> poll(Duration wait) {
    List<Row> rows = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
      rows.add(RowFactory.create(record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8), record.topic(),
          record.partition(), record.offset(), null, new Timestamp(record.timestamp())));
    }
    return rows;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
