import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { publishedSchemas } from '../../policy/published-schemas.ts';

test('the published JSON Schemas match the schemas the code validates with (run `npm run schema`)', () => {
  for (const { file, json } of publishedSchemas()) {
    let onDisk = '';
    try {
      onDisk = readFileSync(file, 'utf8');
    } catch {
      assert.fail(`${file} is missing: run npm run schema`);
    }
    assert.equal(onDisk, json, `${file} is out of date: run npm run schema`);
  }
});
