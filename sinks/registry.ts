// Every delivery sink besides /metrics, one line each. A plain list: importing it starts nothing and
// loads no heavy implementation (the OTLP and Kafka factories import theirs in create()).
// The config schema, the metrics reference and the naming test iterate it.
import { alertmanagerSink } from './alertmanager/alertmanager-sink.ts';
import { kafkaSink } from './kafka/kafka.ts';
import { otlpSink } from './otlp/otlp.ts';
import type { SinkFactory } from './sink.ts';

export const sinkList: readonly SinkFactory<object>[] = [otlpSink, kafkaSink, alertmanagerSink];
