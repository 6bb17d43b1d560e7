// How to make each real AI CLI send its first API request straight away to a loopback recorder: a private home
// with the settings the CLI insists on, its vendor's base-URL and key variables, and a one-shot prompt.
// Found by running each CLI against the recorder (see test/agent/real-cli-enforcement.test.ts's monitor control).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RealCliId } from './real-clis.ts';

export interface CliSession {
  env: NodeJS.ProcessEnv;
  args: string[];
}

export function prepareCliSession(id: RealCliId, home: string, baseUrl: string): CliSession {
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'en_US.UTF-8',
    TERM: 'xterm-256color',
    // Nothing in these tests may reach the internet; the CLIs' telemetry must not try either.
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_UPDATE_NOTIFIER: '1',
  };
  switch (id) {
    case 'claude-code':
      return { env: { ...env, ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_API_KEY: 'sk-ant-cordon-test' }, args: ['-p', 'say hello'] };
    case 'codex': {
      const codexHome = join(home, '.codex');
      mkdirSync(codexHome, { recursive: true });
      // Codex ignores OPENAI_BASE_URL for its default provider; a custom provider is how enterprises redirect it.
      writeFileSync(
        join(codexHome, 'config.toml'),
        `model_provider = "recorder"\nmodel = "gpt-5"\n[model_providers.recorder]\nname = "recorder"\nbase_url = "${baseUrl}/v1"\nenv_key = "OPENAI_API_KEY"\nwire_api = "responses"\nsupports_websockets = false\n`,
      );
      return { env: { ...env, CODEX_HOME: codexHome, OPENAI_API_KEY: 'sk-cordon-test' }, args: ['exec', '--skip-git-repo-check', 'say hello'] };
    }
    case 'gemini-cli': {
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
      return {
        env: { ...env, GEMINI_API_KEY: 'cordon-test', GOOGLE_GEMINI_BASE_URL: baseUrl, GEMINI_CLI_TRUST_WORKSPACE: 'true' },
        args: ['-p', 'say hello'],
      };
    }
    case 'qwen-code':
      return {
        env: { ...env, OPENAI_BASE_URL: `${baseUrl}/v1`, OPENAI_API_KEY: 'sk-cordon-test', OPENAI_MODEL: 'qwen3-coder-plus' },
        args: ['-p', 'say hello'],
      };
    case 'opencode':
      return { env, args: ['run', 'say hello'] };
  }
}
