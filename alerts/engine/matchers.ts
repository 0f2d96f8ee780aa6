// Label matchers (=, !=, =~, !~) as Prometheus applies them: a missing label matches as "".
import type { Labels } from '../../core/samples.ts';
import { translateGoRegex } from './regex.ts';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** For =~ and !~, fully anchored like Prometheus' ^(?:re)$. */
  readonly regex: RegExp | null;
}

export function makeMatcher(name: string, type: MatchType, value: string): LabelMatcher | { error: string } {
  if (type === '=' || type === '!=') return { name, type, value, regex: null };
  const tr = translateGoRegex(value);
  if (!tr.ok) return { error: tr.reason };
  return { name, type, value, regex: new RegExp(tr.source, tr.flags) };
}

export function matchesValue(m: LabelMatcher, v: string): boolean {
  switch (m.type) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return (m.regex as RegExp).test(v);
    case '!~':
      return !(m.regex as RegExp).test(v);
  }
}

export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  for (const m of matchers) if (!matchesValue(m, labels[m.name] ?? '')) return false;
  return true;
}
