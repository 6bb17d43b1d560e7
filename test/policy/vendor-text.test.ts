// A Chinese sentence must not carry an English phrase: wherever an employee reads who receives the code (the
// terminal notice, the status window's reasons, `cordon status --tool`), the vendor is in their language when the
// catalog translates it — and the catalog translates every vendor that is a phrase rather than a name.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { composeNotice } from '../../agent/enforcement/terminal-notice.ts';
import { restrictedTools } from '../../agent/restricted-tools.ts';
import { builtInCatalog, builtInPolicy, Matcher } from '../../policy/index.ts';

const PHRASE_IN_CHINESE = '其配置使用的任一 LLM 服务商';

it('every catalog vendor written as an English phrase has a zh-CN translation', () => {
  // A name ("Anthropic", "Cline Bot Inc.") reads the same in any language; lower-case words make it a phrase.
  const missing = builtInCatalog()
    .entries.filter((e) => /\b[a-z]{2,}\b/.test(e.vendor) && !e.vendorTranslations?.['zh-CN'])
    .map((e) => `${e.id}: "${e.vendor}"`);
  assert.deepEqual(missing, []);
});

it('the terminal notice and the restricted-tools reasons use the vendor of their own language', () => {
  const matcher = new Matcher(builtInPolicy());
  const decision = matcher.decide({ toolId: 'aider', evidence: 'npm-package', detail: 'test' });
  assert.ok(decision, 'the built-in policy decides on aider');
  const zh = composeNotice(decision, 'blocked', 'zh-CN').join('\n');
  const en = composeNotice(decision, 'blocked', 'en').join('\n');
  assert.ok(zh.includes(PHRASE_IN_CHINESE), zh);
  assert.ok(!zh.includes('whichever'), `English phrase inside the Chinese notice:\n${zh}`);
  assert.ok(en.includes('whichever LLM provider it is configured with'), en);

  const aider = restrictedTools(matcher, undefined).find((t) => t.toolId === 'aider');
  assert.ok(aider);
  assert.equal(aider.vendorTranslations?.['zh-CN'], PHRASE_IN_CHINESE, 'the status window gets the translation');
  assert.ok(aider.reason['zh-CN']?.includes(`外部的 ${PHRASE_IN_CHINESE}`), aider.reason['zh-CN']);
  assert.ok(aider.reason.en.includes('to whichever LLM provider it is configured with, outside'), aider.reason.en);
});
