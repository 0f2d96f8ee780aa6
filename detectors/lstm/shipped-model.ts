// Where the model shipped with Vigil lives: detectors/lstm/models/ in the sources, the same path
// under dist/ in the build (core/shipped.ts; `npm run build` copies models/ there).
import { shippedPath } from '../../core/shipped.ts';

export const SHIPPED_MODEL_PATH = shippedPath('detectors/lstm/models/vigil-lstm.onnx');
