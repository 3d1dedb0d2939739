import { describe, expect, it } from 'vitest';
import { csvCell } from './csv.js';

describe('CSV exports neutralise cells a spreadsheet would run as a formula', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('%j is written as %j', (input, out) => {
    expect(csvCell(input)).toBe(out);
  });
  it('plain text, numbers (negative too) and empty values stay as they are', () => {
    expect(csvCell('골든아워 미션')).toBe('골든아워 미션');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(0.25)).toBe('0.25');
    expect(csvCell(null)).toBe('');
    expect(csvCell('a,b')).toBe('"a,b"');
  });
});
