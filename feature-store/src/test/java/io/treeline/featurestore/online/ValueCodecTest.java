package io.treeline.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** How Redis's values read back: every double exactly, against the JDK's own parser as the oracle. */
class ValueCodecTest {
  @Test
  void every_double_reads_back_bit_for_bit() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      // Random bit patterns cover subnormals, huge and tiny exponents; random digits cover the decimal side.
      double value = i % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextDouble() * Math.pow(10, random.nextInt(-30, 30));
      String written = ValueCodec.encode(value);
      assertThat(Double.doubleToRawLongBits((Double) ValueCodec.decode(written)))
          .as(written)
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(written.substring(2))));
    }
  }

  @Test
  void extreme_and_hand_written_doubles_read_as_the_jdk_reads_them() {
    String[] texts = {"1e16", "1.0E16", "1.0000000000000002E16", "-0.0", "0", "NaN", "Infinity", "-Infinity", "4.9E-324", "2.2250738585072011E-308",
        "2.2250738585072012E-308", "9007199254740993", "0.1", "1.7976931348623157E308", "1.7976931348623159E308", "123456789012345678901234567890",
        "0.30000000000000004", "-1.5e-7"};
    for (String text : texts) {
      assertThat(Double.doubleToRawLongBits((Double) ValueCodec.decode("d:" + text))).as(text)
          .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
    }
  }

  @Test
  void other_types_and_nulls_read_back_as_written() {
    assertThat(ValueCodec.decode(ValueCodec.encode(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    assertThat(ValueCodec.decode(ValueCodec.encode(Long.MIN_VALUE))).isEqualTo(Long.MIN_VALUE);
    assertThat(ValueCodec.decode(ValueCodec.encode(true))).isEqualTo(true);
    assertThat(ValueCodec.decode(ValueCodec.encode("d:not a number"))).isEqualTo("d:not a number");
    assertThat(ValueCodec.decode(ValueCodec.encode(""))).isEqualTo("");
    assertThat(ValueCodec.encode(null)).isNull();
    assertThat(ValueCodec.decode(null)).isNull();
  }

  @Test
  void keys_are_url_encoded_only_where_a_value_needs_it() {
    assertThat(ValueCodec.entityKey("route", EntityKey.of("ORD", "LAX"))).isEqualTo("treeline:{route}:ORD|LAX");
    assertThat(ValueCodec.entityKey("route", EntityKey.of("a b|c:d", "ü*._-"))).isEqualTo("treeline:{route}:a+b%7Cc%3Ad|%C3%BC*._-");
    assertThat(ValueCodec.decodeKey("route", ValueCodec.entityKey("route", EntityKey.of("a b|c:d", "ü*._-", ""))))
        .isEqualTo(EntityKey.of("a b|c:d", "ü*._-", ""));
  }
}
