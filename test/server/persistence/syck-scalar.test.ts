/** The scalar styles YAML::Syck picks, as transcript 12 shows them for data and keys. */
import { describe, expect, it } from 'vitest';
import { isUnquotableInteger, looksLikeNumber, syckScalar } from '../../../src/server/persistence/syck-scalar.js';
import { formatTime } from '../../../src/server/persistence/v3-format.js';

describe('YAML::Syck scalar styles', () => {
  it.each([
    ['hello world', 'hello world'],
    ['a=b=c', 'a=b=c'],
    ['C:\\temp\\new', 'C:\\temp\\new'],
    ['REMOVED', 'REMOVED'],
    ['PAGECAMELCLACKSB64:bGluZTEK', 'PAGECAMELCLACKSB64:bGluZTEK'],
    ['6', '6'],
    ['-3', '-3'],
    ['42', '42'],
    ['', "''"],
    ['21.5', "'21.5'"],
    ['0.5', "'0.5'"],
    ['0123', "'0123'"],
    ['1700000001', "'1700000001'"],
    ['yes', "'yes'"],
    ['null', "'null'"],
    ['~', "'~'"],
    [' leading space', '" leading space"'],
    ['trailing space ', '"trailing space "'],
    ['- item', '"- item"'],
    ['#not a comment', '"#not a comment"'],
    ['{a: 1}', '"{a: 1}"'],
    ['*alias', '"*alias"'],
    ['%percent', '"%percent"'],
    ['a: b', '"a: b"'],
    [`'single' "double"`, `"'single' \\"double\\""`],
    ['PAGECAMELCLACKSYAMLB64: LS0t', '"PAGECAMELCLACKSYAMLB64: LS0t"'],
    ['a\x01\t\x7fb', '"a\\x01\\t\\x7Fb"'],
    ['a\0b', '"a\\0b"'],
    ['\xe4\xf6\xfc', '\xe4\xf6\xfc'],
    ['line\nbreak', '"line\\nbreak"'],
  ])('data %j is written %s', (data, written) => {
    expect(syckScalar(data)).toBe(written);
  });

  it('keys that would not be plain are double-quoted', () => {
    expect(syckScalar('null', true)).toBe('"null"');
    expect(syckScalar('yes', true)).toBe('"yes"');
    expect(syckScalar('0.5', true)).toBe('"0.5"');
    expect(syckScalar('my key', true)).toBe('my key');
    expect(syckScalar('Kitchen::Sensorbox2::Temperature', true)).toBe('Kitchen::Sensorbox2::Temperature');
  });

  it("Perl's looks_like_number and Syck's short-integer test", () => {
    for (const number of ['1', ' 12', '12 ', '1e5', '.5', '5.', '-.5', 'Inf', '-infinity', 'nan', '0 but true', '00']) expect(looksLikeNumber(number), number).toBe(true);
    for (const text of ['', ' ', '1e', '0x10', '1_000', '1 2', '+', 'infin', 'nan()']) expect(looksLikeNumber(text), text).toBe(false);
    for (const integer of ['0', '5', '-12345678', '123456789', '+0', '.5']) expect(isUnquotableInteger(integer), integer).toBe(true);
    for (const text of ['00', '-0', '01', '1234567890', '-123456789', '1.']) expect(isUnquotableInteger(text), text).toBe(false);
  });

  it('times: 15 significant digits, single-quoted; a short whole number stays plain', () => {
    expect(formatTime(1796115537.9967)).toBe("'1796115537.9967'");
    expect(formatTime(1796115537.99664)).toBe("'1796115537.99664'");
    expect(formatTime(1796115537.996641)).toBe("'1796115537.99664'");
    expect(formatTime(1700000001)).toBe("'1700000001'");
    expect(formatTime(0)).toBe('0');
  });
});
