package io.treeline.serving.background;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackgroundQueueTest {
  @Test
  void keeps_order_refuses_past_its_capacity_and_waits_only_as_long_as_asked() throws Exception {
    BackgroundQueue<Integer> queue = new BackgroundQueue<>(3);
    assertThat(queue.offer(1)).isTrue();
    assertThat(queue.offer(2)).isTrue();
    assertThat(queue.offer(3)).isTrue();
    assertThat(queue.offer(4)).as("full: refused, not waited for").isFalse();
    assertThat(queue.size()).isEqualTo(3);
    assertThat(queue.poll()).isEqualTo(1);
    assertThat(queue.offer(5)).as("room again").isTrue();
    List<Integer> drained = new ArrayList<>();
    assertThat(queue.drainTo(drained, 2)).isEqualTo(2);
    assertThat(drained).containsExactly(2, 3);
    assertThat(queue.poll(1, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.size()).isZero();

    long start = System.nanoTime();
    assertThat(queue.poll(30, TimeUnit.MILLISECONDS)).isNull();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
    assertThatThrownBy(() -> new BackgroundQueue<>(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BackgroundQueue<>(1, java.time.Duration.ZERO)).hasMessageContaining("pause must be positive");
  }

  @Test
  void a_logging_consumer_waiting_on_an_empty_queue_takes_what_comes_during_its_pause() throws Exception {
    BackgroundQueue<Integer> queue = new BackgroundQueue<>(10, BackgroundQueue.LOGGING);
    Thread producer = new Thread(() -> {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      queue.offer(7);
    });
    producer.start();
    // the item comes 5 ms into the consumer's first 20-ms pause; the wait's bound (a second) is never reached
    assertThat(queue.poll(1, TimeUnit.SECONDS)).isEqualTo(7);
    producer.join();
    assertThat(queue.poll(25, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void every_accepted_item_is_taken_once_while_producers_race_a_consumer() throws Exception {
    int producers = 4;
    int each = 50_000;
    BackgroundQueue<Integer> queue = new BackgroundQueue<>(1_000);
    BitSet accepted = new BitSet();
    AtomicInteger refused = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int first = p * each;
      BitSet mine = new BitSet();
      Thread thread = new Thread(() -> {
        for (int i = first; i < first + each; i++) {
          if (queue.offer(i)) {
            mine.set(i);
          } else {
            refused.incrementAndGet();
          }
        }
        synchronized (accepted) {
          accepted.or(mine);
        }
      });
      threads.add(thread);
      thread.start();
    }
    BitSet taken = new BitSet();
    int duplicates = 0;
    while (threads.stream().anyMatch(Thread::isAlive) || !queue.isEmpty()) {
      Integer item = queue.poll(5, TimeUnit.MILLISECONDS);
      if (item != null) {
        duplicates += taken.get(item) ? 1 : 0;
        taken.set(item);
        assertThat(queue.size()).isBetween(0, 1_000 + producers);
      }
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(duplicates).isZero();
    assertThat(taken).isEqualTo(accepted);
    assertThat(accepted.cardinality() + refused.get()).isEqualTo(producers * each);
    assertThat(queue.size()).isZero();
  }
}
