/**
 * One application, two copies of net-clacks: a part that `require`s it gets
 * the CommonJS build, a part that `import`s it the ESM build. Errors made by
 * one copy must pass the other copy's `instanceof` checks. Loads both built
 * files in one Node process.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, ensureBuilt, runNode } from '../cli/cli-process.js';

const root = path.resolve(import.meta.dirname, '../..');

const script = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(path.join(root, 'package.json'))});
const cjs = require(${JSON.stringify(path.join(root, 'dist/index.cjs'))});
const esm = await import(${JSON.stringify(path.join(root, 'dist/index.js'))});
const classes = Object.keys(cjs).filter((name) => /Error$/.test(name) && typeof cjs[name] === 'function' && cjs[name].prototype instanceof Error);
const report = { distinct: cjs.ClacksError !== esm.ClacksError, classes, failures: [] };
const make = (lib, name) => {
  const Class = lib[name];
  if (name === 'LineTooLongError') return new Class(10);
  if (name === 'ValidationError') return new Class('name', 'bad');
  if (name === 'ReplyTooLargeError') return new Class('big', 'entries', 1);
  if (name === 'ClacksError') return new Class('SERVER_ERROR', 'base');
  return new Class('message');
};
for (const [from, to, fromName, toName] of [[cjs, esm, 'cjs', 'esm'], [esm, cjs, 'esm', 'cjs']]) {
  for (const name of classes) {
    const error = make(from, name);
    if (!(error instanceof to[name])) report.failures.push(fromName + ' ' + name + ' is not an instance of ' + toName + ' ' + name);
    if (!(error instanceof to.ClacksError)) report.failures.push(fromName + ' ' + name + ' is not an instance of ' + toName + ' ClacksError');
    if (!to.isClacksError(error)) report.failures.push(toName + ' isClacksError refuses ' + fromName + ' ' + name);
    for (const other of classes) {
      if (other === name || other === 'ClacksError' || (name === 'LineTooLongError' && other === 'ProtocolError') || (name === 'GatewayError' && other === 'ConnectionError')) continue;
      if (error instanceof to[other]) report.failures.push(fromName + ' ' + name + ' passes as ' + toName + ' ' + other);
    }
  }
}
// A real error, raised by one build and checked with the other.
try {
  await esm.createClient('bogus://nowhere');
} catch (error) {
  report.realError = { validation: error instanceof cjs.ValidationError, base: error instanceof cjs.ClacksError, code: cjs.isClacksError(error, 'INVALID_ARGUMENT') };
}
report.plain = new Error('x') instanceof cjs.ClacksError || esm.isClacksError(new Error('x')) || ({ code: 'TIMEOUT' }) instanceof esm.TimeoutError;
console.log(JSON.stringify(report));
`;

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('errors across the CommonJS and ESM builds', () => {
  it('instanceof and isClacksError hold whichever build made the error', { timeout: CHILD_TIMEOUT }, async () => {
    const result = await runNode(['--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { distinct: boolean; classes: string[]; failures: string[]; realError: Record<string, boolean>; plain: boolean };
    expect(report.distinct).toBe(true); // two copies of each class are loaded: the case in point
    expect(report.classes).toEqual(expect.arrayContaining(['ClacksError', 'ConnectionError', 'ValidationError', 'LineTooLongError', 'TimeoutError']));
    expect(report.failures).toEqual([]);
    expect(report.realError).toEqual({ validation: true, base: true, code: true });
    expect(report.plain).toBe(false);
  });
});
