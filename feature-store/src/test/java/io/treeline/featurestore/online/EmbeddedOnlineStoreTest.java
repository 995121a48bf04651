package io.treeline.featurestore.online;

import io.treeline.core.testing.TempLake;
import io.treeline.core.testing.TestSpark;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class EmbeddedOnlineStoreTest extends OnlineStoreContract {
  private static TempLake lake;
  private static EmbeddedOnlineStore store;

  @BeforeAll
  static void open() {
    lake = new TempLake();
    // No refresh delay: each read sees the last write, as the contract's write-then-read tests expect.
    store = new EmbeddedOnlineStore(TestSpark.session(), lake.layout(), Duration.ZERO);
  }

  @AfterAll
  static void close() {
    store.close();
    lake.close();
  }

  @Override
  protected OnlineStore store() {
    return store;
  }
}
