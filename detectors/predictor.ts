// The contract between the scoring pipeline and the model: given a batch of normalised windows,
// predict each window's next value. The scoring pipeline (windows, normalisation, calibration) is
// model-agnostic; detectors/lstm/ provides the LSTM implementations (onnxruntime-node in the daemon,
// a pure TypeScript forward pass in tests and training).

export interface ModelInfo {
  /** e.g. "vigil-lstm" */
  readonly name: string;
  /** e.g. "2026.11.23-1" (from the model card / ONNX metadata) */
  readonly version: string;
  /** sha256 of the model file, hex */
  readonly sha256: string;
}

export interface Predictor {
  readonly info: ModelInfo;
  /** Steps per window the model was trained on. */
  readonly window: number;
  /**
   * `input` holds `batch` windows of `window` normalised values, time-major as ONNX LSTM wants it:
   * input[t * batch + b] is step t of window b. Writes the predicted next normalised value of
   * window b to out[b]. One call per tick for every series (batch = series).
   */
  predict(input: Float32Array, batch: number, out: Float32Array): Promise<void>;
  /** Releases the session. */
  close(): Promise<void>;
}
