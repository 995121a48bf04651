package io.treeline.core.lake;

import io.delta.kernel.data.Row;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.actions.AddFile;
import io.delta.kernel.internal.actions.SingleAction;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.FileStatus;
import java.util.Optional;

/**
 * The three things Delta Kernel 4.4 does only in its {@code internal} packages, which its own
 * examples (kernel/examples SingleThreadedTableReader) use too: the columns to read from a scan's
 * data files, a scan file's status, and a remove action for a scan file (Kernel commits remove
 * actions it is given, and detects two commits removing the same file, but has no public builder
 * for them). Kept here, in one place, so a Kernel upgrade that moves them breaks one small class.
 */
final class KernelFiles {
  private KernelFiles() {}

  static StructType physicalReadSchema(Row scanState) {
    return ScanStateRow.getPhysicalDataReadSchema(scanState);
  }

  static FileStatus status(Row scanFile) {
    return InternalScanFileUtils.getAddFileStatus(scanFile);
  }

  /** The action removing a scan file's data file (with its deletion vector, if any) from the table. */
  static Row remove(Row scanFile) {
    AddFile add = new AddFile(scanFile.getStruct(InternalScanFileUtils.ADD_FILE_ORDINAL));
    return SingleAction.createRemoveFileSingleAction(add.toRemoveFileRow(true, Optional.empty()));
  }
}
