import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReport, relativeTo, reportLines, summaryLine } from '../checkReport';

const range = (line: number, column: number) => ({ start: { line, column, offset: 0 }, end: { line, column: column + 1, offset: 1 } });
const sample = JSON.stringify({
  version: 1,
  files: [
    { path: '/ws/backend/data/model_configs/a.json', kind: 'config' },
    { path: '/ws/tests/x_tests.md', kind: 'test-spec' },
  ],
  diagnostics: [
    { path: '/ws/tests/x_tests.md', code: 'TS010', severity: 'warning', message: 'claim off', range: range(3, 1) },
    {
      path: '/ws/backend/data/model_configs/a.json',
      code: 'MC060',
      rule: 'parameter-count',
      severity: 'error',
      message: 'parameter_count 7,077,888 does not match',
      range: range(21, 28),
      fixes: [{ title: 'Set parameter_count to 7,864,320', edits: [] }],
    },
    { path: '/ws/backend/data/model_configs/a.json', code: 'MC004', severity: 'warning', message: 'unknown field', range: range(2, 3) },
  ],
  summary: { error: 1, warning: 2, info: 0, hint: 0 },
});

test('parses version 1 and lists findings by file and position, with the fix', () => {
  const r = parseReport(sample);
  assert.deepEqual(reportLines(r, '/ws'), [
    'backend/data/model_configs/a.json:2:3: warning[MC004]: unknown field',
    'backend/data/model_configs/a.json:21:28: error[MC060]: parameter_count 7,077,888 does not match (fix: Set parameter_count to 7,864,320)',
    'tests/x_tests.md:3:1: warning[TS010]: claim off',
    '2 files checked: 1 error, 2 warnings, 0 info, 0 hints',
  ]);
});

test('summary wording', () => {
  const r = parseReport(JSON.stringify({ version: 1, files: [{ path: 'a', kind: 'config' }], diagnostics: [], summary: { error: 0, warning: 1, info: 2, hint: 1 } }));
  assert.equal(summaryLine(r), '1 file checked: 0 errors, 1 warning, 2 info, 1 hint');
});

test('not JSON, or another version, is a clear error', () => {
  assert.throws(() => parseReport('error: boom'), /did not print JSON: error: boom/);
  assert.throws(() => parseReport('{"version":2,"files":[],"diagnostics":[]}'), /unknown form/);
});

test('relative paths, with either slash', () => {
  assert.equal(relativeTo('/ws/', '/ws/a/b.json'), 'a/b.json');
  assert.equal(relativeTo('C:\\ws', 'C:\\ws\\a\\b.json'), 'a/b.json');
  assert.equal(relativeTo('/other', '/ws/a.json'), '/ws/a.json');
});
