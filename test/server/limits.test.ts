/** The limits table: checked values, and the README's "Limits" table in step with it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLimit } from '../../src/cli/serve-limits.js';
import { LIMITS, resolveLimits } from '../../src/server/limits.js';

describe('server limits', () => {
  it('fills in the defaults, keeps the deprecated flat options, refuses nonsense', () => {
    const resolved = resolveLimits({ maxConnections: 5 }, { maxLineLength: 1000 });
    expect(resolved.maxConnections).toBe(5);
    expect(resolved.maxLineLength).toBe(1000);
    expect(resolved.maxPreAuthLineLength).toBe(64 * 1024);
    expect(resolveLimits({ maxLineLength: 2000 }, { maxLineLength: 1000 }).maxLineLength).toBe(2000);
    expect(resolveLimits({ maxConnections: Infinity }).maxConnections).toBe(Infinity);
    expect(() => resolveLimits({ maxConnections: -1 })).toThrow(/limits.maxConnections/);
    expect(() => resolveLimits({ maxConnections: 1.5 })).toThrow(/integer/);
    expect(() => resolveLimits({ maxConections: 1 } as never)).toThrow(/unknown limit `limits.maxConections`/);
  });

  it('are all in the README table, with their default and flag', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const spec of LIMITS) {
      expect(readme).toContain(`| \`limits.${spec.name}\` | ${formatLimit(spec, spec.fallback)} | \`${spec.flag}\` |`);
    }
  });
});
