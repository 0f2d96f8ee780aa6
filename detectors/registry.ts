// Every detector the agent knows, one line each. A plain list: importing it starts nothing.
import type { DetectorFactory } from './detector.ts';
import { lstmDetector } from './lstm/lstm-detector.ts';

export const detectorList: readonly DetectorFactory<object>[] = [lstmDetector];
