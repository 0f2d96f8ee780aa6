// Every detector the agent knows, one line each. A plain list: importing it starts nothing.
import type { DetectorFactory } from './detector.ts';
import { lstmDetector } from './lstm/lstm-detector.ts';

export const detectorFactories = [lstmDetector] as const;

/** The registry seen through the common contract. */
export const detectorList: readonly DetectorFactory<object>[] = detectorFactories;
