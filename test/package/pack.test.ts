/**
 * Issue 16, "Package and README": what `npm pack` ships. The license file
 * matches package.json, the package says it has no side effects and has
 * keywords, and every file the README links to is in the tarball.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHILD_TIMEOUT, ensureBuilt, runCommand } from '../cli/cli-process.js';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
let shipped: string[] = [];

beforeAll(async () => {
  await ensureBuilt();
  // --ignore-scripts: `prepare` would rebuild dist/ under other test files' feet.
  const pack = await runCommand('npm', ['pack', '--dry-run', '--ignore-scripts', '--json']);
  expect(pack.code, pack.stderr).toBe(0);
  shipped = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((file) => file.path) ?? [];
}, CHILD_TIMEOUT * 2);

describe('the npm package', () => {
  it('ships a LICENSE holding the license package.json names (the Artistic License 2.0)', () => {
    expect(manifest.license).toBe('Artistic-2.0');
    expect(shipped).toContain('LICENSE');
    const license = readFileSync(path.join(root, 'LICENSE'), 'utf8');
    expect(license.startsWith('The Artistic License 2.0\n\nCopyright (c) 2000-2006, The Perl Foundation.')).toBe(true);
    for (let section = 1; section <= 14; section++) expect(license).toContain(`(${section})`);
    expect(license.trimEnd().endsWith('ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.')).toBe(true);
  });

  it('has keywords and sideEffects: false', () => {
    expect(Array.isArray(manifest.keywords) && manifest.keywords.length).toBeGreaterThan(3);
    expect(manifest.keywords).toContain('clacks');
    expect(manifest.sideEffects).toBe(false);
  });

  it('every file the README links to, and every file package.json points to, is shipped', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
    const local = links.filter((link) => !/^(https?:|mailto:|#)/.test(link)).map((link) => link.replace(/#.*$/, '').replace(/^\.\//, ''));
    expect(local).toContain('LICENSE');
    for (const link of local) expect(shipped, `README links to ${link}`).toContain(link);
    const exports = JSON.stringify(manifest.exports);
    const pointed = [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin as Record<string, string>), ...(exports.match(/\.\/dist\/[^"]+/g) ?? [])];
    for (const file of pointed) expect(shipped, String(file)).toContain(String(file).replace(/^\.\//, ''));
  });
});
