// Every delivery sink besides /metrics, one line each. A plain list: importing it starts nothing.
// The config schema, the metrics reference and the naming test iterate it.
import { alertmanagerSink } from './alertmanager/alertmanager-sink.ts';
import { kafkaSink } from './kafka/kafka-sink.ts';
import { otlpSink } from './otlp/otlp-sink.ts';
import type { SinkFactory } from './sink.ts';

export const sinkList: readonly SinkFactory<object>[] = [otlpSink, kafkaSink, alertmanagerSink];
