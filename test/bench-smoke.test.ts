/**
 * Benchmarks are not tests: this only checks that the smoke run (a few
 * thousand operations, every scenario) still completes and writes its JSON.
 * No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'clacks-bench-smoke-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('bench smoke run', () => {
  it('runs every scenario at tiny sizes and writes the JSON and the chart', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', outDir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const file = join(outDir, 'smoke.json');
    expect(existsSync(file)).toBe(true);
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      kind: string;
      smoke: boolean;
      rows: Array<{ id: string; floor?: { median: number }; cpu?: { sdk?: { median: number } } }>;
      errors: string[];
    };
    expect(report.kind).toBe('net-clacks-bench');
    expect(report.smoke).toBe(true);
    expect(report.rows.length).toBeGreaterThan(0);
    // The floor client runs beside raw and the SDK, and every such row has the client's CPU per operation.
    for (const id of ['pipelined-retrieve.unix', 'store-burst', 'fanout.events']) {
      const row = report.rows.find((candidate) => candidate.id === id);
      expect(row?.floor?.median, id).toBeGreaterThan(0);
      expect(row?.cpu?.sdk?.median, id).toBeGreaterThan(0);
    }
    expect(report.errors).toEqual([]);
    expect(existsSync(join(outDir, 'smoke.svg'))).toBe(true);
  }, 180_000);
});
