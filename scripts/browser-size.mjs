#!/usr/bin/env node
/**
 * The browser bundle's budget, checked by every build (`npm run build`,
 * hence `npm test`): dist/browser.js, minified (esbuild) and gzipped
 * (level 9), must stay within BUDGET bytes, and must not refer to Node's
 * built-ins. Prints the figure the README reports; exits 1 over budget.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';

/** 25 KB, minified and gzipped. */
const BUDGET = 25_000;
const FILE = new URL('../dist/browser.js', import.meta.url);

const source = readFileSync(FILE, 'utf8');
const problems = [];
for (const [pattern, what] of [
  [/\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(/, 'a Node module import or require()'],
  [/\bBuffer\./, 'Buffer'],
  [/\bprocess\.(?:env|nextTick|versions)\b/, 'process'],
]) {
  if (pattern.test(source)) problems.push(`dist/browser.js uses ${what}: the browser build must not`);
}
const { code } = await transform(source, { minify: true, format: 'esm', target: 'es2022', legalComments: 'none' });
const gzipped = gzipSync(code, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
console.log(`browser bundle: ${kb(source.length)} as built, ${kb(code.length)} minified, ${kb(gzipped)} minified+gzipped (budget ${kb(BUDGET)})`);
if (gzipped > BUDGET) problems.push(`dist/browser.js is ${kb(gzipped)} minified+gzipped, over the budget of ${kb(BUDGET)}`);
for (const problem of problems) console.error(`browser-size: ${problem}`);
process.exit(problems.length > 0 ? 1 : 0);
