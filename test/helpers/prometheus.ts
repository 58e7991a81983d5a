/**
 * A small, strict parser of the Prometheus text exposition format 0.0.4, for
 * tests: it throws on anything the format forbids or our output should
 * never contain (a sample without a TYPE, a TYPE after its samples, a
 * family split in two, a duplicate series, a bad name, a bad escape, an
 * unknown comment, a missing final line feed), and returns the families.
 */

export type ParsedLabels = Record<string, string>;

export interface ParsedFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
  samples: Array<{ labels: ParsedLabels; value: number }>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class Exposition {
  readonly families = new Map<string, ParsedFamily>();

  /** The value of one series; throws when it is not there. */
  value(name: string, labels: ParsedLabels = {}): number {
    const family = this.families.get(name);
    if (family === undefined) throw new Error(`no metric ${name}`);
    const key = seriesKey(labels);
    const sample = family.samples.find((candidate) => seriesKey(candidate.labels) === key);
    if (sample === undefined) throw new Error(`no series ${name}${key}`);
    return sample.value;
  }

  /** Every series of a family, by its labels' values joined with `,`. */
  series(name: string): Map<string, number> {
    const family = this.families.get(name);
    if (family === undefined) throw new Error(`no metric ${name}`);
    return new Map(family.samples.map((sample) => [Object.values(sample.labels).join(','), sample.value]));
  }
}

export function parseExposition(text: string): Exposition {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the last line does not end with a line feed');
  const exposition = new Exposition();
  const seen = new Set<string>();
  const typed = new Set<string>();
  /** The family being written; once another starts, it is closed for good. */
  let current: string | undefined;
  const closed = new Set<string>();
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!match) throw new Error(`${where}: a comment other than HELP or TYPE`);
      const [, keyword, name = '', rest = ''] = match;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (name !== current) {
        if (current !== undefined) closed.add(current);
        if (closed.has(name)) throw new Error(`${where}: ${name} was already written`);
        current = name;
      }
      const family = exposition.families.get(name) ?? { name, type: 'untyped' as const, help: undefined, samples: [] };
      if (family.samples.length > 0) throw new Error(`${where}: ${keyword} after the samples of ${name}`);
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new Error(`${where}: a second HELP for ${name}`);
        family.help = unescapeHelp(rest, where);
      } else {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (typed.has(name)) throw new Error(`${where}: a second TYPE for ${name}`);
        typed.add(name);
        family.type = rest as ParsedFamily['type'];
      }
      exposition.families.set(name, family);
      return;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!sample) throw new Error(`${where}: not a sample`);
    const [, name = '', labelText, valueText = ''] = sample;
    const family = exposition.families.get(name);
    if (family === undefined || !typed.has(name)) throw new Error(`${where}: a sample of ${name} without a TYPE before it`);
    if (current !== name) throw new Error(`${where}: the samples of ${name} are not one group`);
    if (!FLOAT.test(valueText)) throw new Error(`${where}: bad value ${valueText}`);
    const labels = labelText === undefined ? {} : parseLabels(labelText, where);
    const key = `${name}${seriesKey(labels)}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    seen.add(key);
    family.samples.push({ labels, value: parseFloatGo(valueText) });
  });
  return exposition;
}

function parseLabels(text: string, where: string): ParsedLabels {
  const labels: ParsedLabels = {};
  let at = 0;
  while (at < text.length) {
    const name = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(at));
    if (!name?.[1] || !LABEL_NAME.test(name[1])) throw new Error(`${where}: bad label at ${text.slice(at)}`);
    if (name[1] in labels) throw new Error(`${where}: label ${name[1]} twice`);
    at += name[0].length;
    let value = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) throw new Error(`${where}: unterminated label value`);
      at++;
      if (char === '"') break;
      if (char === '\n') throw new Error(`${where}: raw line feed in a label value`);
      if (char === '\\') {
        const next = text[at++];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next ?? ''} in a label value`);
      } else value += char;
    }
    labels[name[1]] = value;
    if (text[at] === ',') at++;
    else if (at !== text.length) throw new Error(`${where}: expected , or } after a label`);
  }
  return labels;
}

/** HELP text: only `\\` and `\n` are escapes. */
function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.?)/g, (_, next: string) => {
    if (next === 'n') return '\n';
    if (next === '\\') return next;
    throw new Error(`${where}: bad escape \\${next}`);
  });
}

function parseFloatGo(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function seriesKey(labels: ParsedLabels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(',')}}`;
}
