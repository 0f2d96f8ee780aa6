// The model used when detector.model (or --model) is empty: the one shipped in detectors/lstm/models/
// (copied beside the build by `npm run build`).
import { SHIPPED_MODEL_PATH } from '../lstm/shipped-model.ts';

export const defaultModelPath = (): string => SHIPPED_MODEL_PATH;
