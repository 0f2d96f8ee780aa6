// The Predictor contract on the TypeScript forward pass, for tests: it is the reference the ONNX
// export is checked against. (Training and retraining validate with the trainer's own forward pass.)
import type { ModelInfo, Predictor } from '../../predictor.ts';
import { forwardWindow, newForwardCache } from '../forward.ts';
import type { LstmModel } from '../params.ts';

export function createTsPredictor(model: LstmModel, info: ModelInfo): Predictor {
  const cache = newForwardCache(model.window, model.hidden);
  return {
    info,
    window: model.window,
    predict: async (input, batch, out) => {
      for (let b = 0; b < batch; b++) out[b] = forwardWindow(model, input, b, batch, cache);
    },
    close: async () => {},
  };
}
