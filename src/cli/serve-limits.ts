/**
 * The `clacks serve` flags for the server's limits, one per row of the
 * limits table (src/server/limits.ts). Sizes take K, M or G suffixes (KiB,
 * MiB, GiB), durations are in seconds like every `serve` flag, and
 * `unlimited` lifts a limit.
 * @module
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LIMITS, resolveLimits, type LimitSpec, type ServerLimits } from '../server/limits.js';

const SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Adds one option per limit. */
export function addLimitOptions(command: Command): Command {
  for (const spec of LIMITS) {
    const value = spec.unit === 'bytes' ? '<bytes>' : spec.unit === 'ms' ? '<seconds>' : '<count>';
    command.addOption(new Option(`${spec.flag} ${value}`, `${spec.help} (default ${formatLimit(spec, spec.fallback)})`).argParser(parser(spec)));
  }
  return command;
}

/** The limits given on the command line, as `startServer`'s `limits` option. */
export function limitsFrom(flags: Record<string, unknown>): ServerLimits {
  const limits: ServerLimits = {};
  for (const spec of LIMITS) {
    const value = flags[spec.name];
    if (typeof value === 'number') limits[spec.name] = value;
  }
  return limits;
}

/** Every limit as `--print-config` shows it: defaults filled in, sizes and counts as numbers, durations in seconds, `"unlimited"`. */
export function describeLimits(limits: ServerLimits): Record<string, number | 'unlimited'> {
  const resolved = resolveLimits(limits);
  const described: Record<string, number | 'unlimited'> = {};
  for (const spec of LIMITS) {
    const value = resolved[spec.name];
    described[spec.name] = value === Infinity ? 'unlimited' : spec.unit === 'ms' ? value / 1000 : value;
  }
  return described;
}

/** A limit as the README and `--help` show it: `64K`, `16M`, `1 s`, `10000`. */
export function formatLimit(spec: LimitSpec, value: number): string {
  if (value === Infinity) return 'unlimited';
  if (spec.unit === 'ms') return `${value / 1000} s`;
  if (spec.unit === 'bytes') {
    for (const [suffix, factor] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
      if (value >= factor && value % factor === 0) return `${value / factor}${suffix}`;
    }
  }
  return String(value);
}

function parser(spec: LimitSpec): (text: string) => number {
  return (text) => {
    if (text.trim().toLowerCase() === 'unlimited') return Infinity;
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(text);
    const number = match ? Number(match[1]) : Number.NaN;
    if (spec.unit === 'ms') {
      if (!Number.isFinite(number) || match?.[2] !== '') throw new InvalidArgumentError('expected a number of seconds (or "unlimited")');
      return number * 1000;
    }
    const factor = spec.unit === 'bytes' ? SUFFIX[(match?.[2] ?? '').toLowerCase()] : match?.[2] === '' ? 1 : undefined;
    const value = factor === undefined ? Number.NaN : Math.round(number * factor);
    if (!Number.isFinite(value)) {
      throw new InvalidArgumentError(spec.unit === 'bytes' ? 'expected a size such as 65536, 64K or 16M (or "unlimited")' : 'expected a whole number (or "unlimited")');
    }
    return value;
  };
}
