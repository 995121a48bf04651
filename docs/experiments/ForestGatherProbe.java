import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Issue 21 part 3's open question: do SIMD gathers walk a forest faster than Forest's four scalar
 * walks side by side? A stand-alone probe, not product code: trees shaped like the reference forest
 * (96 trees of depth 10, about 136,000 nodes, packed as Forest packs them), one row's bins shared by
 * every tree, the scalar walk of Forest.step four trees at a time against the same step on 16 (or 8)
 * trees per vector with gathers, both checked to reach the same leaves.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector docs/experiments/ForestGatherProbe.java
 *   [-Dlanes=8] [-Dgroups=1|2|3] [-Dcategorical=false]   (options go before the file name)
 * </pre>
 */
public class ForestGatherProbe {
  static final VectorSpecies<Integer> S = Integer.getInteger("lanes", 16) == 8 ? IntVector.SPECIES_256 : IntVector.SPECIES_512;
  /** Vector walks interleaved, so that one's gathers overlap another's (as the scalar walk interleaves four trees). */
  static final int GROUPS = Integer.getInteger("groups", 2);
  /** Whether a step also tests the categorical bit set (the reference forest has 29% categorical splits). */
  static final boolean CATEGORICAL = !"false".equals(System.getProperty("categorical"));
  static final int TREES = 96;
  static final int DEPTH = 10;
  static final int FEATURES = 40;
  static final int FEATURE_SHIFT = 17;
  static final int PAYLOAD = (1 << 17) - 1;
  static final int FEATURE_BITS = (1 << 14) - 1;
  static final int RIGHT_BITS = (1 << 24) - 1;

  static int[] low;
  static int[] right;
  static long[] nodes;
  static int[] roots = new int[TREES];
  /** All zeros: what a continuous split reads, as in Forest. */
  static int[] words = new int[64];

  public static void main(String[] args) {
    Random random = new Random(1);
    List<Integer> lows = new ArrayList<>();
    List<Integer> rights = new ArrayList<>();
    for (int t = 0; t < TREES; t++) {
      roots[t] = lows.size();
      grow(random, lows, rights, DEPTH);
    }
    low = lows.stream().mapToInt(Integer::intValue).toArray();
    right = rights.stream().mapToInt(Integer::intValue).toArray();
    nodes = new long[low.length];
    for (int i = 0; i < low.length; i++) {
      nodes[i] = (low[i] & 0xFFFFFFFFL) | (long) right[i] << 32;
    }
    System.out.printf("%s, %d lanes, %d walks interleaved, categorical test %s; %d trees, %d nodes%n", System.getProperty("java.version"),
        S.length(), GROUPS, CATEGORICAL, TREES, low.length);
    int rows = 1000;
    int[][] bins = new int[rows][FEATURES + 1];
    for (int[] b : bins) {
      for (int f = 0; f < FEATURES; f++) {
        b[f] = random.nextInt(300);
      }
      b[FEATURES] = 1;
    }
    int[] scalarLeaves = new int[TREES];
    int[] vectorLeaves = new int[TREES];
    for (int round = 1; round <= 30; round++) {
      long t0 = System.nanoTime();
      for (int k = 0; k < 20; k++) {
        for (int[] b : bins) {
          scalar(b, scalarLeaves);
        }
      }
      long t1 = System.nanoTime();
      for (int k = 0; k < 20; k++) {
        for (int[] b : bins) {
          vector(b, vectorLeaves);
        }
      }
      long t2 = System.nanoTime();
      for (int[] b : bins) {
        scalar(b, scalarLeaves);
        vector(b, vectorLeaves);
        if (!Arrays.equals(scalarLeaves, vectorLeaves)) {
          throw new AssertionError("the walks disagree");
        }
      }
      if (round > 20) {
        System.out.printf("round %d: scalar %.2f µs a row, vector %.2f µs a row%n", round, (t1 - t0) / 20e3 / rows, (t2 - t1) / 20e3 / rows);
      }
    }
  }

  /** Depth-first, the left child next; leaves go right to themselves, testing the always-1 bin. */
  static void grow(Random random, List<Integer> lows, List<Integer> rights, int depth) {
    int i = lows.size();
    if (depth == 0 || (depth < 4 && random.nextInt(6) == 0)) {
      lows.add(FEATURES << FEATURE_SHIFT);
      rights.add(i);
      return;
    }
    lows.add(random.nextInt(FEATURES) << FEATURE_SHIFT | random.nextInt(300));
    rights.add(0);
    grow(random, lows, rights, depth - 1);
    rights.set(i, lows.size());
    grow(random, lows, rights, depth - 1);
  }

