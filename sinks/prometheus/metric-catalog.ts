// Looks up a family's help text and type by name, across every declared metric.
import type { DynamicMetricSpec, MetricSpec } from '../../core/samples.ts';

export class MetricCatalog {
  private readonly byName = new Map<string, MetricSpec>();
  private readonly dynamic: DynamicMetricSpec[] = [];

  constructor(specs: Iterable<MetricSpec>, dynamic: Iterable<DynamicMetricSpec> = []) {
    for (const s of specs) this.byName.set(s.name, s);
    this.dynamic.push(...dynamic);
  }

  /** Families declared after construction (stages and sinks built later). */
  add(specs: Iterable<MetricSpec>): void {
    for (const s of specs) this.byName.set(s.name, s);
  }

  help(name: string): string {
    const spec = this.byName.get(name);
    if (spec) return spec.help;
    for (const d of this.dynamic) if (d.pattern.test(name)) return d.help(name);
    return `Vigil metric ${name}.`;
  }
}
