// Where the model shipped with Vigil lives. Resolved from this module, so it works from the sources
// (detectors/lstm/) and from the build (dist/detectors/lstm/; `npm run build` copies models/ there).
import { fileURLToPath } from 'node:url';

export const SHIPPED_MODEL_PATH = fileURLToPath(new URL('./models/vigil-lstm.onnx', import.meta.url));