  /** Forest.step, unchanged. */
  static int step(int i, int[] bins) {
    long both = nodes[i];
    int node = (int) both;
    int second = (int) (both >>> 32);
    int rightChild = second & RIGHT_BITS;
    int categorical = node >> 31;
    int payload = node & PAYLOAD;
    int bin = bins[(node >>> FEATURE_SHIFT) & FEATURE_BITS];
    int offset = (second >>> 24 << FEATURE_SHIFT | payload) & categorical;
    int goRight = ((payload | (categorical & PAYLOAD)) - bin) >> 31 | -((words[offset + (bin >>> 5)] >>> bin) & 1);
    return i + 1 + ((rightChild - i - 1) & goRight);
  }

  static void scalar(int[] bins, int[] leaves) {
    for (int t = 0; t + 4 <= TREES; t += 4) {
      int n0 = roots[t];
      int n1 = roots[t + 1];
      int n2 = roots[t + 2];
      int n3 = roots[t + 3];
      for (int s = DEPTH; s > 0; s--) {
        n0 = step(n0, bins);
        n1 = step(n1, bins);
        n2 = step(n2, bins);
        n3 = step(n3, bins);
      }
      leaves[t] = n0;
      leaves[t + 1] = n1;
      leaves[t + 2] = n2;
      leaves[t + 3] = n3;
    }
  }

  /** The same step for a vector of trees; Java 17's gathers take their indices from an array. */
  static IntVector step(IntVector at, int[] bins, int[][] scratch) {
    at.intoArray(scratch[0], 0);
    IntVector node = IntVector.fromArray(S, low, 0, scratch[0], 0);
    IntVector rightChild = IntVector.fromArray(S, right, 0, scratch[0], 0).and(RIGHT_BITS);
    node.lanewise(VectorOperators.LSHR, FEATURE_SHIFT).and(FEATURE_BITS).intoArray(scratch[1], 0);
    IntVector bin = IntVector.fromArray(S, bins, 0, scratch[1], 0);
    IntVector payload = node.and(PAYLOAD);
    IntVector goRight;
    if (CATEGORICAL) {
      IntVector categorical = node.lanewise(VectorOperators.ASHR, 31);
      IntVector offset = rightChild.lanewise(VectorOperators.LSHR, 24).lanewise(VectorOperators.LSHL, FEATURE_SHIFT).or(payload).and(categorical);
      offset.add(bin.lanewise(VectorOperators.LSHR, 5)).intoArray(scratch[2], 0);
      IntVector word = IntVector.fromArray(S, words, 0, scratch[2], 0);
      goRight = payload.or(categorical.and(PAYLOAD)).sub(bin).lanewise(VectorOperators.ASHR, 31)
          .or(word.lanewise(VectorOperators.LSHR, bin).and(1).neg());
    } else {
      goRight = payload.sub(bin).lanewise(VectorOperators.ASHR, 31);
    }
    IntVector next = at.add(1);
    return next.add(rightChild.sub(next).and(goRight));
  }

  static final int[][][] SCRATCH = new int[3][3][16];

  static void vector(int[] bins, int[] leaves) {
    int lanes = S.length();
    int t = 0;
    for (; t + GROUPS * lanes <= TREES; t += GROUPS * lanes) {
      IntVector[] at = new IntVector[GROUPS];
      for (int g = 0; g < GROUPS; g++) {
        at[g] = IntVector.fromArray(S, roots, t + g * lanes);
      }
      for (int s = DEPTH; s > 0; s--) {
        for (int g = 0; g < GROUPS; g++) {
          at[g] = step(at[g], bins, SCRATCH[g]);
        }
      }
      for (int g = 0; g < GROUPS; g++) {
        at[g].intoArray(leaves, t + g * lanes);
      }
    }
    for (; t + lanes <= TREES; t += lanes) {
      IntVector at = IntVector.fromArray(S, roots, t);
      for (int s = DEPTH; s > 0; s--) {
        at = step(at, bins, SCRATCH[0]);
      }
      at.intoArray(leaves, t);
    }
  }
}
