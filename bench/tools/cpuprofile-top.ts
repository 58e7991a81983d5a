/**
 * Summarises a `.cpuprofile` written by `node --cpu-prof`: the functions with
 * the most self time, as `file:line function  self%  total%`, in percent of
 * the busy samples (idle left out). `npm run bench -- --profile` writes one
 * profile per scenario and prints this summary for each.
 *
 *     node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/run.ts --only pipelined
 *     npx tsx bench/tools/cpuprofile-top.ts /tmp/prof/CPU.*.cpuprofile [count]
 * @module
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  where: string;
  name: string;
  selfPercent: number;
  totalPercent: number;
}

/** Functions by self time, in percent of busy samples (GC included, as V8 reports it). */
export function hotFunctions(profile: Profile, root = process.cwd()): HotFunction[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfTicks = new Map<number, number>();
  const samples = profile.samples ?? [];
  for (const id of samples) selfTicks.set(id, (selfTicks.get(id) ?? 0) + 1);
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  const total = samples.filter((id) => !idle.has(id)).length || 1;
  const keyOf = (node: ProfileNode): string => {
    const frame = node.callFrame;
    let file = frame.url;
    if (file.startsWith('file://')) file = relative(root, fileURLToPath(file));
    return `${file || '(native)'}:${frame.lineNumber + 1}\t${frame.functionName || '(anonymous)'}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ticks] of selfTicks) {
    if (idle.has(id)) continue;
    const node = byId.get(id) as ProfileNode;
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + ticks);
    // Total time: count each function once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(byId.get(at) as ProfileNode);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ticks);
    }
  }
  return [...self.entries()]
    .map(([key, ticks]) => {
      const [where, name] = key.split('\t') as [string, string];
      return { where, name, selfPercent: (100 * ticks) / total, totalPercent: (100 * (inclusive.get(key) ?? 0)) / total };
    })
    .sort((a, b) => b.selfPercent - a.selfPercent);
}

export function formatHotFunctions(rows: HotFunction[]): string {
  return rows.map((row) => `${row.selfPercent.toFixed(1).padStart(5)}% self ${row.totalPercent.toFixed(1).padStart(5)}% total  ${row.name}  ${row.where}`).join('\n');
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [file, count] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/tools/cpuprofile-top.ts FILE.cpuprofile [count]');
    process.exit(2);
  }
  const rows = hotFunctions(JSON.parse(readFileSync(file, 'utf8')) as Profile).slice(0, Number(count ?? 25));
  console.log(formatHotFunctions(rows));
}
