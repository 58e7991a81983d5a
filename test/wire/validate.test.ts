import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { validateIdentification, validateName, validateStep, validateText, validateValue } from '../../src/wire/index.js';

/** Runs `fn`, expecting a ValidationError; returns it. */
function refused(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('validateName', () => {
  it('accepts protocol names, UTF-8 and punctuation', () => {
    for (const name of ['chan', 'Kitchen::Sensorbox2::Temperature', 'VERSION::refcache', 'schlüssel', '日本語', 'a.b-c_d/e;f', '🚀']) {
      expect(validateName(name)).toBe(name);
    }
  });

  it('refuses an empty name, naming the argument', () => {
    const error = refused(() => validateName(''));
    expect(error.argument).toBe('name');
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('invalid name: must not be empty');
  });

  it('uses the argument name it is given', () => {
    expect(refused(() => validateName('a b', 'key')).argument).toBe('key');
    expect(refused(() => validateName('a b', 'key')).message).toBe('invalid key: "a b" contains a space');
  });

  it('refuses whitespace of every kind', () => {
    for (const name of ['my key', 'tab\there', ' lead', 'trail ', 'nb\u00a0sp', 'em\u2003space', 'ideo\u3000space', 'line\u2028sep', 'vt\u000b']) {
      expect(refused(() => validateName(name)).argument, JSON.stringify(name)).toBe('name');
    }
  });

  it('refuses "=" anywhere', () => {
    for (const name of ['n4=', '=x', 'a=b']) expect(refused(() => validateName(name)).message).toContain('"="');
  });

  it('refuses control characters', () => {
    for (const name of ['nul\u0000', 'bell\u0007', 'del\u007f', 'c1\u0085', 'esc\u001b[0m']) {
      expect(refused(() => validateName(name)).message, JSON.stringify(name)).toMatch(/U\+00(00|07|7F|85|1B)/);
    }
  });

  it('refuses CR and LF', () => {
    expect(refused(() => validateName('a\rb')).message).toContain('U+000D');
    expect(refused(() => validateName('a\nb')).message).toContain('U+000A');
  });

  it('refuses an injection attempt', () => {
    refused(() => validateName('a\r\nCLEARCACHE'));
    refused(() => validateName('x\nQUIT'));
  });

  it('refuses non-strings', () => {
    expect(refused(() => validateName(42)).message).toBe('invalid name: expected a string, got number');
    expect(refused(() => validateName(null)).message).toBe('invalid name: expected a string, got null');
    refused(() => validateName(undefined));
    refused(() => validateName({ toString: () => 'x' }));
  });
});

describe('validateValue', () => {
  it('accepts "=", spaces, UTF-8, NUL-free binary-ish text, and the empty string', () => {
    for (const value of ['a=b=c', 'hello world', ' 7', '', 'Grüße, Zürich € 日本語 🚀', 'tab\there', 'PAGECAMELCLACKSB64:bGluZTEKbGluZTI=']) {
      expect(validateValue(value)).toBe(value);
    }
  });

  it('refuses CR or LF, naming the argument', () => {
    for (const value of ['line1\nline2', 'a\rb', 'line1\r\nline2', '\n', 'end\r']) {
      const error = refused(() => validateValue(value));
      expect(error.argument).toBe('value');
      expect(error.message).toContain('CR or LF');
    }
    expect(refused(() => validateValue('a\nb', 'data')).argument).toBe('data');
  });

  it('refuses an injection attempt', () => {
    refused(() => validateValue('a\r\nCLEARCACHE'));
    refused(() => validateValue('1\nOVERHEAD C 1'));
  });

  it('refuses non-strings', () => {
    expect(refused(() => validateValue(1)).message).toBe('invalid value: expected a string, got number');
    refused(() => validateValue(undefined));
    refused(() => validateValue(Buffer.from('x')));
  });
});

describe('validateIdentification', () => {
  it('accepts names with spaces and slashes', () => {
    expect(validateIdentification('refcache/36')).toBe('refcache/36');
    expect(validateIdentification('other-client v1')).toBe('other-client v1');
  });

  it('refuses ";" (the server would rewrite it to "_")', () => {
    const error = refused(() => validateIdentification('renamed;client'));
    expect(error.argument).toBe('name');
    expect(error.message).toBe('invalid name: contains ";"');
  });

  it('refuses empty or blank names, control characters, CR and LF', () => {
    refused(() => validateIdentification(''));
    refused(() => validateIdentification('   '));
    refused(() => validateIdentification('a\tb'));
    refused(() => validateIdentification('a\r\nCLEARCACHE'));
    expect(refused(() => validateIdentification('x\u0000', 'clientName')).argument).toBe('clientName');
  });
});

describe('validateText', () => {
  it('accepts a FLUSH id with spaces', () => {
    expect(validateText('id with spaces', 'id')).toBe('id with spaces');
  });

  it('refuses empty text, CR and LF', () => {
    expect(refused(() => validateText('', 'id')).message).toBe('invalid id: must not be empty');
    expect(refused(() => validateText('a\r\nCLEARCACHE', 'cid')).argument).toBe('cid');
    refused(() => validateText(7, 'id'));
  });
});

describe('validateStep', () => {
  it('formats numbers', () => {
    expect(validateStep(1)).toBe('1');
    expect(validateStep(-10)).toBe('-10');
    expect(validateStep(1.5)).toBe('1.5');
    expect(validateStep(0)).toBe('0');
    expect(validateStep(1e21)).toBe('1e+21');
    expect(validateStep(9007199254740993n)).toBe('9007199254740993');
  });

  it('accepts numeric strings unchanged', () => {
    for (const step of ['5', '-2', '+3', '1.5', '.5', '5.', '1e3', '2E-2', '0.2', '9223372036854775808']) {
      expect(validateStep(step)).toBe(step);
    }
  });

  it('refuses NaN and the infinities', () => {
    for (const step of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = refused(() => validateStep(step));
      expect(error.argument).toBe('step');
      expect(error.message).toContain('finite');
    }
  });

  it('refuses garbage', () => {
    for (const step of ['', 'abc', '1=2', ' 1', '1 ', '0x10', '1e', 'NaN', 'Infinity', '1\r\nCLEARCACHE', '--1', null, undefined, true, {}]) {
      expect(refused(() => validateStep(step)).argument, JSON.stringify(step)).toBe('step');
    }
    expect(refused(() => validateStep('x', 'by')).argument).toBe('by');
  });
});
