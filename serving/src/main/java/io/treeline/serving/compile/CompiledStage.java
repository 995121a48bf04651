package io.treeline.serving.compile;

/** One pipeline stage as plain Java: reads slots of the frame, writes its output slots. */
interface CompiledStage {
  void apply(Frame frame);
}
