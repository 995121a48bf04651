package io.treeline.modelpackage;

import io.treeline.core.error.Errors;

/**
 * The version of {@code treeline.json}'s layout. It goes up only when a reader of the previous
 * version would misread a new file (a key renamed, removed or given a new meaning); optional keys
 * are added without it. A reader takes every version up to its own and refuses newer ones, since
 * it cannot know what they changed.
 */
final class FormatVersion {
  /** Written by this Treeline; 1 is the layout of the first release. */
  static final int CURRENT = 1;

  private FormatVersion() {}

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
