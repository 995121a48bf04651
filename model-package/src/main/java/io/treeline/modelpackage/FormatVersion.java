package io.treeline.modelpackage;

import io.treeline.core.error.Errors;

/**
 * The version of {@code treeline.json}'s layout. It goes up only when a reader of the previous
 * version would misread a new file (a key renamed, removed or given a new meaning); optional keys
 * are added without it. A reader takes every version up to its own and refuses newer ones, since
 * it cannot know what they changed. A file is written with the lowest version that reads it right,
 * so that a package an older release can serve correctly stays servable by it.
 *
 * <ul>
 *   <li>1: the first release. Readers answered Spark's own label (the more probable class) whatever
 *       {@code threshold} said.
 *   <li>2: {@code threshold} decides the label, and an optional {@code calibration} maps the
 *       probability first. Written only for a package whose answers a version-1 reader would get
 *       wrong: one calibrated, or with a threshold other than 0.5.
 * </ul>
 */
final class FormatVersion {
  /** The newest this Treeline reads and writes. */
  static final int CURRENT = 2;

  private FormatVersion() {}

  /** The version a manifest is written with. */
  static int of(ModelManifest m) {
    return m.calibration() instanceof Calibration.None && m.threshold() == 0.5 ? 1 : CURRENT;
  }

  static void check(long version, String source) {
    if (version > CURRENT) {
      throw Errors.invalidInput("read", "the model package file " + source, "its format_version is " + version
          + ", newer than this Treeline reads (up to " + CURRENT + ")",
          "The model was written by a newer Treeline: serve and describe it with that release (or newer),"
              + " or train and register it again with this one.");
    }
    if (version < 1) {
      throw Errors.invalidInput("read", "the model package file " + source, "its format_version is " + version
          + ", and versions start at 1", ManifestJson.REMEDY);
    }
  }
}
