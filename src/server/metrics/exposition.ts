/**
 * The Prometheus text exposition format, version 0.0.4, written by a pure
 * function: metric families in, text out. What the format requires and this
 * module checks (a violation is a bug of ours, so it throws):
 *
 * - names match `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`
 *   and do not start with `__` (reserved by Prometheus);
 * - every family has one `# HELP` and one `# TYPE` line, before its samples,
 *   and its samples form one uninterrupted group;
 * - no two families share a name, no two samples of a family share a label set;
 * - counters end in `_total` (the naming convention, enforced for ourselves).
 *
 * Escaping: in HELP text `\` and line feed become `\\` and `\n`; in label
 * values `"` becomes `\"` as well. Values are Go-style floats: `NaN`, `+Inf`,
 * `-Inf`. Lines end with `\n`, the last one too.
 * @module
 */

/** The Content-Type of the Prometheus text format (version 0.0.4) that `server.metrics()` returns. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The metric types this server exposes. */
export type MetricType = 'counter' | 'gauge';

/** One sample: a value and its labels (in the order they are written). */
export interface MetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric: its name, help text, type and samples. A family without samples is left out. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Writes the families in the order given. Throws a TypeError for anything the format forbids. */
export function formatExposition(families: Iterable<MetricFamily>): string {
  const names = new Set<string>();
  let text = '';
  for (const family of families) {
    const { name, type } = family;
    if (!METRIC_NAME.test(name)) throw new TypeError(`metric name ${JSON.stringify(name)} is not valid`);
    if (names.has(name)) throw new TypeError(`metric ${name} is written twice`);
    if (type === 'counter' && !name.endsWith('_total')) throw new TypeError(`counter ${name} must end in _total`);
    names.add(name);
    if (family.samples.length === 0) continue;
    text += `# HELP ${name} ${escapeHelp(family.help)}\n# TYPE ${name} ${type}\n`;
    const series = new Set<string>();
    for (const sample of family.samples) {
      const labels = formatLabels(name, sample.labels);
      // The same label set in another order is the same series.
      const key = sample.labels === undefined ? '' : JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
      if (series.has(key)) throw new TypeError(`metric ${name} has two samples with the labels {${labels}}`);
      series.add(key);
      text += `${name}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (char) => (char === '\n' ? '\\n' : '\\\\'));
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabelValue(text: string): string {
  return text.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}

/** A sample value as Go's ParseFloat reads it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `a="x",b="y"` (no braces), in the labels' own order; the empty string without labels. */
function formatLabels(metric: string, labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  let text = '';
  for (const [label, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new TypeError(`metric ${metric}: label name ${JSON.stringify(label)} is not valid`);
    text += `${text === '' ? '' : ','}${label}="${escapeLabelValue(value)}"`;
  }
  return text;
}
