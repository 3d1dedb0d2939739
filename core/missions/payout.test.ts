import { describe, expect, it } from 'vitest';
import { PAYOUT_MAX_BYTES, PAYOUT_MAX_ROWS, parsePayoutCsv } from './payout.js';

describe('parsePayoutCsv', () => {
  it('tolerates a BOM, CRLF, a header, blank lines, quotes and extra columns', () => {
    const r = parsePayoutCsv('\uFEFFuser_id,name\r\n"1001",a\r\n\r\n1002\r\n  1003  ;x\n');
    expect(r.userIds).toEqual([1001, 1002, 1003]);
    expect(r.rows).toBe(3);
    expect(r.invalid).toEqual([]);
  });

  it('reports invalid lines with their 1-based line numbers and keeps duplicates out', () => {
    const r = parsePayoutCsv('1001\nabc\n1001\n-5\n0\n12345678901234567\n1002');
    expect(r.userIds).toEqual([1001, 1002]);
    expect(r.invalid.map((l) => l.line)).toEqual([2, 4, 5, 6]);
    expect(r.duplicates).toEqual([{ line: 3, value: '1001' }]);
  });

  it('only the first non-blank line may be a header', () => {
    const r = parsePayoutCsv('\n\nid\n1001\nuser_id\n');
    expect(r.userIds).toEqual([1001]);
    expect(r.invalid).toEqual([{ line: 5, value: 'user_id' }]);
  });

  it('the same bytes give the same file hash', () => {
    expect(parsePayoutCsv('1\n2').fileSha256).toBe(parsePayoutCsv(Buffer.from('1\n2')).fileSha256);
  });

  it(`refuses more than ${PAYOUT_MAX_ROWS} rows and more than ${PAYOUT_MAX_BYTES} bytes`, () => {
    const rows = Array.from({ length: PAYOUT_MAX_ROWS + 1 }, (_, i) => String(i + 1)).join('\n');
    expect(() => parsePayoutCsv(rows)).toThrow(/more than 100000 rows/);
    expect(() => parsePayoutCsv(Array.from({ length: PAYOUT_MAX_ROWS }, (_, i) => String(i + 1)).join('\n'))).not.toThrow();
    expect(() => parsePayoutCsv('1'.repeat(PAYOUT_MAX_BYTES + 1))).toThrow(/over 1048576 bytes/);
  });
});
