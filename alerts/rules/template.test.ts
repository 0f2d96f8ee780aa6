import { describe, expect, it } from 'vitest';
import { formatE, formatG } from './go-format.ts';
import { humanize, humanize1024, humanizeDuration, humanizePercentage } from './humanize.ts';
import { expandTemplate, parseTemplate, sprintf, type TemplateData } from './template.ts';

const data: TemplateData = {
  labels: { __name__: 'node_filesystem_avail_bytes', mountpoint: '/var', device: '/dev/sda1' },
  value: 0.1234,
  externalLabels: { node: 'node1', cluster: 'prod' },
  externalURL: 'http://node1:9464',
};

function render(text: string, d: TemplateData = data): string {
  const t = parseTemplate(text);
  if (!t.ok) throw new Error(t.error);
  return expandTemplate(t.template, d);
}

function parseError(text: string): string {
  const t = parseTemplate(text);
  if (t.ok) throw new Error(`expected a parse error for ${text}`);
  return t.error;
}

describe("Go's float formatting (values from Go's fmt)", () => {
  it.each([
    [1e6, '1e+06'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5, '1.5'],
    [100, '100'],
    [-2.5, '-2.5'],
    [0, '0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
  ])('%%v of %d is %s', (v, want) => expect(formatG(v)).toBe(want));

  it.each([
    [12345, '1.234e+04'],
    [1234.5, '1234'],
    [0.5, '0.5'],
    [100, '100'],
    [1.23456, '1.235'],
  ])('%%.4g of %d is %s', (v, want) => expect(formatG(v, 4)).toBe(want));

  it('%e shortest, as the Prometheus API formats alert values', () => {
    expect(formatE(1, -1)).toBe('1e+00');
    expect(formatE(42.5, -1)).toBe('4.25e+01');
    expect(formatE(0.001, -1)).toBe('1e-03');
  });
});

describe("Prometheus' humanize functions", () => {
  it.each([
    [1234567, '1.235M'],
    [1000, '1k'],
    [999, '999'],
    [0.001234, '1.234m'],
    [0, '0'],
    [-1500, '-1.5k'],
  ])('humanize(%d) = %s', (v, want) => expect(humanize(v)).toBe(want));

  it('humanize1024', () => {
    expect(humanize1024(1048576)).toBe('1Mi');
    expect(humanize1024(1536)).toBe('1.5ki');
    expect(humanize1024(1)).toBe('1');
  });

  it('humanizeDuration', () => {
    expect(humanizeDuration(90061)).toBe('1d 1h 1m 1s');
    expect(humanizeDuration(3600)).toBe('1h 0m 0s');
    expect(humanizeDuration(125)).toBe('2m 5s');
    expect(humanizeDuration(59.5)).toBe('59.5s');
    expect(humanizeDuration(0.25)).toBe('250ms');
    expect(humanizeDuration(0)).toBe('0s');
  });

  it('humanizePercentage', () => {
    expect(humanizePercentage(0.5)).toBe('50%');
    expect(humanizePercentage(0.1234)).toBe('12.34%');
  });
});

describe('templates', () => {
  it('expands labels, value, external labels and the functions rules use', () => {
    expect(render('{{ $labels.mountpoint }} on {{ $labels.device }}')).toBe('/var on /dev/sda1');
    expect(render('{{ $value }}')).toBe('0.1234');
    expect(render('{{ $value | humanizePercentage }}')).toBe('12.34%');
    expect(render('{{ printf "%.2f" $value }}%')).toBe('0.12%');
    expect(render('{{ $value | printf "%.1f" }}')).toBe('0.1');
    expect(render('node {{ $externalLabels.node }} in {{ $externalLabels.cluster }}')).toBe('node node1 in prod');
    expect(render('{{ .Labels.mountpoint }} {{ .Value | humanize }}')).toBe('/var 123.4m');
    expect(render('{{ $externalURL }}/alerts')).toBe('http://node1:9464/alerts');
    expect(render('{{ 1048576 | humanize1024 }}')).toBe('1Mi');
    expect(render('{{ "abc" | toUpper }}')).toBe('ABC');
  });

  it('absent labels are empty (missingkey=zero), text without actions is kept as is', () => {
    expect(render('[{{ $labels.nope }}]')).toBe('[]');
    expect(render('no actions here')).toBe('no actions here');
  });

  it('trims around {{- and -}}, skips comments', () => {
    expect(render('a   {{- $labels.mountpoint -}}   b')).toBe('a/varb');
    expect(render('a {{/* a comment */}}b')).toBe('a b');
    expect(render('{{ -1 }}')).toBe('-1');
  });

  it('a value that is not a number makes humanize fail at run time, as in Prometheus', () => {
    expect(render('{{ $labels.device | humanize }}')).toBe('<error expanding template: strconv.ParseFloat: parsing "/dev/sda1": invalid syntax>');
  });

  it('reports unsupported functions and actions by name', () => {
    expect(parseError('{{ $value | query }}')).toBe('template function "query" is not supported by the agent');
    expect(parseError('{{ reReplaceAll "a" "b" $labels.x }}')).toBe('template function "reReplaceAll" is not supported by the agent');
    expect(parseError('{{ if $value }}x{{ end }}')).toBe('template action "if" is not supported by the agent');
    expect(parseError('{{ $foo }}')).toBe('undefined variable "$foo"');
  });

  it('reports syntax errors', () => {
    expect(parseError('{{ $value ')).toMatch(/unclosed action|unexpected/);
    expect(parseError('{{ "abc }}')).toMatch(/unterminated quoted string/);
    expect(parseError('{{ }}')).toBe('missing value for command');
    expect(parseError('{{ $value $value }}')).toMatch(/non-function/);
  });
});

describe('printf', () => {
  it('formats like Go', () => {
    expect(sprintf('%.2f', [3.14159])).toBe('3.14');
    expect(sprintf('%d', [3])).toBe('%!d(float64=3)');
    expect(sprintf('%s/%s', ['a', 'b'])).toBe('a/b');
    expect(sprintf('%5.1f|%-4s|', [2.25, 'x'])).toBe('  2.2|x   |');
    expect(sprintf('%f %v', [1])).toBe('1.000000 %!v(MISSING)');
    expect(sprintf('%g%%', [0.5])).toBe('0.5%');
    expect(sprintf('x', [1])).toBe('x%!(EXTRA float64=1)');
  });
});
